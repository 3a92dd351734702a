"""`/handoff` as Slack sends it, and what the away table holds."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.models import AwayRep
from tests import slack_requests as sr
from tests.conftest import LEADS, Harness

FORM = "application/x-www-form-urlencoded"
USAGE_LINE = "*`/handoff away until DATE`*"


async def handoff(app: Harness, text: str, user_id: str) -> tuple[int, dict[str, Any]]:
    """Send `/handoff text` signed, let its work finish; returns the status and the ack's JSON ({} when empty)."""
    body = sr.slash_command(
        user_id=user_id, command="/handoff", text=text, channel=LEADS,
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
        trigger_id=app.slack.issue_trigger_id(user_id),
    )  # fmt: skip
    status, answer = await app.post_slack(body, content_type=FORM)
    await app.settle()
    return status, json.loads(answer) if answer else {}


async def answered(app: Harness, text: str, user_id: str) -> str:
    """`/handoff text` answered after the ack: the ephemeral text it sent through response_url."""
    before = len(app.slack.responses)
    status, ack = await handoff(app, text, user_id)
    assert (status, ack) == (200, {}), ack
    [reply] = app.slack.responses[before:]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


async def absences(app: Harness) -> dict[str, tuple[datetime | None, str]]:
    """{rep: (until, set_by)} as stored."""
    async with app.svc.db.session() as session:
        rows = await session.scalars(select(AwayRep).order_by(AwayRep.user_id))
        return {row.user_id: (row.until, row.set_by) for row in rows}
