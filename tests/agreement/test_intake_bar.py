"""Intake under the agreement: each lead is stamped with the version in force, and a lead scoring below that
version's MQL bar is answered 202 and not stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from storage.models import Lead, OutboxMessage
from tests.agreement.helpers import config, record_version
from tests.conftest import START, Harness, StartApp
from tests.integrations.conftest import contact, start_hubspot


async def count(app: Harness, what: type[Any]) -> int:
    async with app.svc.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(what)) or 0)


def below_bar_count(app: Harness) -> float:
    return float(app.svc.observability.registry.get_sample_value("handoff_intake_below_mql_bar_total") or 0)


async def test_a_lead_below_the_bar_is_answered_202_and_nothing_is_stored(start_app: StartApp) -> None:
    app = await start_app(config())

    status, body = await app.post_leads({"external_id": "low-1", "email": "low@example.com", "score": 39})
    await app.settle()

    assert (status, body) == (
        202,
        {"ok": True, "status": "below_mql_bar", "external_id": "low-1", "score": 39, "min_score": 40,
         "agreement_version": 1},
    )  # fmt: skip
    assert await count(app, Lead) == 0
    assert await count(app, OutboxMessage) == 0
    assert app.slack.calls_to("chat.postMessage") == []
    assert below_bar_count(app) == 1


async def test_the_bar_itself_and_unscored_leads_pass_stamped_with_the_version_in_force(start_app: StartApp) -> None:
    app = await start_app(config())

    at_bar = await app.new_lead(name="At Bar", score=40)
    unscored = await app.new_lead(name="No Score")

    for lead_id in (at_bar, unscored):
        assert (await app.lead(lead_id)).agreement_version == 1
    assert len(app.slack.calls_to("chat.postMessage")) == 2
    assert below_bar_count(app) == 0


async def test_a_batch_stores_the_mqls_and_names_the_leads_below_the_bar(start_app: StartApp) -> None:
    app = await start_app(config())

    status, body = await app.post_leads([
        {"external_id": "b-1", "email": "one@example.com", "score": 80},
        {"external_id": "b-2", "email": "two@example.com", "score": 0},
    ])  # fmt: skip

    assert status == 201
    assert (body["created"], body["existing"], body["below_mql_bar"]) == (1, 0, 1)
    assert body["leads"][1]["status"] == "below_mql_bar"
    assert await count(app, Lead) == 1


async def test_a_new_version_raises_the_bar_for_leads_arriving_after_it(start_app: StartApp) -> None:
    app = await start_app(config())
    first = await app.new_lead(name="Early", score=45)
    app.clock.advance(timedelta(minutes=5))
    version = await record_version(app, {"mql.min_score": 50}, at=START + timedelta(minutes=5))

    status, body = await app.post_leads({"external_id": "late-45", "email": "late@example.com", "score": 45})
    later = await app.new_lead(name="Late", score=50)

    assert (status, body["min_score"], body["agreement_version"]) == (202, 50, version)
    assert (await app.lead(first)).agreement_version == 1
    assert (await app.lead(later)).agreement_version == version


async def test_a_known_lead_sent_again_below_a_raised_bar_is_answered_as_known(start_app: StartApp) -> None:
    app = await start_app(config())
    lead_id = await app.new_lead(external_id="again-1", name="Again", score=45)
    await record_version(app, {"mql.min_score": 90}, at=START)

    status, body = await app.post_leads({"external_id": "again-1", "email": "again@example.com", "score": 45})

    assert (status, body) == (200, {"id": lead_id, "external_id": "again-1", "created": False})


async def test_hostile_scores_are_refused_naming_the_field_and_store_nothing(start_app: StartApp) -> None:
    app = await start_app(config())

    for score in (10**30, -1, "39\x00"):
        status, body = await app.post_leads({"external_id": "h-1", "email": "h@example.com", "score": score})
        assert status == 422, body
        assert "score" in str(body["errors"])
    assert await count(app, Lead) == 0
    assert below_bar_count(app) == 0


async def test_a_hubspot_contact_below_the_bar_is_answered_202_and_not_stored(start_app: StartApp) -> None:
    hub = await start_hubspot(start_app, config())

    status, body = await hub.post(contact(950, hubspotscore="12"))
    await hub.app.settle()

    assert (status, body["status"], body["score"], body["min_score"]) == (202, "below_mql_bar", 12, 40)
    assert await count(hub.app, Lead) == 0
    assert hub.app.slack.calls_to("chat.postMessage") == []
