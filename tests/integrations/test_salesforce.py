"""`POST /api/salesforce`: Salesforce Outbound Messages through the real app, on both databases."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from bot.config.salesforce import SalesforceSettings
from storage.models import Lead, OutboxMessage
from tests.conftest import LEADS, Harness, StartApp, team_config, text_of
from tests.integrations import salesforce_messages as sf

TOKEN = "sf-outbound-token-0123456789"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
SALESFORCE = {
    "organization_id": sf.ORG_ID_15,
    "opportunity_lead_field": "Converted_Lead_Id__c",
    "stages": {"Closed Won": "won", "Negotiation/Review": "opportunity", "Closed Lost": "lost"},
}


@pytest.fixture
async def app(start_app: StartApp) -> Harness:
    return await start_app(team_config(salesforce=SALESFORCE), salesforce=SalesforceSettings(outbound_token=TOKEN))


async def post(
    app: Harness, body: bytes, *, token: str | None = TOKEN, content_type: str = "text/xml; charset=utf-8"
) -> tuple[int, str, str]:
    params = {"token": token} if token is not None else {}
    headers = {"Content-Type": content_type, "SOAPAction": '""'}
    data = io.BytesIO(body)  # aiohttp warns about a megabyte of raw bytes
    async with app.http.post(app.url("/api/salesforce"), data=data, params=params, headers=headers) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


def acked(status: int, content_type: str, text: str) -> bool:
    if status != 200 or not content_type.startswith("text/xml"):
        return False
    root = ElementTree.fromstring(text)
    ack = root.find(f"{SOAP}Body/{OUTBOUND}notificationsResponse/{OUTBOUND}Ack")
    return ack is not None and ack.text == "true"


def fault_text(text: str) -> str:
    root = ElementTree.fromstring(text)
    fault = root.find(f"{SOAP}Body/{SOAP}Fault")
    assert fault is not None, text
    assert fault.findtext("faultcode") == "soapenv:Client"
    return fault.findtext("faultstring") or ""


async def stored(app: Harness) -> tuple[int, int]:
    async with app.svc.db.session() as session:
        leads = await session.scalar(select(func.count()).select_from(Lead))
        rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return int(leads or 0), int(rows or 0)


async def lead_by_record(app: Harness, record_id: str) -> Lead:
    async with app.svc.db.session() as session:
        lead = await session.scalar(select(Lead).where(Lead.crm == "salesforce", Lead.crm_id == record_id))
    assert lead is not None
    return lead


async def test_a_lead_message_becomes_a_posted_mql_and_is_acknowledged(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = await post(app, sf.message(sf.lead(1, Title="VP <Operations> & Logistics")))
    assert acked(*answer), answer
    await app.settle()
    lead = await lead_by_record(app, sf.lead_id(1))
    assert lead.external_id == f"salesforce:{sf.lead_id(1)}"
    assert (lead.name, lead.email, lead.company, lead.title, lead.source, lead.stage) == (
        "Dana Buyer1", "dana1@acme.example", "Acme Logistics", "VP <Operations> & Logistics", "Web", "mql"
    )  # fmt: skip
    post_message = await app.post_of(lead.id)
    assert post_message.channel == LEADS
    shown = text_of(post_message.blocks)
    assert "Dana Buyer1" in shown and "Acme Logistics" in shown
    assert "VP &lt;Operations&gt; &amp; Logistics" in shown  # through the templates' escaping
    assert sf.SESSION_ID not in caplog.text and "SecretSessionToken" not in caplog.text


async def test_a_repeat_of_a_stored_message_is_acknowledged_and_posts_nothing(app: Harness) -> None:
    body = sf.message(sf.lead(1))
    assert acked(*await post(app, body))
    await app.settle()
    before = (await stored(app), len(app.slack.messages.get(LEADS, [])))
    assert acked(*await post(app, body))  # Salesforce retried: it had not seen our Ack
    await app.settle()
    assert (await stored(app), len(app.slack.messages.get(LEADS, []))) == before
    assert before[0][0] == 1 and before[1] == 1


async def test_three_leads_in_one_message_are_three_posted_mqls(app: Harness) -> None:
    assert acked(*await post(app, sf.message(sf.lead(1), sf.lead(2), sf.lead(3), session_id=None)))
    await app.settle()
    for index in (1, 2, 3):
        lead = await lead_by_record(app, sf.lead_id(index))
        assert f"Dana Buyer{index}" in text_of((await app.post_of(lead.id)).blocks)
    assert len(app.slack.messages[LEADS]) == 3


async def test_one_invalid_lead_refuses_the_whole_message_naming_it(app: Harness) -> None:
    body = sf.message(sf.lead(1), sf.lead(2, Email="not-an-email"), sf.lead(3))
    status, _, text = await post(app, body)
    assert status == 422
    assert "Notification[1].sObject.Email (email): is not an email address" in fault_text(text)
    assert await stored(app) == (0, 0)


async def test_the_configured_score_field_is_clipped_and_text_too_long_for_handoff_is_cut(
    start_app: StartApp,
) -> None:
    config = team_config(salesforce={**SALESFORCE, "fields": {"score": "pi__score__c"}, "external_id_prefix": ""})
    app = await start_app(config, salesforce=SalesforceSettings(outbound_token=TOKEN))
    company = "C" * 255  # Salesforce's Company holds 255 characters, Handoff's 200
    answer = await post(
        app, sf.message(sf.lead(1, pi__score__c="240"), sf.lead(2, pi__score__c="72.5", Company=company))
    )
    assert acked(*answer), answer
    first, second = await lead_by_record(app, sf.lead_id(1)), await lead_by_record(app, sf.lead_id(2))
    assert (first.external_id, first.score, second.score) == (sf.lead_id(1), 100, 73)
    assert second.company == "C" * 200


@pytest.mark.parametrize(
    ("token", "org", "status", "says"),
    [
        (None, sf.ORG_ID, 401, "token query parameter"),
        ("wrong-token", sf.ORG_ID, 401, "token query parameter"),
        (TOKEN, sf.OTHER_ORG, 403, "OrganizationId is not salesforce.organization_id"),
    ],
)
async def test_a_message_without_the_token_or_from_another_org_is_refused_and_stores_nothing(
    app: Harness, token: str | None, org: str, status: int, says: str
) -> None:
    answer = await post(app, sf.message(sf.lead(1), org=org), token=token)
    assert answer[0] == status and not acked(*answer)
    assert says in fault_text(answer[2])
    assert await stored(app) == (0, 0)


async def test_the_18_character_org_id_matches_a_configured_15_character_one_and_only_that(app: Harness) -> None:
    """The 15-character id is case-sensitive; the 18-character one is not (its suffix records the case)."""
    assert (await post(app, sf.message(sf.lead(1), org=sf.ORG_ID_15.lower())))[0] == 403
    assert (await post(app, sf.message(sf.lead(1), org=sf.ORG_ID[:17] + "B")))[0] == 403
    assert await stored(app) == (0, 0)
    assert acked(*await post(app, sf.message(sf.lead(1), org=sf.ORG_ID.lower())))
    assert acked(*await post(app, sf.message(sf.lead(2), org=sf.ORG_ID_15)))


async def test_without_an_organization_id_the_endpoint_refuses_naming_the_key(start_app: StartApp) -> None:
    app = await start_app()
    status, _, text = await post(app, sf.message(sf.lead(1)), token=None)
    assert status == 403 and "salesforce.organization_id" in fault_text(text)
    assert await stored(app) == (0, 0)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol3;</soapenv:Body>
</soapenv:Envelope>"""
EXTERNAL_ENTITY = (
    sf.message(sf.lead(1, Company="&xxe;"))
    .replace(b"&amp;xxe;", b"&xxe;")
    .replace(b"?>", b'?>\n<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)
)
DTD_ONLY = sf.message(sf.lead(1)).replace(b"?>", b'?>\n<!DOCTYPE soapenv:Envelope SYSTEM "http://x.invalid/a.dtd">', 1)
DEEP = b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' + b"<a>" * 50_000


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (BILLION_LAUGHS, "text/xml", 400, "DTD"),
        (EXTERNAL_ENTITY, "text/xml", 400, "DTD"),
        (DTD_ONLY, "text/xml", 400, "DTD"),
        (sf.message(sf.lead(1))[:-40], "text/xml", 400, "not well-formed"),
        (sf.message(sf.lead(1, Company="Acme\x00Corp")), "text/xml", 400, "not well-formed"),
        (sf.message(sf.lead(1, Company="Acme&#0;Corp")).replace(b"&amp;#0;", b"&#0;"), "text/xml", 400, "not well"),
        (b"", "text/xml", 400, "not well-formed"),
        (b"<a>" + b"x" * (1024 * 1024) + b"</a>", "text/xml", 413, "over 1048576 bytes"),
        (DEEP, "text/xml", 400, "nest more than"),
        (sf.message(sf.lead(1)), "application/json", 415, "text/xml"),
        (b'{"external_id": "x"}', "application/json", 415, "text/xml"),
        (sf.message(sf.lead(1)).replace(b"2005/09/outbound", b"2006/04/metadata"), "text/xml", 400, "namespace"),
        (sf.message(sf.lead(1)).replace(b"soap/envelope/", b"soap-envelope"), "text/xml", 400, "SOAP 1.1"),
        (sf.message(sf.sobject("Account", {"Id": "0015e00000Ac01AAAA"})), "text/xml", 400, "'Account'"),
        (sf.message(sf.lead(1)).replace(b'xsi:type="sf:Lead" ', b""), "text/xml", 400, "no xsi:type"),
        (sf.message(sf.lead(1)).replace(b'xmlns:sf="urn:', b'xmlns:sf="urn:x'), "text/xml", 400, "namespace"),
        (
            sf.message(sf.lead(1)).replace(b"<OrganizationId>", b"<Org>").replace(b"</OrganizationId>", b"</Org>"),
            "text/xml",
            400,
            "OrganizationId is missing",
        ),  # fmt: skip
        (sf.message(*[sf.lead(i) for i in range(101)]), "text/xml", 400, "at most 100"),
        (sf.message(sf.lead(1, Id="not an id")), "text/xml", 422, "Id is not a Salesforce id"),
        (sf.message(sf.lead(1, Id=None)), "text/xml", 422, "Id is missing"),
    ],
)
async def test_hostile_and_malformed_bodies_get_a_fault_naming_the_problem_and_store_nothing(
    app: Harness, body: bytes, content_type: str, status: int, says: str
) -> None:
    answer = await post(app, body, content_type=content_type)
    assert answer[0] == status, answer
    assert not acked(*answer) and answer[1].startswith("text/xml")
    assert says in fault_text(answer[2])
    assert await stored(app) == (0, 0)


