"""Hostile and wrong bodies, signed like HubSpot's: a 4xx naming the HubSpot property, nothing stored, never a 500."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pytest

from tests.integrations.conftest import HubSpot, contact


async def refused(hub: HubSpot, status: int, answer: Any, field: str | None = None) -> None:
    assert 400 <= status < 500, (status, answer)
    if field is not None:
        fields = [e["field"] for e in answer.get("errors", [])] or [answer.get("field")]
        assert field in fields, answer
    assert await hub.stored() == (0, 0)


@pytest.mark.parametrize(
    ("score", "expected"),
    [(10**100, 100), ("1e999999", 100), (-5, 0), ("-1E+400", 0), (" 49.5 ", 50), ("", None), (100.4, 100)],
)
async def test_a_score_of_any_size_is_clipped_to_0_100(hub: HubSpot, score: Any, expected: int | None) -> None:
    status, answer = await hub.post(contact(920, hubspotscore=score))
    assert status == 201, answer
    assert (await hub.lead_of("hubspot:920")).score == expected


@pytest.mark.parametrize("score", ["high", True, {"value": {"nested": 1}}, [1], "9" * 500, "NaN", "Infinity"])
async def test_a_score_that_is_not_a_number_is_refused_naming_it(hub: HubSpot, score: Any) -> None:
    status, answer = await hub.post(contact(921, hubspotscore=score))
    await refused(hub, status, answer, "hubspotscore")


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": {"value": ["a@b.co"]}}, "email"),
        ({"jobtitle": "x" * 201}, "jobtitle"),
        ({"company": 1e308 * 10}, None),  # Infinity: refused as JSON
        ({"hs_analytics_source": {"value": {"deep": True}}}, "hs_analytics_source"),
    ],
)
async def test_wrong_properties_are_refused_naming_the_hubspot_property(
    hub: HubSpot, properties: dict[str, Any], field: str | None
) -> None:
    body = contact(922)
    for key, value in properties.items():
        body["properties"][key] = value if isinstance(value, dict) else {"value": value}
    status, answer = await hub.post(raw=json.dumps(body).encode())
    await refused(hub, status, answer, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("a string", "body"),
        (None, "body"),
        ({"properties": {"email": {"value": "a@b.co"}}}, "objectId"),  # no record id
        ({"vid": True, "properties": {}}, "vid"),
        ({"vid": "9\u00000", "properties": {}}, "vid"),
        ({"vid": {"id": 1}, "properties": {}}, "vid"),
        ({"vid": 1, "properties": ["email"]}, "properties"),
        ({"hs_object_id": " ", "email": "a@b.co"}, "objectId"),
        ({"hs_object_id": "1" * 300}, "hs_object_id"),
        ({"hs_object_id": "..", "email": "a@b.co"}, "hs_object_id"),  # would be a path in the write-back's URL
        ({"hs_object_id": "dana@example.com"}, "hs_object_id"),  # the workflow body mapped the wrong property
        ({"vid": -1, "properties": {}}, "vid"),
        ({"vid": "1" * 21, "properties": {}}, "vid"),
        ([], "body"),
        ([{"objectId": 1}], "[0].subscriptionType"),
    ],
)
async def test_bodies_that_are_no_hubspot_record_are_refused(hub: HubSpot, body: Any, field: str) -> None:
    status, answer = await hub.post(body)
    await refused(hub, status, answer, field)


async def test_a_nul_in_a_name_is_dropped_as_intake_drops_it(hub: HubSpot) -> None:
    status, answer = await hub.post(contact(923, firstname="Da\u0000na", company="\ud800Acme"))
    assert status == 201, answer
    lead = await hub.lead_of("hubspot:923")
    assert (lead.name, lead.company) == ("Dana Buyer", "\ufffdAcme")


async def test_deep_nesting_is_refused_as_json_nested_too_deeply(hub: HubSpot) -> None:
    depth = 100_000
    raw = b'{"vid": 1, "properties": {"firstname": {"value": ' + b"[" * depth + b"]" * depth + b"}}}"
    status, answer = await hub.post(raw=raw)
    await refused(hub, status, answer, "body")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"vid": 1, "properties": {"hubspotscore": {"value": ' + b"9" * 5000 + b"}}}",  # over Python's 4,300 digits
        b'{"vid": 1, "properties": {"hubspotscore": {"value": NaN}}}',
        b'{"vid": 1, "properties": {"hubspotscore": {"value": -Infinity}}}',
        b'{"vid": 1, "properties": ',
        b"\xff\xfe{}",
    ],
)
async def test_malformed_json_is_400(hub: HubSpot, raw: bytes) -> None:
    status, answer = await hub.post(raw=raw)
    assert status == 400, answer
    assert answer["error"] == "malformed_json"
    assert await hub.stored() == (0, 0)


async def test_a_megabyte_body_is_refused_before_it_is_read_as_json(hub: HubSpot) -> None:
    body = contact(924, firstname="x" * (1024 * 1024))
    status, answer = await hub.post(body)
    assert status == 413, answer
    assert answer["field"] == "body"
    assert await hub.stored() == (0, 0)


async def test_webhooks_api_events_are_acknowledged_and_ignored_with_the_reason(hub: HubSpot) -> None:
    events = [
        {"eventId": 1, "subscriptionId": 7, "portalId": 62515, "occurredAt": 1764000000000, "attemptNumber": 0,
         "subscriptionType": "deal.propertyChange", "objectId": 5001, "propertyName": "dealstage",
         "propertyValue": "closedwon"},
        {"eventId": 2, "subscriptionId": 8, "portalId": 62515, "occurredAt": 1764000000000, "attemptNumber": 0,
         "subscriptionType": "contact.creation", "objectId": 901},
        {"eventId": 3, "subscriptionId": 9, "portalId": 62515, "occurredAt": 1764000000000, "attemptNumber": 0,
         "subscriptionType": "company.deletion", "objectId": 77},
    ]  # fmt: skip
    status, answer = await hub.post(events)
    assert status == 200, answer
    reasons = [item["reason"] for item in answer["ignored"]]
    assert "deal workflow" in reasons[0] and "contact workflow" in reasons[1] and "not something" in reasons[2]
    assert await hub.stored() == (0, 0)


async def test_a_gzip_body_that_inflates_past_a_megabyte_is_refused_naming_the_body(hub: HubSpot) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 KB on the wire
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    async with hub.app.http.post(hub.app.url("/api/hubspot"), data=io.BytesIO(bomb), headers=headers) as response:
        assert response.status == 413
        assert (await response.json())["field"] == "body"
    assert await hub.stored() == (0, 0)
