"""Deal workflows keep leads in step: a deal entering a stage of `[hubspot.stages]` moves the lead that came from its
contact, through the stage API's rules."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from tests.conftest import REP1, StartApp, team_config, text_of
from tests.integrations.conftest import HubSpot, contact, start_hubspot

STAGES = {"qualifiedtobuy": "sql", "contractsent": "opportunity", "closedwon": "won", "closedlost": "lost"}


def deal(stage: str, contact_id: Any = "901", **properties: Any) -> dict[str, Any]:
    """A deal workflow's customized body: the deal's own properties and its contact's Record ID."""
    return {"hs_object_id": "5001", "dealstage": stage, "contact_id": contact_id, **properties}


async def start(start_app: StartApp) -> HubSpot:
    return await start_hubspot(start_app, team_config(hubspot={"stages": STAGES, "portal_id": 62515}))


async def accepted_lead(hub: HubSpot, record_id: int = 901) -> int:
    status, body = await hub.post(contact(record_id))
    assert status == 201, body
    await hub.app.settle()
    status, _ = await hub.app.click(Action.ACCEPT, body["id"], REP1)
    assert status == 200
    await hub.app.settle()
    assert (await hub.app.lead(body["id"])).stage == "sal"
    return int(body["id"])


async def test_a_deal_entering_a_mapped_stage_moves_its_contacts_lead(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)

    status, body = await hub.post(deal("contractsent", amount="12000.505"))
    assert status == 200, body
    assert body == {"deal": "5001", "dealstage": "contractsent", "moved": True, "id": lead_id, "stage": "opportunity"}
    await hub.app.settle()
    lead = await hub.app.lead(lead_id)
    assert (lead.stage, lead.amount_cents) == ("opportunity", 1_200_051)
    moved = [e for e in await hub.app.events(lead_id) if e.kind == "moved"]
    assert moved[-1].actor == "crm" and moved[-1].data["via"] == "hubspot"
    assert "Opportunity" in text_of((await hub.app.post_of(lead_id)).blocks)

    status, body = await hub.post(deal("closedwon", amount=15000))
    assert status == 200 and body["stage"] == "won", body
    assert (await hub.app.lead(lead_id)).amount_cents == 1_500_000


async def test_a_deal_may_move_a_lead_nobody_accepted_yet_as_the_stage_api_may(start_app: StartApp) -> None:
    hub = await start(start_app)
    status, body = await hub.post(contact(901))
    assert status == 201
    await hub.app.settle()
    status, answer = await hub.post(deal("qualifiedtobuy"))
    assert status == 200 and answer["stage"] == "sql", answer
    lead = await hub.app.lead(body["id"])
    assert (lead.stage, lead.decided_by) == ("sql", "crm")


async def test_the_same_stage_again_changes_nothing(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)
    assert (await hub.post(deal("qualifiedtobuy")))[0] == 200
    events = len(await hub.app.events(lead_id))
    status, body = await hub.post(deal("qualifiedtobuy"))
    assert status == 200 and body["moved"] is False and body["stage"] == "sql", body
    assert len(await hub.app.events(lead_id)) == events


async def test_a_default_deal_body_is_linked_through_its_associations(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)
    body = {
        "portalId": 62515, "dealId": 5002,
        "properties": {"dealstage": {"value": "closedlost"}, "closed_lost_reason": {"value": "Went with a competitor"}},
        "associations": {"associatedVids": [777, 901], "associatedCompanyIds": [12]},
    }  # fmt: skip
    status, answer = await hub.post(body)
    assert status == 200 and answer["moved"] is True, answer
    lead = await hub.app.lead(lead_id)
    assert (lead.stage, lead.lost_reason) == ("lost", "Went with a competitor")


async def test_an_unmapped_stage_is_acknowledged_and_ignored(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)
    status, body = await hub.post(deal("appointmentscheduled"))
    assert status == 200, body
    assert body["moved"] is False and "[hubspot.stages]" in body["ignored"]
    assert (await hub.app.lead(lead_id)).stage == "sal"


async def test_a_deal_of_a_contact_handoff_never_saw_is_acknowledged(start_app: StartApp) -> None:
    hub = await start(start_app)
    status, body = await hub.post(deal("closedwon", contact_id="31337"))
    assert status == 200, body
    assert body["moved"] is False and "31337" in body["ignored"]
    assert await hub.stored() == (0, 0)


async def test_a_move_the_rules_refuse_is_422_and_changes_nothing(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)
    assert (await hub.post(deal("contractsent")))[0] == 200
    status, body = await hub.post(deal("qualifiedtobuy"))  # back down the funnel
    assert status == 422, body
    assert body["errors"][0]["field"] == "stage" and "cannot move back" in body["errors"][0]["message"]
    assert (await hub.app.lead(lead_id)).stage == "opportunity"


async def test_a_deal_body_without_its_contact_or_with_a_wrong_amount_names_the_field(start_app: StartApp) -> None:
    hub = await start(start_app)
    lead_id = await accepted_lead(hub)
    for body, field in [
        ({"hs_object_id": "5001", "dealstage": "closedwon"}, "contact_id"),
        (deal("closedwon", contact_id={"id": 901}), "contact_id"),
        (deal("closedwon", amount="lots"), "amount"),
        (deal("closedwon", amount=-5), "amount"),
        (deal("closedwon", amount=10**100), "amount"),
        (deal("", contact_id="901"), "dealstage"),
        (deal({"value": "x"}), "dealstage"),
        # a property holding ids by the thousand (one lookup each, 150,000 in a megabyte): not a deal's contacts
        (deal("closedwon", contact_id=";".join(str(n) for n in range(100_000, 100_101))), "contact_id"),
    ]:
        status, answer = await hub.post(body)
        assert status == 422, (body, answer)
        assert answer["errors"][0]["field"] == field, answer
    assert (await hub.app.lead(lead_id)).stage == "sal"
