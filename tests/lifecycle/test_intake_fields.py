"""`[intake.fields]`: a platform posts its own JSON to POST /api/leads, and the team file says where each of
Handoff's fields is in it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ConfigError
from tests.conftest import LEADS, StartApp, team_config, text_of
from tests.lifecycle.test_intake import count_leads

ZAPIER_LIKE = {
    "external_id": "id",
    "email": "contact.emails.0.value",
    "name": ["contact.first_name", "contact.last_name"],
    "company": "org",
    "score": "rating",
    "campaign": "utm.campaign",
}

NAME = "contact.first_name + contact.last_name (as name)"


async def test_a_platforms_own_json_becomes_a_posted_lead(start_app: StartApp) -> None:
    app = await start_app(team_config(intake={"fields": ZAPIER_LIKE}))
    status, body = await app.post_leads(
        {
            "id": 77001,
            "contact": {"first_name": "Ana", "last_name": " Silva ", "emails": [{"value": "Ana@Globex.com"}]},
            "org": "Globex",
            "rating": "64",
            "utm": {"campaign": "Q1 Launch"},
            "title": "CFO",  # not mapped: read under its own name
        }
    )
    assert status == 201, body
    assert body["external_id"] == "77001"
    lead = await app.lead(body["id"])
    assert (lead.email, lead.name, lead.company, lead.score, lead.campaign, lead.title) == (
        "ana@globex.com", "Ana Silva", "Globex", 64, "Q1 Launch", "CFO",
    )  # fmt: skip
    await app.settle()
    [post] = app.slack.calls_to("chat.postMessage")
    assert post.args["channel"] == LEADS and "Ana Silva" in text_of(post.args["blocks"])


async def test_a_list_is_mapped_item_by_item_and_a_repeat_posts_nothing(start_app: StartApp) -> None:
    app = await start_app(team_config(intake={"fields": {"external_id": "lead_id", "name": ["first", "last"]}}))
    batch = [{"lead_id": "a-1", "first": "Ann"}, {"lead_id": "a-2", "last": "Lee"}, {"lead_id": "a-3"}]
    status, body = await app.post_leads(batch)
    assert (status, body["created"]) == (201, 3)
    names = [(await app.lead(item["id"])).name for item in body["leads"]]
    assert names == ["Ann", "Lee", None]
    status, again = await app.post_leads(batch)
    assert (status, again["created"], again["existing"]) == (200, 0, 3)
    await app.settle()
    assert len(app.slack.calls_to("chat.postMessage")) == 3


@pytest.mark.parametrize(
    ("lead", "field", "problem"),
    [
        ({"email": "a@b.co"}, "id (as external_id)", "is required"),  # the platform's id is missing
        ({"id": "x\x00y"}, "id (as external_id)", "NUL"),
        ({"id": "x", "contact": {"emails": [{"value": "not-an-email"}]}}, "contact.emails.0.value (as email)", "email"),
        ({"id": "x", "rating": 10**100}, "rating (as score)", "100"),
        ({"id": "x", "contact": {"first_name": {"deep": [[[["x"]]]]}}}, NAME, "string"),
        ({"id": "x", "contact": {"first_name": True}}, NAME, "string"),
        ({"id": "x", "org": ["Globex"]}, "org (as company)", "string"),
    ],
)  # fmt: skip
async def test_a_bad_mapped_field_is_422_naming_the_platforms_field_and_stores_nothing(
    start_app: StartApp, lead: dict[str, Any], field: str, problem: str
) -> None:
    app = await start_app(team_config(intake={"fields": ZAPIER_LIKE}))
    status, body = await app.post_leads(lead)
    assert status == 422, body
    [error] = body["errors"]
    assert error["field"] == field
    assert problem in error["message"]
    assert await count_leads(app) == 0


async def test_a_path_through_a_value_that_is_not_an_object_finds_nothing(start_app: StartApp) -> None:
    app = await start_app(team_config(intake={"fields": ZAPIER_LIKE}))
    status, body = await app.post_leads({"id": "x", "contact": "Ana Silva"})
    assert status == 201, body
    lead = await app.lead(body["id"])
    assert (lead.email, lead.name) == (None, None)


async def test_an_index_past_a_list_or_a_huge_one_finds_nothing(start_app: StartApp) -> None:
    app = await start_app(team_config(intake={"fields": {"external_id": "ids.99999999999999999999"}}))
    status, body = await app.post_leads({"ids": ["only-one"]})
    assert status == 422
    assert body["errors"][0]["field"] == "ids.99999999999999999999 (as external_id)"


async def test_without_the_section_the_body_is_read_as_handoffs_own(start_app: StartApp) -> None:
    app = await start_app(team_config())
    status, body = await app.post_leads({"external_id": "plain-1", "name": "Ann", "id": "ignored"})
    assert status == 201
    assert (await app.lead(body["id"])).external_id == "plain-1"


@pytest.mark.parametrize(
    ("fields", "key", "problem"),
    [
        ({"owner": "rep"}, "intake.fields", "'owner' is not a Handoff field"),
        ({"email": ["a", "b"]}, "intake.fields", "email takes one source field"),
        ({"name": []}, "intake.fields.name", "1 to 5"),
        ({"name": ["a", "b", "c", "d", "e", "f"]}, "intake.fields.name", "1 to 5"),
        ({"name": "first..last"}, "intake.fields.name", "empty step"),
        ({"name": ""}, "intake.fields.name", "1 to 200 characters"),
        ({"name": ".".join(["a"] * 11)}, "intake.fields.name", "10 steps"),
        ({"name": 5}, "intake.fields.name", "string"),
    ],
)
def test_each_bad_mapping_is_named(fields: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        team_config(intake={"fields": fields})
    assert caught.value.key == key
    assert problem in caught.value.problem, caught.value.problem
