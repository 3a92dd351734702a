"""The write-back against a CRM answering garbage: what a proxy or load balancer in front of HubSpot or Salesforce
answers (an HTML error page in some other encoding, JSON nested without end). A 5xx is an outage whatever its body
says, and is retried; the row keeps a readable start of the answer."""

from __future__ import annotations

import pytest

from bot.config.crm_write import WriteBackSettings
from bot.config.salesforce import SalesforceSettings
from bot.ids import Action
from sandbox.hubspot_api import FakeHubSpot
from sandbox.salesforce_api import FakeSalesforce
from tests.conftest import REP1, StartApp, team_config
from tests.integrations.test_hubspot_writeback import from_hubspot, hubspot
from tests.integrations.test_hubspot_writeback import start as start_with_hubspot
from tests.integrations.test_salesforce import SALESFORCE, TOKEN
from tests.integrations.test_salesforce_writeback import from_salesforce, salesforce
from tests.integrations.test_salesforce_writeback import start as start_with_salesforce

__all__ = ["hubspot", "salesforce"]  # the fixtures

LATIN1_PAGE = "<html><body><h1>502 Bad Gateway</h1><p>Réessayez plus tard</p></body></html>".encode("latin-1")
NESTED = b"[" * 5000


@pytest.mark.parametrize("body", [LATIN1_PAGE, NESTED], ids=["latin-1 page", "nested json"])
async def test_a_hubspot_5xx_with_a_garbage_body_is_retried(
    start_app: StartApp, hubspot: FakeHubSpot, body: bytes
) -> None:
    app = await start_with_hubspot(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "801")
    hubspot.fail_next(502, body=body)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is None and row.delivered_at is None, row.last_error
    assert str(row.last_error).startswith("HubSpot answered HTTP 502")

    app.clock.advance(3)
    await app.settle()
    assert [contact for contact, _ in hubspot.writes] == ["801"]


@pytest.mark.parametrize("body", [LATIN1_PAGE, NESTED], ids=["latin-1 page", "nested json"])
async def test_a_salesforce_5xx_with_a_garbage_body_is_retried(
    start_app: StartApp, salesforce: FakeSalesforce, body: bytes
) -> None:
    app = await start_with_salesforce(start_app, salesforce)
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000031AbEAI")
    salesforce.fail_next(503, body=body)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is None and row.delivered_at is None, row.last_error
    assert str(row.last_error).startswith("Salesforce answered HTTP 503")

    app.clock.advance(3)
    await app.settle()
    assert [lead for lead, _ in salesforce.writes] == ["00Q5e00000031AbEAI"]


async def test_a_hubspot_400_that_is_not_json_fails_the_row_with_its_start(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    app = await start_with_hubspot(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "802")
    hubspot.fail_next(400, body=LATIN1_PAGE)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None
    assert str(row.last_error).startswith("HubSpot answered HTTP 400: <html><body><h1>502 Bad Gateway")


async def test_a_token_endpoint_that_is_not_salesforces_fails_the_write_naming_the_instance_url(
    start_app: StartApp, salesforce: FakeSalesforce
) -> None:
    writeback = WriteBackSettings(  # a server, but not Salesforce's token endpoint: it answers an HTML 404
        salesforce_instance_url=salesforce.url + "/not-salesforce", salesforce_client_id=salesforce.client_id,
        salesforce_client_secret=salesforce.client_secret,
    )  # fmt: skip
    app = await start_app(
        team_config(salesforce=SALESFORCE), writeback=writeback, salesforce=SalesforceSettings(outbound_token=TOKEN)
    )
    lead_id = await from_salesforce(app, salesforce, "00Q5e00000032AbEAI")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None, row.last_error  # not retried for three days
    assert "HTTP 404" in str(row.last_error) and "SALESFORCE_INSTANCE_URL" in str(row.last_error)
    assert salesforce.client_secret not in str(row.last_error)
