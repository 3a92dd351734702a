"""Parsing outbound messages without the app: whatever the bytes, a message or a MessageError, never anything else
(the endpoint's answer is then a 4xx fault, never a 500)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.salesforce import SalesforceConfig
from bot.integrations.salesforce import MessageError, leads, parse_message, stage_moves
from tests.integrations import salesforce_messages as sf

CONFIG = SalesforceConfig(
    organization_id=sf.ORG_ID_15, opportunity_lead_field="Converted_Lead_Id__c", stages={"Closed Won": "won"}
)
VALID = sf.message(sf.lead(1), sf.opportunity("Closed Won", lead=sf.lead_id(1)))


def read(raw: bytes) -> None:
    try:
        message = parse_message(raw)
        leads(message, CONFIG)
        stage_moves(message, CONFIG)
    except MessageError as exc:
        assert exc.message


def test_a_valid_message_reads_as_salesforce_sent_it() -> None:
    message = parse_message(VALID)
    assert (message.organization_id, message.action_id) == (sf.ORG_ID, sf.ACTION_ID)
    assert message.enterprise_url and message.enterprise_url.startswith("https://acme.my.salesforce.com/")
    assert [n.type for n in message.notifications] == ["Lead", "Opportunity"]
    assert sf.SESSION_ID not in repr(message)  # the session id is a credential: never kept
    (lead,) = leads(message, CONFIG)
    assert (lead.record_id, lead.lead.external_id, lead.lead.email) == (
        sf.lead_id(1), f"salesforce:{sf.lead_id(1)}", "dana1@acme.example"
    )  # fmt: skip
    (move,) = stage_moves(message, CONFIG)
    assert (move.stage, move.lead_record_id, move.amount_cents) == ("won", sf.lead_id(1), 5000000)


@pytest.mark.parametrize(
    "raw",
    [
        b"<?xml version='1.0' encoding='bogus'?><a/>",
        b"<?xml version='1.0' encoding='utf-16'?><a/>",
        "<a/>".encode("utf-16"),
        b"\xff\xfe\x00",
        b'<a xmlns:p="u" p:x="1" xsi:type="q"/>',
        b"<a>&unknown;</a>",
        b"<a/><b/>",
        VALID.replace(b'xsi:type="sf:Lead"', b'xsi:type="zz:Lead"'),
        VALID.replace(b"<sf:Email>", b"<sf:Email><sf:x>1</sf:x>"),
    ],
)
def test_odd_documents_are_message_errors(raw: bytes) -> None:
    read(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_a_message_or_a_message_error(raw: bytes) -> None:
    read(raw)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(1, 40), st.binary(max_size=40))
def test_a_mangled_message_is_a_message_or_a_message_error(at: int, cut: int, insert: bytes) -> None:
    read(VALID[:at] + insert + VALID[at + cut :])


def test_the_outbound_token_comes_from_the_environment_and_never_shows_in_a_repr() -> None:
    from bot.config.settings import Settings

    settings = Settings.from_env({"SALESFORCE_OUTBOUND_TOKEN": "  sf-secret-token-123456  "})
    assert settings.salesforce.outbound_token == "sf-secret-token-123456"
    assert "sf-secret-token-123456" not in repr(settings)


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ({"organization_id": "00D5e000000AbC"}, "is not a Salesforce id"),
        ({"organization_id": "0015e000000AbCd"}, "start with 00D"),
        ({"organization_id": "00D5e000000AbCdEAJ"}, "last three characters"),  # a typo in the 18-character form
        ({"organization_id": "00D5e000000AbCd999"}, "last three characters"),
        ({"fields": {"email": "E-mail"}}, "API name"),
        ({"stages": {"Closed Won": "mql"}}, "a Handoff stage is one of"),
        ({"instance_url": "http://acme.my.salesforce.com"}, "https"),
        ({"org_id": "00D5e000000AbCd"}, "salesforce.org_id"),
    ],
)
def test_a_bad_salesforce_section_stops_start_up_naming_the_key(section: dict[str, object], says: str) -> None:
    from bot.errors import ConfigError
    from tests.conftest import team_config

    with pytest.raises(ConfigError) as raised:
        team_config(salesforce=section)
    assert says in str(raised.value) and "salesforce" in str(raised.value)


def test_an_18_character_organization_id_in_any_case_is_taken() -> None:
    from tests.conftest import team_config

    for org_id in ("00D5e000000AbCdEAK", "00d5e000000abcdeak", "00D5e000000AbCd"):
        assert team_config(salesforce={"organization_id": org_id}).salesforce.organization_id == org_id
