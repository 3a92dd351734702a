"""`POST /api/hubspot` with contacts: a workflow's webhook becomes a posted MQL, mapped from HubSpot's properties."""

from __future__ import annotations

from bot.config.hubspot import HubSpotSettings
from tests.conftest import LEADS, StartApp, team_config, text_of
from tests.integrations.conftest import HubSpot, contact, start_hubspot


async def test_a_contact_webhook_becomes_a_posted_mql_with_the_mapped_fields(hub: HubSpot) -> None:
    status, body = await hub.post(contact(901, hubspotscore="140"))
    assert status == 201, body
    assert body["external_id"] == "hubspot:901" and body["created"] is True
    await hub.app.settle()

    lead = await hub.lead_of("hubspot:901")
    assert (lead.crm, lead.crm_id) == ("hubspot", "901")
    assert (lead.email, lead.name, lead.company, lead.title) == (
        "dana.buyer@example.com", "Dana Buyer", "Acme Freight", "VP Operations",
    )  # fmt: skip
    assert (lead.score, lead.source, lead.campaign) == (100, "paid_search", "Q4 Ops Webinar")  # 140 clipped
    post = await hub.app.post_of(lead.id)
    assert post.channel == LEADS
    shown = text_of(post.blocks)
    for text in ("Dana Buyer", "Acme Freight", "VP Operations", "Q4 Ops Webinar"):
        assert text in shown, shown


async def test_the_same_contact_again_is_200_and_posts_nothing(hub: HubSpot) -> None:
    status, first = await hub.post(contact(902))
    assert status == 201
    await hub.app.settle()
    posts = len(hub.app.slack.messages.get(LEADS, []))

    status, again = await hub.post(contact(902, firstname="Changed"))  # HubSpot retrying, or the contact re-enrolled
    assert status == 200, again
    assert again == {"id": first["id"], "external_id": "hubspot:902", "created": False}
    await hub.app.settle()
    assert len(hub.app.slack.messages.get(LEADS, [])) == posts
    assert (await hub.lead_of("hubspot:902")).name == "Dana Buyer"


async def test_a_customized_body_of_plain_properties(hub: HubSpot) -> None:
    body = {"hs_object_id": "903", "email": "lee@example.org", "firstname": "Lee", "lastname": "",
            "company": "Northwind", "hubspotscore": 12.6, "hs_analytics_source": "ORGANIC_SEARCH"}  # fmt: skip
    status, answer = await hub.post(body)
    assert status == 201, answer
    lead = await hub.lead_of("hubspot:903")
    assert (lead.name, lead.company, lead.score, lead.source, lead.title, lead.campaign) == (
        "Lee", "Northwind", 13, "organic_search", None, None,
    )  # fmt: skip


async def test_the_object_id_form_of_the_default_body(hub: HubSpot) -> None:
    body = contact(None)
    body.pop("vid"), body.pop("canonical-vid")
    body["objectId"] = 904
    status, answer = await hub.post(body)
    assert status == 201 and answer["external_id"] == "hubspot:904", answer


async def test_hubspot_fields_override_the_default_mapping(start_app: StartApp) -> None:
    config = team_config(hubspot={
        "external_id_prefix": "hs-",
        "fields": {"title": "job_function", "campaign": "utm_campaign", "score": "", "name": "full_name"},
    })  # fmt: skip
    hub = await start_hubspot(start_app, config)
    body = contact(905, job_function="Buyer", utm_campaign="Spring Promo", full_name="Dana Q. Buyer")
    status, answer = await hub.post(body)
    assert status == 201, answer
    lead = await hub.lead_of("hs-905")
    assert (lead.title, lead.campaign, lead.score, lead.name) == ("Buyer", "Spring Promo", None, "Dana Q. Buyer")


async def test_without_a_client_secret_the_endpoint_says_which_setting_turns_it_on(start_app: StartApp) -> None:
    hub = await start_hubspot(start_app, hubspot=HubSpotSettings())
    status, body = await hub.post(contact(906))
    assert status == 403
    assert "HUBSPOT_CLIENT_SECRET" in body["message"]
    assert await hub.stored() == (0, 0)
