"""Valid but hostile JSON, and odd requests, get a 4xx naming the problem: never a 500, on every HTTP endpoint.

NUL bytes: PostgreSQL refuses them in text, SQLite stores them. Handoff strips NUL (and replaces lone surrogates,
which no database can encode) from free text, so one such lead does not fail its batch; in an `external_id`, which
must match exactly, it is refused with 422 naming the field.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest

from tests.conftest import INTAKE_TOKEN, Harness


async def send(app: Harness, path: str, raw: bytes, *, token: str = INTAKE_TOKEN) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    async with app.http.post(app.url(path), data=io.BytesIO(raw), headers=headers) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


def fields_named(body: Any) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


HOSTILE_BODIES = {
    "5000-digit integer": b'{"external_id": "x-1", "score": ' + b"9" * 5000 + b"}",
    "5000-digit id": b'{"external_id": ' + b"9" * 5000 + b"}",
    "100,000-deep nesting": b'{"external_id": "x-1", "name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep list": b"[" * 100_000 + b"]" * 100_000,
    "huge exponent": b'{"stage": "won", "amount": 1e999999}',
    "lone surrogate key": b'{"\\ud800": 1}',
}


@pytest.mark.parametrize("path", ["/api/leads", "/api/leads/x-1/stage"])
@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
async def test_hostile_json_is_a_4xx(app: Harness, path: str, name: str) -> None:
    await app.post_leads({"external_id": "x-1"})
    status, body = await send(app, path, HOSTILE_BODIES[name])
    assert 400 <= status < 500, body


@pytest.mark.parametrize(
    ("at", "field"),
    [("0001-01-01T00:00:00+14:00", "activity[0].at"), ("9999-12-31T23:59:59-14:00", "activity[0].at")],
)
async def test_an_activity_time_that_overflows_utc_is_422_naming_it(app: Harness, at: str, field: str) -> None:
    status, body = await app.post_leads({"external_id": "x-1", "activity": [{"at": at, "kind": "page"}]})
    assert status == 422 and fields_named(body) == [field]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_a_stage_time_that_overflows_utc_is_422_naming_at(app: Harness, at: str) -> None:
    await app.post_leads({"external_id": "x-1"})
    status, body = await app.post_stage("x-1", {"stage": "sql", "at": at})
    assert status == 422 and fields_named(body) == ["at"]


async def test_a_nul_byte_in_lead_text_is_stripped_and_the_batch_is_stored(app: Harness) -> None:
    batch = [{"external_id": f"nul-{i}", "name": "Dana Buyer"} for i in range(3)]
    batch[1] |= {"name": "Dana\x00 Buyer", "company": "\x00Globex", "activity": [
        {"at": "2026-11-20T15:00:00Z", "kind": "pa\x00ge", "detail": "Viewed\x00 /pricing \ud800"}]}  # fmt: skip

    status, body = await app.post_leads(batch)

    assert status == 201 and body["created"] == 3
    lead = await app.lead(body["leads"][1]["id"])
    assert (lead.name, lead.company) == ("Dana Buyer", "Globex")
    await app.settle()
    assert len(app.slack.calls_to("chat.postMessage")) == 3


async def test_a_nul_byte_in_an_external_id_is_422_naming_it(app: Harness) -> None:
    status, body = await app.post_leads([{"external_id": "ok-1"}, {"external_id": "bad\x00-2"}])
    assert status == 422
    assert body["errors"] == [{"index": 1, "field": "external_id", "message": "must not contain a NUL character"}]


async def test_a_nul_byte_in_a_stage_reason_or_path_is_not_a_500(app: Harness) -> None:
    await app.post_leads({"external_id": "x-1"})
    assert (await app.post_stage("x-1", {"stage": "lost", "reason": "No\x00 budget"}))[0] == 200
    assert (await app.post_stage("x%00-1", {"stage": "sql"}))[0] in (404, 422)


async def test_a_nul_byte_in_the_id_of_a_lead_read_is_422_naming_it(app: Harness) -> None:
    """PostgreSQL cannot even compare a text holding NUL: reading /api/leads/%00 was a 500 there."""
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    async with app.http.get(app.url("/api/leads/x%00-1"), headers=headers) as response:
        assert response.status == 422
        assert fields_named(await response.json()) == ["external_id"]


@pytest.mark.parametrize("token", ["tökén-ünïcödé-0123456789", "\u2603" * 40])
async def test_a_non_ascii_bearer_token_is_401(app: Harness, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}".encode().decode("latin-1"), "Content-Type": "application/json"}
    async with app.http.post(app.url("/api/leads"), data=b'{"external_id": "x"}', headers=headers) as response:
        assert response.status == 401


async def test_a_body_over_the_limit_is_413_and_a_megabyte_of_text_is_422(app: Harness) -> None:
    huge = b'{"external_id": "x-1", "name": "' + b"A" * (6 * 1024 * 1024) + b'"}'
    assert (await send(app, "/api/leads", huge))[0] == 413
    big = b'{"external_id": "x-1", "name": "' + b"A" * (1024 * 1024) + b'"}'
    status, body = await send(app, "/api/leads", big)
    assert status == 422 and fields_named(body) == ["name"]
    assert len(json.dumps(body)) < 2_000  # the answer does not echo the megabyte back


# --- smaller things: named, never guessed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "field", "says"),
    [
        ({"external_id": "", "name": "Dana"}, "external_id", "is empty"),
        ({"external_id": "   "}, "external_id", "is empty"),
        ({"external_id": "x-1", "score": True}, "score", "not true or false"),
        ({"external_id": "x-1", "activity": [{"at": "2026-11-20T15:00:00", "kind": "page"}]}, "activity[0].at",
         "timezone"),
    ],
)  # fmt: skip
async def test_a_doubtful_field_is_422_naming_it(app: Harness, lead: dict[str, Any], field: str, says: str) -> None:
    status, body = await app.post_leads(lead)
    assert status == 422
    [error] = body["errors"]
    assert error["field"] == field and says in error["message"]


# --- requests aiohttp cannot read -------------------------------------------------------------------------------

UNREADABLE = {
    "10 KB URL": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "10 KB header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 10_000 + b"\r\n\r\n",
    "broken request line": b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    "broken header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "NUL in the path": b"GET /heal\x00thz HTTP/1.1\r\nHost: x\r\n\r\n",
}


async def raw_request(app: Harness, request: bytes) -> bytes:
    """`request` sent as is over a socket (no client would send it), and the server's whole answer."""
    reader, writer = await asyncio.open_connection(app.server.host, app.server.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("name", list(UNREADABLE))
async def test_a_request_aiohttp_cannot_read_is_a_4xx_logged_as_one_warning_line(
    app: Harness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Anyone on the internet can send these: each was an ERROR with a full traceback on aiohttp.server."""
    caplog.set_level(logging.DEBUG)

    answer = await raw_request(app, UNREADABLE[name])

    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:200]
    server = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert [r.levelno for r in server] == [logging.WARNING], [r.getMessage() for r in server]
    [line] = server
    assert line.exc_info is None and line.exc_text is None
    assert "\n" not in line.getMessage() and len(line.getMessage()) <= 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
