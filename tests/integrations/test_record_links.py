"""A lead from a CRM links to its record there: "Open in HubSpot" / "Open in Salesforce" on its post."""

from __future__ import annotations

from typing import Any

from bot.config.salesforce import SalesforceSettings
from bot.ids import Action
from tests.conftest import REP1, Harness, StartApp, team_config
from tests.integrations import salesforce_messages as sf
from tests.integrations.conftest import contact, start_hubspot
from tests.integrations.test_salesforce import SALESFORCE, TOKEN, lead_by_record, post
from tests.lifecycle.test_reject import BUDGET, submit_reject


def links(message: Any) -> list[tuple[str, str]]:
    """(label, url) of every link button in a post."""
    return [
        (element["text"]["text"], element["url"])
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if "url" in element
    ]


async def test_a_hubspot_lead_links_to_its_contact_before_and_after_it_is_decided(start_app: StartApp) -> None:
    hub = await start_hubspot(start_app, team_config(hubspot={"portal_id": 62515}))
    app = hub.app
    status, body = await hub.post(contact(901))
    assert status == 201
    await app.settle()
    link = ("Open in HubSpot", "https://app.hubspot.com/contacts/62515/record/0-1/901")
    assert links(await app.post_of(body["id"])) == [link]

    await app.click(Action.ACCEPT, body["id"], REP1)
    await app.settle()
    assert links(await app.post_of(body["id"])) == [link]


async def test_clicking_the_link_is_acked_and_changes_nothing(start_app: StartApp) -> None:
    hub = await start_hubspot(start_app, team_config(hubspot={"portal_id": 62515}))
    app = hub.app
    _, body = await hub.post(contact(902))
    await app.settle()
    calls = len(app.slack.calls)
    status, _ = await app.click(Action.OPEN_RECORD, body["id"], REP1)
    await app.settle()
    assert status == 200
    assert len(app.slack.calls) == calls and (await app.lead(body["id"])).stage == "mql"


async def test_without_the_portal_id_there_is_no_link(start_app: StartApp) -> None:
    hub = await start_hubspot(start_app, team_config())
    _, body = await hub.post(contact(903))
    await hub.app.settle()
    assert links(await hub.app.post_of(body["id"])) == []


async def test_a_salesforce_lead_links_to_its_lead_even_once_rejected(start_app: StartApp) -> None:
    config = team_config(salesforce={**SALESFORCE, "instance_url": "https://acme.my.salesforce.com/"})
    app: Harness = await start_app(config, salesforce=SalesforceSettings(outbound_token=TOKEN))
    status, _, _ = await post(app, sf.message(sf.lead(1)))
    assert status == 200
    await app.settle()
    lead = await lead_by_record(app, sf.lead_id(1))
    link = ("Open in Salesforce", f"https://acme.my.salesforce.com/lightning/r/Lead/{sf.lead_id(1)}/view")
    assert links(await app.post_of(lead.id)) == [link]

    await submit_reject(app, lead.id, REP1, BUDGET)
    await app.settle()
    assert links(await app.post_of(lead.id)) == [link]  # no buttons left, the link stays


async def test_a_lead_from_elsewhere_has_no_link(app: Harness) -> None:
    lead_id = await app.new_lead(name="Plain Lead")
    assert links(await app.post_of(lead_id)) == []
