"""The suppression loop: a rejection whose reason carries `suppress = true` in `[reject] reasons` takes the prospect
out of future campaigns: a `suppress` event to marketing's webhook, and the CRM's opt-out where the write-back is
configured, queued with the rejection and delivered through the outbox like every outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.clock import ManualClock
from bot.config.crm_write import WriteBackSettings
from bot.config.salesforce import SalesforceSettings
from bot.config.team_file import parse_config
from bot.errors import ConfigError
from sandbox.hubspot_api import FakeHubSpot
from sandbox.salesforce_api import FakeSalesforce
from tests.conftest import LEADS, REP1, REP2, Harness, StartApp, team_config, text_of
from tests.integrations.conftest import start_hubspot
from tests.integrations.test_hubspot_writeback import HANDOFF_PROPERTIES, from_hubspot
from tests.integrations.test_salesforce import SALESFORCE, TOKEN
from tests.integrations.test_salesforce_writeback import from_salesforce
from tests.lifecycle.test_lifecycle import SECRET, Receiver
from tests.lifecycle.test_reject import BUDGET, submit_reject

STUDENT = "Student, competitor or personal"  # suppresses in the default catalog
SF_LEAD = "00Q5e00000031AbEAI"


@pytest.fixture
async def hook() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    receiver.server = TestServer(app, host="127.0.0.1")
    await receiver.server.start_server()
    try:
        yield receiver
    finally:
        await receiver.server.close()


@pytest.fixture
async def hubspot(clock: ManualClock) -> AsyncIterator[FakeHubSpot]:
    fake = FakeHubSpot(now=clock.now)
    for name in HANDOFF_PROPERTIES:
        fake.custom_properties[name] = {"name": name}
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def salesforce() -> AsyncIterator[FakeSalesforce]:
    fake = FakeSalesforce()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def hook_config(hook: Receiver) -> dict[str, Any]:
    assert hook.server is not None
    return {"feedback": {"webhook_url": str(hook.server.make_url("/hook"))}}


async def hubspot_app(start_app: StartApp, fake: FakeHubSpot, hook: Receiver, **overrides: Any) -> Harness:
    writeback = WriteBackSettings(hubspot_access_token=fake.token, hubspot_api_url=fake.url)
    config = team_config(**hook_config(hook), **overrides)
    return (await start_hubspot(start_app, config, writeback=writeback, feedback_secret=SECRET)).app


async def salesforce_app(start_app: StartApp, fake: FakeSalesforce, **write: str) -> Harness:
    writeback = WriteBackSettings(
        salesforce_instance_url=fake.url, salesforce_client_id=fake.client_id,
        salesforce_client_secret=fake.client_secret,
    )  # fmt: skip
    config = team_config(salesforce={**SALESFORCE, "write": write} if write else SALESFORCE)
    return await start_app(config, writeback=writeback, salesforce=SalesforceSettings(outbound_token=TOKEN))


def suppress_writes(fake: FakeHubSpot | FakeSalesforce, name: str) -> list[tuple[str, dict[str, str]]]:
    return [(record, fields) for record, fields in fake.writes if name in fields]


async def test_a_suppressing_rejection_tells_marketing_and_opts_the_contact_out(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver
) -> None:
    app = await hubspot_app(start_app, hubspot, hook)
    lead_id = await from_hubspot(app, hubspot, "901")

    assert await submit_reject(app, lead_id, REP1, STUDENT, "A student's thesis") is None
    await app.settle()

    rejected, suppress = hook.payloads()
    assert rejected["event"] == "rejected"
    assert {k: v for k, v in suppress.items() if k != "lead"} == {
        "event": "suppress", "stage": "rejected", "reason": STUDENT, "by": REP1, "at": app.clock.now().isoformat(),
    }  # fmt: skip
    assert suppress["lead"] == rejected["lead"]
    assert suppress["lead"]["external_id"] == "hubspot:901"
    assert [fields for _, fields in hubspot.writes] == [
        {"hs_lead_status": "UNQUALIFIED", "handoff_reject_reason": STUDENT, "handoff_reject_note": "A student's thesis",
         "handoff_stage": "rejected"},
        {"handoff_suppress": "true"},
    ]  # fmt: skip
    assert hubspot.contacts["901"]["handoff_suppress"] == "true"
    shown = text_of((await app.post_of(lead_id)).blocks)
    assert f"— {STUDENT} · 🚫 suppressed from future campaigns" in shown


async def test_a_reason_that_does_not_suppress_sends_no_suppression(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver
) -> None:
    app = await hubspot_app(start_app, hubspot, hook)
    lead_id = await from_hubspot(app, hubspot, "902")

    await submit_reject(app, lead_id, REP1, BUDGET)
    await app.settle()

    assert [p["event"] for p in hook.payloads()] == ["rejected"]
    assert suppress_writes(hubspot, "handoff_suppress") == []
    assert len(hubspot.writes) == 1
    assert "suppressed" not in text_of((await app.post_of(lead_id)).blocks)


async def test_a_catalog_of_its_own_marks_which_reasons_suppress(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver
) -> None:
    reasons = ["Too small", {"reason": "Competitor", "suppress": True}, {"reason": STUDENT, "suppress": False}]
    app = await hubspot_app(start_app, hubspot, hook, reject={"reasons": reasons})
    competitor, student, small = [await from_hubspot(app, hubspot, str(n)) for n in (911, 912, 913)]

    await submit_reject(app, competitor, REP1, "Competitor")
    await submit_reject(app, student, REP1, STUDENT)
    await submit_reject(app, small, REP2, "Too small")
    await app.settle()

    assert [p["lead"]["external_id"] for p in hook.payloads() if p["event"] == "suppress"] == ["hubspot:911"]
    assert suppress_writes(hubspot, "handoff_suppress") == [("911", {"handoff_suppress": "true"})]


async def test_a_replayed_rejection_queues_no_second_suppression(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver
) -> None:
    app = await hubspot_app(start_app, hubspot, hook)
    lead_id = await from_hubspot(app, hubspot, "903")

    await submit_reject(app, lead_id, REP1, STUDENT)
    again = await submit_reject(app, lead_id, REP1, STUDENT)  # Slack retried the submission, or a second tab
    await app.settle()

    assert again is not None and again["response_action"] == "errors"
    assert [p["event"] for p in hook.payloads()] == ["rejected", "suppress"]
    assert suppress_writes(hubspot, "handoff_suppress") == [("903", {"handoff_suppress": "true"})]


REJECTION_OFF = {"status_property": "", "reason_property": "", "note_property": "", "owner_property": "",
                 "stage_property": ""}  # fmt: skip


@pytest.mark.parametrize("alone", [False, True], ids=["behind-the-rejection", "alone"])
async def test_a_hubspot_answering_429_then_500_writes_the_suppression_exactly_once(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver, alone: bool
) -> None:
    """Behind the rejection's own write (the two share the lead's key, so the suppression waits its turn), or alone
    (the rejection's properties turned off): the suppression meets the 429 and the 500 itself."""
    write = {"write": REJECTION_OFF} if alone else {}
    app = await hubspot_app(start_app, hubspot, hook, hubspot=write)
    lead_id = await from_hubspot(app, hubspot, "904")
    hook.fail = 1  # marketing's receiver is down for the first delivery too
    hubspot.fail_next(429, retry_after="30")
    hubspot.fail_next(500)

    await submit_reject(app, lead_id, REP1, STUDENT)
    await app.settle()
    assert hubspot.writes == []
    for _ in range(6):
        app.clock.advance(60)
        await app.settle()

    patched = [status for method, _, status in hubspot.calls if method == "PATCH"]
    assert patched == ([429, 500, 200] if alone else [429, 500, 200, 200])
    assert suppress_writes(hubspot, "handoff_suppress") == [("904", {"handoff_suppress": "true"})]
    assert len(hubspot.writes) == (1 if alone else 2)
    assert sorted(p["event"] for p in hook.payloads()) == ["rejected", "suppress"]
    rows = [r for r in await app.outbox_rows() if r.kind in ("crm_write", "feedback")]
    assert len(rows) == 4 and all(r.delivered_at is not None and r.failed_at is None for r in rows)


async def test_a_hubspot_property_that_does_not_exist_fails_the_suppression_alone(
    start_app: StartApp, hubspot: FakeHubSpot, hook: Receiver
) -> None:
    app = await hubspot_app(start_app, hubspot, hook, hubspot={"write": {"suppress_property": "campaign_optout"}})
    lead_id = await from_hubspot(app, hubspot, "905")

    await submit_reject(app, lead_id, REP1, STUDENT)
    await app.settle()

    assert len(hubspot.writes) == 1 and "campaign_optout" not in hubspot.writes[0][1]
    [refused] = [r for r in await app.outbox_rows() if r.kind == "crm_write" and r.failed_at is not None]
    assert "campaign_optout" in str(refused.last_error) and "does not exist" in str(refused.last_error)


async def test_salesforce_opts_the_lead_out_of_email(start_app: StartApp, salesforce: FakeSalesforce) -> None:
    app = await salesforce_app(start_app, salesforce)
    lead_id = await from_salesforce(app, salesforce, SF_LEAD)
    salesforce.fail_next(503)

    await submit_reject(app, lead_id, REP2, STUDENT)
    await app.settle()
    for _ in range(3):
        app.clock.advance(60)
        await app.settle()

    assert [fields.get("HasOptedOutOfEmail") for _, fields in salesforce.writes] == [None, "true"]
    assert suppress_writes(salesforce, "HasOptedOutOfEmail") == [(SF_LEAD, {"HasOptedOutOfEmail": "true"})]
    assert salesforce.leads[SF_LEAD]["HasOptedOutOfEmail"] == "true"


async def test_salesforce_with_the_suppress_field_turned_off_gets_no_suppression(
    start_app: StartApp, salesforce: FakeSalesforce
) -> None:
    app = await salesforce_app(start_app, salesforce, suppress_field="")
    lead_id = await from_salesforce(app, salesforce, SF_LEAD)

    await submit_reject(app, lead_id, REP2, STUDENT)
    await app.settle()

    assert [fields["Handoff_Stage__c"] for _, fields in salesforce.writes] == ["rejected"]
    assert suppress_writes(salesforce, "HasOptedOutOfEmail") == []


async def test_salesforce_refuses_a_checkbox_that_is_not_a_boolean(salesforce: FakeSalesforce) -> None:
    """The fake answers as Salesforce does, so the write-back's `true` is what a real org accepts."""
    salesforce.add_lead(SF_LEAD)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{salesforce.url}/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": salesforce.client_id,
                  "client_secret": salesforce.client_secret},
        ) as answer:  # fmt: skip
            token = (await answer.json())["access_token"]
        url = f"{salesforce.url}/services/data/v61.0/sobjects/Lead/{SF_LEAD}"
        headers = {"Authorization": f"Bearer {token}"}
        async with http.patch(url, json={"HasOptedOutOfEmail": "yes"}, headers=headers) as r:
            assert r.status == 400
            assert (await r.json())[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert salesforce.writes == []


BASE = {"slack": {"leads_channel": LEADS}, "team": {"sales": [REP1], "managers": [REP2]}}


@pytest.mark.parametrize(
    ("entry", "key", "message"),
    [
        ({"reason": "Competitor", "suppress": "yes"}, "reject.reasons[1].suppress", "valid boolean"),
        ({"reason": "Competitor", "supress": True}, "reject.reasons[1].supress", "not a known setting"),
        ({"suppress": True}, "reject.reasons[1].reason", "is required"),
        ({"reason": "x" * 76, "suppress": True}, "reject.reasons", "1 to 75 characters"),
        ({"reason": "Too small", "suppress": True}, "reject.reasons", "unique"),
        (7, "reject.reasons[1]", "a string, or a table"),
    ],
)
def test_a_bad_catalog_entry_is_named_by_its_key(entry: Any, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({**BASE, "reject": {"reasons": ["Too small", entry]}})
    assert raised.value.key == key
    assert message in str(raised.value)


def test_the_default_catalog_suppresses_students_competitors_and_personal_contacts() -> None:
    config = parse_config(BASE)
    assert config.reject.suppressing == {STUDENT}
    assert STUDENT in config.reject.reasons and all(isinstance(r, str) for r in config.reject.reasons)
