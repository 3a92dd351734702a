"""The write-back to Salesforce: a lead's outcome reaches the Lead it came from through the REST API, with a token
from the client-credentials flow, against a local Salesforce (sandbox/salesforce_api.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config.crm_write import WriteBackSettings
from bot.config.salesforce import SalesforceSettings
from bot.ids import Action
from sandbox.salesforce_api import FakeSalesforce
from tests.app.test_operations import scrape, value
from tests.conftest import REP1, REP2, Harness, StartApp, team_config
from tests.integrations import salesforce_messages as sf
from tests.integrations.test_salesforce import SALESFORCE, TOKEN, lead_by_record, post
from tests.lifecycle.test_reject import BUDGET, submit_reject

OWNER1 = "u0rep00001 (U0REP00001)"
ACCEPTED = {"Status": "Working - Contacted", "Handoff_Owner__c": OWNER1, "Handoff_Stage__c": "sal"}


@pytest.fixture
async def salesforce() -> AsyncIterator[FakeSalesforce]:
    fake = FakeSalesforce()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def start(start_app: StartApp, fake: FakeSalesforce, *, secret: str | None = None) -> Harness:
    writeback = WriteBackSettings(
        salesforce_instance_url=fake.url, salesforce_client_id=fake.client_id,
        salesforce_client_secret=secret or fake.client_secret,
    )  # fmt: skip
    return await start_app(
        team_config(salesforce=SALESFORCE), writeback=writeback, salesforce=SalesforceSettings(outbound_token=TOKEN)
    )


async def from_salesforce(app: Harness, fake: FakeSalesforce, lead_id: str) -> int:
    """A Lead Salesforce sent as an Outbound Message (and had acknowledged), posted."""
    fake.add_lead(lead_id, Company="Globex", Status="Open - Not Contacted")
    status, _, text = await post(app, sf.message(sf.sobject("Lead", {"Id": lead_id, "LastName": "Buyer"})))
    assert status == 200 and "<Ack>true</Ack>" in text, text
    await app.settle()
    return (await lead_by_record(app, lead_id)).id


async def test_an_accept_and_a_rejection_reach_their_leads_with_one_token(
    start_app: StartApp, salesforce: FakeSalesforce
) -> None:
    app = await start(start_app, salesforce)
    accepted = await from_salesforce(app, salesforce, "00Q5e00000001AbEAI")
    rejected = await from_salesforce(app, salesforce, "00Q5e00000002AbEAI")

    await app.click(Action.ACCEPT, accepted, REP1)
    await submit_reject(app, rejected, REP2, BUDGET, "Competitor <!channel>")
    await app.settle()

    assert sorted(salesforce.writes) == [  # two leads' writes: in whichever order the clicks' work finished
        ("00Q5e00000001AbEAI", ACCEPTED),
        ("00Q5e00000002AbEAI", {"Status": "Closed - Not Converted", "Handoff_Reject_Reason__c": BUDGET,
                                "Handoff_Reject_Note__c": "Competitor <!channel>", "Handoff_Stage__c": "rejected"}),
    ]  # fmt: skip
    assert salesforce.tokens_issued == 1


async def test_an_expired_token_is_replaced_and_the_write_goes_through(
    start_app: StartApp, salesforce: FakeSalesforce
) -> None:
    app = await start(start_app, salesforce)
    first, second = (
        await from_salesforce(app, salesforce, "00Q5e00000011AbEAI"),
        await from_salesforce(app, salesforce, "00Q5e00000012AbEAI"),
    )
    await app.click(Action.ACCEPT, first, REP1)
    await app.settle()
    salesforce.expire_tokens()
    await app.click(Action.ACCEPT, second, REP1)
    await app.settle()
    assert [lead for lead, _ in salesforce.writes] == ["00Q5e00000011AbEAI", "00Q5e00000012AbEAI"]
    assert salesforce.tokens_issued == 2


@pytest.mark.parametrize("status", [429, 403])  # 403 REQUEST_LIMIT_EXCEEDED is how Salesforce says "too many"
async def test_the_request_limit_backs_off_and_the_write_survives(
    start_app: StartApp, salesforce: FakeSalesforce, status: int
) -> None:
    app = await start(start_app, salesforce)
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000013AbEAI")
    salesforce.fail_next(status)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is None and row.last_error and "REQUEST_LIMIT_EXCEEDED" in row.last_error
    assert salesforce.writes == []
    app.clock.advance(60)
    await app.settle()
    assert salesforce.writes == [("00Q5e00000013AbEAI", ACCEPTED)]


@pytest.mark.parametrize(
    ("break_it", "status", "words"),
    [
        (lambda fake: fake.custom_fields.discard("Handoff_Owner__c"), 400, "INVALID_FIELD: No such column"),
        (lambda fake: fake.converted.add("00Q5e00000014AbEAI"), 400, "CANNOT_UPDATE_CONVERTED_LEAD"),
        (lambda fake: fake.leads.pop("00Q5e00000014AbEAI"), 404, "NOT_FOUND"),
    ],
)  # fmt: skip
async def test_a_refusal_is_kept_on_the_row_and_counted(
    start_app: StartApp, salesforce: FakeSalesforce, break_it: object, status: int, words: str
) -> None:
    app = await start(start_app, salesforce)
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000014AbEAI")
    break_it(salesforce)  # type: ignore[operator]
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None and row.last_error and words in row.last_error
    assert value(await scrape(app), "handoff_crm_refusals_total", crm="salesforce", status=str(status)) == 1


async def test_wrong_client_credentials_fail_the_write_naming_the_settings(
    start_app: StartApp, salesforce: FakeSalesforce
) -> None:
    app = await start(start_app, salesforce, secret="not-the-secret")
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000015AbEAI")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None and row.last_error
    assert "invalid client credentials" in row.last_error and "SALESFORCE_CLIENT_SECRET" in row.last_error
    assert "not-the-secret" not in row.last_error
    assert salesforce.writes == []


async def test_a_salesforce_outage_is_retried(start_app: StartApp, salesforce: FakeSalesforce) -> None:
    app = await start(start_app, salesforce)
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000016AbEAI")
    salesforce.fail_next(503, times=2)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.advance(2)
    await app.settle()
    app.clock.advance(3)
    await app.settle()
    assert [lead for lead, _ in salesforce.writes] == ["00Q5e00000016AbEAI"]
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.delivered_at is not None and row.attempts == 3
