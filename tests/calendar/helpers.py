"""What the calendar's tests share: a team file with campaigns, assets added through the library's write path, the
launch posts the leads channel got, and `/campaigns` asked through a signed slash command."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.content.assets import AssetInput
from bot.content.library import add_asset
from sandbox.slack_models import Message
from tests import slack_requests as sr
from tests.conftest import LEADS, MARKETER, REP1, Harness, team_config

WEBINAR: dict[str, Any] = {
    "owner": MARKETER,
    "name": "Q4 Ops Webinar",
    "starts": date(2026, 11, 23),  # START's day, a Monday
    "ends": date(2026, 12, 4),
    "summary": "Ops leaders who watched: lead with the <audit> checklist & *not* pricing",
}


def config(**campaigns: dict[str, Any]) -> Any:
    return team_config(campaigns=campaigns or {"q4-ops-webinar": WEBINAR})


async def asset(app: Harness, title: str, url: str, tags: tuple[str, ...], expires_on: date | None = None) -> int:
    async with app.svc.db.session() as session:
        row, _ = await add_asset(
            session, app.svc.config,
            AssetInput(title=title, kind="case_study", url=url, tags=tags, expires_on=expires_on),
            actor=MARKETER, now=app.clock.now(),
        )  # fmt: skip
        return row.id


async def check(app: Harness) -> None:
    """One run of the scheduled job (every 10 min in production), then the outbox delivered."""
    await app.svc.run_reviews()
    await app.settle()


def launches(app: Harness) -> list[Message]:
    posts = app.slack.messages.get(LEADS, [])
    return [
        m for m in posts if m.text.startswith("📣 ") and (m.text.endswith(" starts today") or " started " in m.text)
    ]


async def campaigns_command(
    app: Harness, text: str, user_id: str = REP1
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`/campaigns <text>`: the ack's body, and what came back through response_url."""
    before = len(app.slack.responses)
    body = sr.slash_command(user_id=user_id, command="/campaigns", text=text, channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
                            trigger_id=app.slack.issue_trigger_id(user_id))  # fmt: skip
    status, answer = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    assert status == 200
    return (json.loads(answer) if answer else {}), app.slack.responses[before:]