async def test_an_opportunity_moves_its_lead_and_an_unmapped_stage_is_acknowledged(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    assert acked(*await post(app, sf.message(sf.lead(1))))
    await app.settle()
    lead = await lead_by_record(app, sf.lead_id(1))
    caplog.set_level(logging.INFO)
    assert acked(*await post(app, sf.message(sf.opportunity("Prospecting", lead=sf.lead_id(1)))))
    assert "'Prospecting' is not in [salesforce.stages]" in caplog.text
    assert (await app.lead(lead.id)).stage == "mql"
    # a 15-character link (a formula field without CASESAFEID) names the same Lead
    assert acked(*await post(app, sf.message(sf.opportunity("Negotiation/Review", lead=sf.lead_id(1)[:15]))))
    assert (await app.lead(lead.id)).stage == "opportunity"
    assert acked(*await post(app, sf.message(sf.opportunity("Closed Won", lead=sf.lead_id(1), amount="48250.5"))))
    await app.settle()
    moved = await app.lead(lead.id)
    assert (moved.stage, moved.amount_cents) == ("won", 4825050)
    assert [(e.kind, e.actor) for e in await app.events(lead.id)].count(("moved", "crm")) == 2
    repeat = await post(app, sf.message(sf.opportunity("Closed Won", lead=sf.lead_id(1), amount="48250.5")))
    assert acked(*repeat)
    assert (await app.lead(lead.id)).version == moved.version


async def test_a_megabyte_sent_in_chunks_without_a_length_is_refused_once_it_passes_the_limit(app: Harness) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield sf.message(sf.lead(1))[:-30]
        for _ in range(40):
            yield b"<x>" + b"y" * 65536 + b"</x>"

    url, headers = app.url("/api/salesforce"), {"Content-Type": "text/xml"}
    async with app.http.post(url, data=chunks(), params={"token": TOKEN}, headers=headers) as response:
        assert response.status == 413
        assert "over 1048576 bytes" in fault_text(await response.text())
    assert await stored(app) == (0, 0)


async def test_a_move_the_rules_refuse_is_acknowledged_and_changes_nothing(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    assert acked(*await post(app, sf.message(sf.lead(1))))
    assert acked(*await post(app, sf.message(sf.opportunity("Closed Won", lead=sf.lead_id(1)))))
    lead = await lead_by_record(app, sf.lead_id(1))
    caplog.set_level(logging.INFO)
    # retrying for 24 hours would not make a won lead lost: Ack, and say why in the log
    assert acked(*await post(app, sf.message(sf.opportunity("Closed Lost", lead=sf.lead_id(1)))))
    assert "it cannot move to lost" in caplog.text
    assert (await app.lead(lead.id)).stage == "won"


@pytest.mark.parametrize("amount", ["1e999999", "-5", "NaN", "Infinity", "12,000", "9" * 5000])
async def test_an_amount_handoff_cannot_keep_is_refused_naming_it(app: Harness, amount: str) -> None:
    assert acked(*await post(app, sf.message(sf.lead(1))))
    before = await stored(app)
    status, _, text = await post(app, sf.message(sf.opportunity("Closed Won", lead=sf.lead_id(1), amount=amount)))
    assert status == 422 and "Notification[0].sObject.Amount" in fault_text(text)
    assert await stored(app) == before
    assert (await lead_by_record(app, sf.lead_id(1))).stage == "mql"


@pytest.mark.parametrize("score", ["1e999999", "-1e999999", "9" * 5000, "NaN", "high"])
async def test_a_score_that_is_not_a_number_is_refused_and_a_huge_one_is_clipped(
    start_app: StartApp, score: str
) -> None:
    config = team_config(salesforce={**SALESFORCE, "fields": {"score": "Lead_Score__c"}})
    app = await start_app(config, salesforce=SalesforceSettings(outbound_token=TOKEN))
    answer = await post(app, sf.message(sf.lead(1, Lead_Score__c=score)))
    if score in ("NaN", "high"):
        assert answer[0] == 422 and "Lead_Score__c (score)" in fault_text(answer[2])
        assert await stored(app) == (0, 0)
    else:
        assert acked(*answer)
        assert (await lead_by_record(app, sf.lead_id(1))).score == (0 if score.startswith("-") else 100)


@pytest.mark.parametrize("link", [None, "00Q5e00000NoSuchAA"])
async def test_an_opportunity_without_a_known_lead_is_acknowledged(app: Harness, link: str | None) -> None:
    assert acked(*await post(app, sf.message(sf.opportunity("Closed Won", lead=link))))
    assert await stored(app) == (0, 0)


async def test_an_opportunity_missing_the_link_field_is_refused_naming_it(app: Harness) -> None:
    body = sf.message(sf.sobject("Opportunity", {"Id": "0065e00000Op01AAAA", "StageName": "Closed Won"}))
    status, _, text = await post(app, body)
    assert status == 422 and "Converted_Lead_Id__c is missing" in fault_text(text)


def test_acknowledgement_template_is_the_one_the_wsdl_defines() -> None:
    from bot.integrations.salesforce import ACK

    assert acked(200, "text/xml", ACK)


def test_config_stages_are_the_domains_move_targets() -> None:
    from bot.config.salesforce import MOVE_STAGES
    from bot.lifecycle.stages import MOVE_TARGETS

    assert set(MOVE_STAGES) == {str(stage) for stage in MOVE_TARGETS}


def test_id18_matches_salesforce_known_pairs() -> None:
    from bot.config.salesforce import id18, same_id

    assert id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert same_id("001A0000006Vm9r", "001a0000006vm9riac")
    assert not same_id("001a0000006Vm9r", "001A0000006Vm9rIAC")


async def test_the_outbound_token_never_reaches_the_logs_not_even_the_access_log(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert acked(*await post(app, sf.message(sf.lead(41))))
    status, _, _ = await post(app, sf.message(sf.lead(42)), token=TOKEN + "-wrong")
    assert status == 401
    assert "/api/salesforce?token=***" in caplog.text  # the request is still logged
    assert TOKEN not in caplog.text and sf.SESSION_ID not in caplog.text


async def test_an_18_character_link_in_another_case_names_the_same_lead(app: Harness) -> None:
    """The 18-character form is Salesforce's case-insensitive one (its suffix records the case of the rest): a link
    field filled by a tool that changed its case still names the Lead."""
    assert acked(*await post(app, sf.message(sf.lead(43))))
    lead = await lead_by_record(app, sf.lead_id(43))
    assert acked(*await post(app, sf.message(sf.opportunity("Negotiation/Review", lead=sf.lead_id(43).lower()))))
    assert (await app.lead(lead.id)).stage == "opportunity"
    assert acked(*await post(app, sf.message(sf.opportunity("Closed Won", lead=sf.lead_id(43).upper()))))
    assert (await app.lead(lead.id)).stage == "won"


def test_id18_gives_an_18_character_id_its_case_back() -> None:
    from bot.config.salesforce import id18

    assert id18("001a0000006vm9riac") == id18("001A0000006VM9RIAC") == "001A0000006Vm9rIAC"
    assert id18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    assert id18("001A0000006Vm9r999") == "001A0000006Vm9r999"  # no suffix Salesforce makes: left as it is


async def test_a_fault_about_a_huge_name_is_one_short_line(app: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """A name of the sender's making (a field's tag, an xsi:type) is quoted in the fault and in the log: cut, so a
    message of one 500 KB tag makes neither a 500 KB log line nor a 500 KB answer."""
    caplog.set_level(logging.WARNING)
    huge = "F" + "x" * 500_000
    body = sf.message(sf.lead(44)).replace(b"<sf:Title>", f"<{huge}>1</{huge}><sf:Title>".encode(), 1)
    status, _, text = await post(app, body)
    assert status == 400, text
    assert "not in namespace" in fault_text(text)
    assert len(text) < 3000
    assert max(len(r.getMessage()) for r in caplog.records) < 1200
    assert await stored(app) == (0, 0)
