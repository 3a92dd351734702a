"""POST /api/leads, as a marketing platform calls it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ids import Action
from tests.conftest import INTAKE_TOKEN, LEADS, Harness, action_ids, text_of

WEBINAR_LEAD: dict[str, Any] = {
    "external_id": "hs-1001",
    "email": "Dana@Example.com",
    "name": "Dana Buyer",
    "company": "Globex",
    "title": "VP Operations",
    "source": "webinar",
    "campaign": "Q4 Ops Webinar",
    "score": 87,
    "activity": [
        {"at": "2026-11-20T15:00:00Z", "kind": "webinar", "detail": "Attended Q4 Ops Webinar"},
        {"at": "2026-11-22T10:30:00-06:00", "kind": "page", "detail": "Viewed /pricing"},
    ],
}


async def count_leads(app: Harness) -> int:
    async with app.svc.db.session() as session:
        from sqlalchemy import func, select

        from storage.models import Lead

        return int(await session.scalar(select(func.count()).select_from(Lead)) or 0)


async def test_new_lead_is_stored_then_posted_with_context_and_buttons(app: Harness) -> None:
    status, body = await app.post_leads(WEBINAR_LEAD)

    assert status == 201
    assert body == {"id": body["id"], "external_id": "hs-1001", "created": True}
    lead = await app.lead(body["id"])
    assert (lead.stage, lead.email, lead.score, lead.received_at) == ("mql", "dana@example.com", 87, app.clock.now())
    # the app's worker may already be posting: only the first event is certain here
    assert [e.kind for e in await app.events(lead.id)][0] == "mql_received"

    await app.settle()
    [post] = app.slack.calls_to("chat.postMessage")
    assert post.args["channel"] == LEADS
    blocks = post.args["blocks"]
    shown = text_of(blocks)
    for fact in ("Dana Buyer", "VP Operations", "Globex", "webinar", "Q4 Ops Webinar", "87/100", "Viewed /pricing"):
        assert fact in shown
    # latest activity first, in the team's timezone (10:30 CST)
    assert shown.index("Viewed /pricing") < shown.index("Attended Q4 Ops Webinar")
    assert "Nov 22, 10:30" in shown
    assert action_ids(blocks) == [Action.ACCEPT, Action.REJECT]
    lead = await app.lead(lead.id)
    assert (lead.slack_channel, lead.slack_ts) == (LEADS, post.response["ts"])
    assert [e.kind for e in await app.events(lead.id)] == ["mql_received", "posted"]


async def test_known_external_id_answers_200_with_the_same_id_and_posts_nothing_again(app: Harness) -> None:
    _, first = await app.post_leads(WEBINAR_LEAD)
    await app.settle()

    status, again = await app.post_leads({**WEBINAR_LEAD, "name": "Changed Name"})
    await app.settle()

    assert status == 200
    assert again == {"id": first["id"], "external_id": "hs-1001", "created": False}
    assert (await app.lead(first["id"])).name == "Dana Buyer"
    assert len(app.slack.calls_to("chat.postMessage")) == 1


async def test_a_list_reports_each_item_and_is_201_if_any_was_created(app: Harness) -> None:
    _, known = await app.post_leads({"external_id": "k-1"})
    batch = [{"external_id": "k-1"}, {"external_id": "n-1"}, {"external_id": "n-2"}, {"external_id": "n-1"}]

    status, body = await app.post_leads(batch)

    assert status == 201
    assert (body["created"], body["existing"]) == (2, 2)
    assert [(r["external_id"], r["created"]) for r in body["leads"]] == [
        ("k-1", False),
        ("n-1", True),
        ("n-2", True),
        ("n-1", False),
    ]
    assert body["leads"][0]["id"] == known["id"]
    assert body["leads"][1]["id"] == body["leads"][3]["id"]
    assert await count_leads(app) == 3


async def test_a_list_of_only_known_leads_is_200(app: Harness) -> None:
    await app.post_leads([{"external_id": "a"}, {"external_id": "b"}])
    status, body = await app.post_leads([{"external_id": "a"}, {"external_id": "b"}])
    assert (status, body["created"], body["existing"]) == (200, 0, 2)


async def test_harmless_variations_are_accepted(app: Harness) -> None:
    status, body = await app.post_leads({"external_id": 4242, "score": " 55 ", "name": "  Ann  ", "utm_term": "x"})

    assert status == 201
    lead = await app.lead(body["id"])
    assert (lead.external_id, lead.score, lead.name) == ("4242", 55, "Ann")


@pytest.mark.parametrize(
    ("headers_token", "expected"),
    [(None, 401), ("wrong-token-wrong-token", 401), (INTAKE_TOKEN + "x", 401), ("", 401)],
)
async def test_requests_without_the_intake_token_are_refused(
    app: Harness, headers_token: str | None, expected: int
) -> None:
    status, body = await app.post_leads(WEBINAR_LEAD, token=headers_token)
    assert (status, body["error"]) == (expected, "unauthorized")
    assert await count_leads(app) == 0


async def test_malformed_json_is_400(app: Harness) -> None:
    status, body = await app.post_leads(raw=b'{"external_id": "x",')
    assert (status, body["error"]) == (400, "malformed_json")
    assert await count_leads(app) == 0


@pytest.mark.parametrize(
    ("lead", "field", "message_part"),
    [
        ({"name": "No Id"}, "external_id", "required"),
        ({"external_id": ""}, "external_id", "is empty"),
        ({"external_id": True}, "external_id", "string"),
        ({"external_id": "x" * 201}, "external_id", "at most 200"),
        ({"external_id": "a", "score": 140}, "score", "less than or equal to 100"),
        ({"external_id": "a", "score": -1}, "score", "greater than or equal to 0"),
        ({"external_id": "a", "score": "high"}, "score", "integer"),
        ({"external_id": "a", "score": 55.5}, "score", "integer"),
        ({"external_id": "a", "email": "not-an-email"}, "email", "not an email"),
        ({"external_id": "a", "name": 12}, "name", "string"),
        ({"external_id": "a", "activity": "downloads"}, "activity", "list"),
        ({"external_id": "a", "activity": [{"kind": "page"}]}, "activity[0].at", "required"),
        ({"external_id": "a", "activity": [{"at": "yesterday", "kind": "page"}]}, "activity[0].at", "datetime"),
    ],
)
async def test_each_bad_field_is_422_naming_the_field_and_stores_nothing(
    app: Harness, lead: dict[str, Any], field: str, message_part: str
) -> None:
    status, body = await app.post_leads(lead)

    assert status == 422
    assert body["error"] == "invalid_lead"
    [error] = body["errors"]
    assert error["field"] == field
    assert message_part in error["message"]
    assert await count_leads(app) == 0
    assert app.slack.calls_to("chat.postMessage") == []


async def test_one_invalid_item_in_a_list_stores_nothing_and_names_its_index(app: Harness) -> None:
    status, body = await app.post_leads([{"external_id": "ok-1"}, {"external_id": "bad", "score": 101}])

    assert status == 422
    assert body["errors"] == [{"index": 1, "field": "score", "message": body["errors"][0]["message"]}]
    assert await count_leads(app) == 0


@pytest.mark.parametrize(
    ("body", "message_part"),
    [([], "empty list"), ([{"external_id": str(i)} for i in range(501)], "at most 500"), ("lead", "lead object")],
)
async def test_bodies_that_are_not_leads_are_422(app: Harness, body: Any, message_part: str) -> None:
    status, answer = await app.post_leads(body)
    assert status == 422
    assert answer["errors"][0]["field"] == "body"
    assert message_part in answer["errors"][0]["message"]
    assert await count_leads(app) == 0


async def test_healthz_answers_once_ready(app: Harness) -> None:
    async with app.http.get(app.url("/healthz")) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}


async def test_a_null_score_is_stored_as_unscored(app: Harness) -> None:
    status, body = await app.post_leads({"external_id": "null-score", "score": None})
    assert status == 201
    assert (await app.lead(body["id"])).score is None


async def test_new_leads_wake_the_outbox_worker_for_their_posts_only(app: Harness) -> None:
    """Intake queues its posts set-based, not through enqueue_many: its commit must still wake the worker at once
    (else a post waits for the next poll), and only for posts, so the feedback lane does not read past them."""
    woken: list[tuple[str, ...]] = []
    app.svc.db.wake_after_enqueue(lambda *kinds: woken.append(kinds))
    status, _ = await app.post_leads([{"external_id": "wake-1", "name": "A"}, {"external_id": "wake-2", "name": "B"}])
    assert status == 201
    assert woken == [("lead_post",)]
