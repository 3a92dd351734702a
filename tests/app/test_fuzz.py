"""Every endpoint, fuzzed: whatever arrives, the answer is never a 5xx and nothing is logged as an ERROR.

Hypothesis generates the requests (derandomized, so a run is the same on every machine and a failure repeats).
Lead-shaped bodies mix the right fields with hostile values: NUL bytes and lone surrogates in any text, dates
that overflow UTC, and markers the encoder writes out raw, because JSON from Python cannot say them: an integer
of 400 digits (above and below zero), a megabyte-long string and 10,000-deep nesting. Signed Slack requests carry
the same hostile values in every button, modal, command and event the app listens to. A request intake refuses
stores nothing.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.ids import Action, Block, Callback
from storage.models import Lead
from tests import slack_requests as sr
from tests.conftest import INTAKE_TOKEN, LEADS, MANAGER, MARKETER, OUTSIDER, REP1, Harness

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Markers JSON encoding writes out raw (json.dumps cannot produce them).
RAW = {
    "\ue000BIG\ue000": "1" + "0" * 400,
    "\ue000NEGATIVE_BIG\ue000": "-1" + "0" * 400,
    "\ue000LONG\ue000": json.dumps("x" * 1_000_000),
    "\ue000DEEP\ue000": "[" * 10_000 + "]" * 10_000,
}
OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-13-45T25:61:00Z", "+275760-09-13"]
STAGES = ["mql", "sal", "sql", "opportunity", "won", "lost", "recycled", "WON", "", "stage\x00"]

texts = st.text(max_size=30) | st.sampled_from([*OVERFLOWING, *STAGES, "\x00", "\ud800", "<!channel>", "*_~`"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | st.sampled_from(list(RAW))
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3))
plain = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
moments = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-14)), timezone(timedelta(hours=14))]))
GOOD = {  # a field as marketing sends it, so that half the bodies get past validation and into the database
    "email": st.emails(),
    "name": plain,
    "company": plain,
    "title": plain,
    "source": plain,
    "campaign": plain,
    "score": st.integers(min_value=0, max_value=100),
}
activities = st.fixed_dictionaries(
    {"at": moments.map(datetime.isoformat) | texts | values, "kind": plain | values}, optional={"detail": values}
)
leads = st.fixed_dictionaries(
    {"external_id": plain.filter(str.strip) | values},
    optional={
        **{field: good | good | values for field, good in GOOD.items()},
        "activity": st.lists(activities, max_size=3) | values,
    },
)
clean_leads = st.fixed_dictionaries(
    {"external_id": plain.filter(str.strip)},
    optional={
        **GOOD,
        "activity": st.lists(
            st.fixed_dictionaries({"at": moments.map(datetime.isoformat), "kind": plain.filter(str.strip)}), max_size=2
        ),
    },
)
lead_bodies = clean_leads | leads | st.lists(clean_leads | leads, max_size=3) | values
stage_bodies = (
    st.fixed_dictionaries(
        {"stage": st.sampled_from(["sal", "sql", "opportunity", "won", "lost", "recycled"])},
        optional={"amount": st.integers(0, 10**6).map(str), "reason": plain.filter(str.strip)},
    )
    | st.fixed_dictionaries(
        {"stage": st.sampled_from(STAGES) | values},
        optional={
            "amount": st.decimals(min_value=0, max_value=10**13, places=2).map(str) | values,
            "reason": plain | values,
            "at": moments.map(datetime.isoformat) | texts | values,
        },
    )
    | values
)
people = st.sampled_from([REP1, MANAGER, MARKETER, OUTSIDER, "U0NOBODY01", "", "U\x00", "<!channel>"])
path_ids = st.text(max_size=40) | st.sampled_from(["x-1", "..", "%00", "%2F", "a" * 5000])


def well_formed(text: str) -> str:
    """What a form body can carry: UTF-8, in which a lone surrogate cannot be written."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def encode(value: Any) -> bytes:
    text = json.dumps(value)
    for marker, raw in RAW.items():
        text = text.replace(json.dumps(marker), raw)
    return text.encode("utf-8", "surrogatepass")


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def lead_count(app: Harness) -> int:
    async with app.svc.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Lead)) or 0)


async def send(app: Harness, method: str, path: str, body: bytes | None = None, token: str = INTAKE_TOKEN) -> int:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    data = None if body is None else io.BytesIO(body)
    async with app.http.request(method, app.url(path), data=data, headers=headers) as response:
        await response.read()
        return response.status


@pytest.fixture
async def known(app: Harness) -> Harness:
    """The app with one lead the fuzzed requests can name (x-1), posted to the channel."""
    status, body = await app.post_leads({"external_id": "x-1", "name": "Dana Buyer", "company": "Initech"})
    assert status == 201, body
    await app.settle()
    return app


