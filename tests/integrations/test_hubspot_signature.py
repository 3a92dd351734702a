"""Only HubSpot gets in: a missing, forged, stale or far-future v3 signature is 401 and stores nothing."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from tests.conftest import StartApp
from tests.integrations.conftest import PATH, HubSpot, contact, minutes, sign, start_hubspot


async def test_a_signature_with_another_secret_is_refused_and_stores_nothing(hub: HubSpot) -> None:
    status, body = await hub.post(contact(), secret="someone-elses-secret")
    assert status == 401
    assert "X-HubSpot-Signature-v3 does not match" in body["message"]
    assert "someone-elses-secret" not in json.dumps(body) and hub.secret not in json.dumps(body)
    assert await hub.stored() == (0, 0)


async def test_a_missing_signature_or_timestamp_is_refused(hub: HubSpot) -> None:
    raw = json.dumps(contact()).encode()
    for drop in ("X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"):
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": "1",
            "X-HubSpot-Signature-v3": "x",
        }
        headers.pop(drop)
        async with hub.app.http.post(hub.app.url(PATH), data=raw, headers=headers) as response:
            assert response.status == 401
            assert drop in (await response.json())["message"]
    assert await hub.stored() == (0, 0)


async def test_a_body_changed_after_signing_is_refused(hub: HubSpot) -> None:
    timestamp = str(int(hub.app.clock.now().timestamp() * 1000))
    uri = str(hub.app.server.make_url(PATH))
    good = json.dumps(contact(907)).encode()
    forged = json.dumps(contact(907, email="attacker@example.com")).encode()
    signature = sign(hub.secret, "POST", uri, good, timestamp)
    status, _ = await hub.post(raw=forged, signature=signature, at=hub.app.clock.now())
    assert status == 401
    assert await hub.stored() == (0, 0)


@pytest.mark.parametrize("offset", [minutes(-5.01), minutes(-60 * 24 * 3), minutes(5.01), minutes(60 * 24 * 365)])
async def test_a_stale_or_far_future_timestamp_is_refused(hub: HubSpot, offset: timedelta) -> None:
    status, body = await hub.post(contact(), at=hub.app.clock.now() + offset)
    assert status == 401, body
    assert "X-HubSpot-Request-Timestamp" in body["message"]
    assert await hub.stored() == (0, 0)


async def test_a_timestamp_within_five_minutes_either_way_is_taken(hub: HubSpot) -> None:
    status, _ = await hub.post(contact(908), at=hub.app.clock.now() - minutes(4.9))
    assert status == 201
    status, _ = await hub.post(contact(909), at=hub.app.clock.now() + minutes(4.9))
    assert status == 201


@pytest.mark.parametrize("timestamp", ["", "soon", "１７００", "1e12", "-1", "9" * 13, "9" * 15, "9" * 40, "0"])
async def test_a_timestamp_that_is_not_milliseconds_is_refused(hub: HubSpot, timestamp: str) -> None:
    status, body = await hub.post(contact(), headers={"X-HubSpot-Request-Timestamp": timestamp})
    assert status == 401, body
    assert await hub.stored() == (0, 0)


async def test_behind_a_proxy_the_signature_covers_public_url_not_the_address_the_app_sees(
    start_app: StartApp,
) -> None:
    hub = await start_hubspot(start_app, public_url="https://handoff.example.com")
    # HubSpot signs the URI with the characters of its table decoded (%3A → :) and others (%20) left encoded
    path = "/api/hubspot?workflow=wf%3A12&note=a%20b"
    status, body = await hub.post(contact(910), path=path, signed_path="/api/hubspot?workflow=wf:12&note=a%20b")
    assert status == 201, body

    local = HubSpot(hub.app)  # signed for the address the app itself sees: not the one HubSpot called
    status, body = await local.post(contact(911))
    assert status == 401
    assert "PUBLIC_URL" in body["message"]
    assert (await hub.stored())[0] == 1


async def test_without_public_url_the_signature_covers_the_requests_own_address(hub: HubSpot) -> None:
    status, body = await hub.post(
        contact(912), path="/api/hubspot?source=wf%40hubspot", signed_path="/api/hubspot?source=wf@hubspot"
    )
    assert status == 201, body
    elsewhere = HubSpot(hub.app, base="https://handoff.example.com")
    status, _ = await elsewhere.post(contact(913))
    assert status == 401


async def test_the_secret_never_reaches_the_logs(hub: HubSpot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert (await hub.post(contact(914)))[0] == 201
    assert (await hub.post(contact(915), secret="wrong"))[0] == 401
    await hub.app.settle()
    assert "HubSpot request refused" in caplog.text
    assert hub.secret not in caplog.text
