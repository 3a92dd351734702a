"""A start-up whose team file changed the agreement's terms records the edit as a new version and tells the leads
channel, once; a start-up with the same file records and says nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import AgreementVersion
from tests.agreement.helpers import SLA, config
from tests.conftest import LEADS, REP2, Harness, StartApp, text_of


async def versions(app: Harness) -> list[AgreementVersion]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)))


def announcements(app: Harness) -> list[Any]:
    return [
        c for c in app.slack.calls_to("chat.postMessage")
        if c.args.get("channel") == LEADS and "agreement changed" in str(c.args.get("text"))
    ]  # fmt: skip


EDITED: dict[str, Any] = {
    **SLA,
    "accept": {"target": "20m", "escalate": [{"after": "0s", "notify": "manager"}, {"after": "2h", "notify": REP2}]},
    "mql": {"min_score": 40, "rule": "<!channel> Director+ & up"},
}


async def test_an_edited_team_file_is_recorded_as_a_new_version_and_announced_once(start_app: StartApp) -> None:
    first = await start_app(config())
    await first.settle()
    assert [(v.version, v.source, v.changes) for v in await versions(first)] == [(1, "team_file", [])]
    assert announcements(first) == []

    edited = await start_app(config(EDITED))  # a restart with the edited file
    again = await start_app(config(EDITED))  # another replica starting with it: nothing more to record
    await edited.settle()
    await again.settle()

    stored = await versions(edited)
    assert [v.version for v in stored] == [1, 2]
    assert {c["term"] for c in stored[1].changes} == {"accept.target", "accept.escalate", "mql.rule"}
    [told] = announcements(edited)
    text = text_of(told.args["blocks"])
    assert "Version 2 is in force" in text
    assert "Accept target: 30 min → 20 min" in text
    assert f"Accept escalation: manager at once → manager at once, then <@{REP2}> at 2 h" in text
    assert "“&lt;!channel&gt; Director+ &amp; up”" in text and "<!channel>" not in text
    assert "<!channel>" not in str(told.args["text"])
    assert edited.svc.agreements.sla(2).accept is not None
    assert edited.svc.agreements.sla(2).accept.target.total_seconds() == 20 * 60


async def test_an_unchanged_restart_records_and_announces_nothing(start_app: StartApp) -> None:
    first = await start_app(config())
    second = await start_app(config())
    await first.settle()
    await second.settle()

    assert [v.version for v in await versions(second)] == [1]
    assert announcements(second) == []