@FUZZ
@given(body=lead_bodies)
async def test_intake_answers_every_body_below_500_and_a_refused_one_stores_nothing(
    known: Harness, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    caplog.clear()
    before = await lead_count(known)
    status = await send(known, "POST", "/api/leads", encode(body))
    event(f"intake answered {status}")
    await known.settle()
    assert status < 500, status
    assert errors_logged(caplog) == []
    if status >= 400:
        assert await lead_count(known) == before


@FUZZ
@given(external_id=path_ids, body=stage_bodies)
async def test_the_stage_api_answers_every_move_below_500(
    known: Harness, caplog: pytest.LogCaptureFixture, external_id: str, body: Any
) -> None:
    caplog.clear()
    for target in (quote(external_id, safe=""), "x-1"):
        status = await send(known, "POST", f"/api/leads/{target}/stage", encode(body))
        event(f"stage API answered {status}")
        assert status < 500, (target, status)
    await known.settle()
    assert errors_logged(caplog) == []


@FUZZ
@given(external_id=path_ids, token=st.text(max_size=40).filter(lambda t: t.isprintable() and t.isascii()))
async def test_reads_and_operations_endpoints_answer_below_500(
    known: Harness, caplog: pytest.LogCaptureFixture, external_id: str, token: str
) -> None:
    caplog.clear()
    statuses = [
        await send(known, "GET", f"/api/leads/{quote(external_id, safe='')}"),
        await send(known, "GET", "/api/leads/x-1", token=token),
        await send(known, "GET", "/healthz", token=token),
        await send(known, "GET", "/readyz", token=token),
        await send(known, "GET", "/metrics", token=token),
    ]
    assert all(status < 500 for status in statuses), statuses
    assert errors_logged(caplog) == []


MODAL_INPUTS = {action for action in Action if action.name in Block.__members__}
"""A modal's inputs: Slack sends no click for them (the modal's submission carries their values), so Bolt answers a
forged one 404, as it does any request no listener is for."""

hostile_action = st.fixed_dictionaries(
    {},
    optional={
        "selected_user": people,
        "selected_option": st.fixed_dictionaries({"value": texts}) | values,
        "selected_options": st.lists(st.fixed_dictionaries({"value": texts}), max_size=3),
        "selected_users": st.lists(people, max_size=3),
        "value": texts,
    },
)


@FUZZ
@given(action_id=st.sampled_from(list(Action)), value=texts | st.just("1"), user_id=people, action=hostile_action)
async def test_every_button_answers_200_whatever_it_carries(
    known: Harness, caplog: pytest.LogCaptureFixture, action_id: str, value: str, user_id: str, action: Any
) -> None:
    caplog.clear()
    payload = sr.block_actions(
        user_id=user_id,
        action_id=action_id,
        value=value,
        channel=LEADS,
        message_ts="1.000001",
        trigger_id=known.slack.issue_trigger_id(user_id or REP1),
        response_url=known.slack.new_response_url(channel=LEADS, user_id=user_id or REP1),
        action={"action_id": action_id, "block_id": "actions", "type": "button", "value": value, **action},
    )
    status, _ = await known.interact(payload)
    await known.settle()
    assert status == 200 or (status == 404 and action_id in MODAL_INPUTS)
    assert errors_logged(caplog) == []


@FUZZ
@given(
    callback_id=st.sampled_from(list(Callback)),
    metadata=texts | st.sampled_from(["1", "x-1", '{"lead_id": 1}', "1:2:3"]),
    blocks=st.dictionaries(texts, st.dictionaries(texts, hostile_action, max_size=2), max_size=4),
    user_id=people,
)
async def test_every_modal_submission_is_answered_below_500(
    known: Harness, caplog: pytest.LogCaptureFixture, callback_id: str, metadata: str, blocks: Any, user_id: str
) -> None:
    caplog.clear()
    status, _ = await known.submit(callback_id, user_id, metadata, blocks)
    event(f"submission answered {status}")
    await known.settle()
    assert status < 500
    assert errors_logged(caplog) == []


@FUZZ
@given(command=st.sampled_from(["/funnel", "/win", "/handoff"]), text=texts.map(well_formed), user_id=people)
async def test_commands_answer_200_whatever_their_text(
    known: Harness, caplog: pytest.LogCaptureFixture, command: str, text: str, user_id: str
) -> None:
    caplog.clear()
    body = sr.slash_command(
        user_id=user_id,
        command=command,
        text=text,
        channel=LEADS,
        response_url=known.slack.new_response_url(channel=LEADS, user_id=user_id or REP1),
        trigger_id=known.slack.issue_trigger_id(user_id or REP1),
    )
    status, _ = await known.post_slack(body, content_type="application/x-www-form-urlencoded")
    await known.settle()
    assert status == 200
    assert errors_logged(caplog) == []


@FUZZ
@given(user_id=people, tab=st.sampled_from(["home", "messages", "", "\x00"]))
async def test_opening_the_home_tab_answers_200_for_anyone(
    known: Harness, caplog: pytest.LogCaptureFixture, user_id: str, tab: str
) -> None:
    caplog.clear()
    event = sr.app_home_opened(user_id)
    event["tab"] = tab
    status, _ = await known.post_slack(sr.event_callback(event), content_type="application/json")
    await known.settle()
    assert status == 200
    assert errors_logged(caplog) == []
