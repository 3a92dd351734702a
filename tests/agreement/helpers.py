"""What the agreement's tests share: a team file with terms, a version recorded as another process would, and
/sla asked through a signed slash command."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.config.agreement import diff, with_changes
from storage import agreements as store
from tests import slack_requests as sr
from tests.conftest import LEADS, MANAGER, MARKETER, REP1, Harness, team_config

SLA: dict[str, Any] = {
    "accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]},
    "mql": {"min_score": 40, "rule": "Director+ that asked for a demo"},
    "mql_volume": {"monthly_target": 120, "min_accept_rate": "60%"},
}


def config(sla: dict[str, Any] | None = None, **overrides: Any) -> Any:
    team = {"sales": [REP1], "managers": [MANAGER], "marketing": [MARKETER], "manager_of": {REP1: MANAGER},
            "sales_head": MANAGER, "marketing_head": MARKETER}  # fmt: skip
    return team_config(sla=sla or SLA, team=team, **overrides)


async def record_version(
    app: Harness, changes: dict[str, Any], *, at: datetime, approved_by: list[str] | None = None
) -> int:
    """A version recorded straight in the database, as another replica (or an approved proposal) would."""
    async with app.svc.db.session() as session:
        newest = await store.newest(session)
        assert newest is not None
        terms = with_changes(newest.terms, changes)
        store.add_version(
            session, number=newest.version + 1, terms=terms, file_terms=newest.file_terms,
            changes=[c.as_dict() for c in diff(newest.terms, terms)], source="proposal", at=at,
            approved_by=approved_by or [MANAGER, MARKETER], rationale="Reps answer faster now",
        )  # fmt: skip
        return newest.version + 1


async def sla_command(app: Harness, text: str, user_id: str = REP1) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`/sla <text>`: the ack's body, and what came back through response_url."""
    before = len(app.slack.responses)
    body = sr.slash_command(user_id=user_id, command="/sla", text=text, channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
                            trigger_id=app.slack.issue_trigger_id(user_id))  # fmt: skip
    status, answer = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    assert status == 200
    return (json.loads(answer) if answer else {}), app.slack.responses[before:]
