"""Cadence compliance and the per-rep numbers (assignments, acceptance time, cadence) in /funnel, /funnel by rep, the
weekly digest and the quarterly review, pinned on a small data set worked out by hand.

[sla.follow_up] attempts = 2 within 1d; START is Monday Nov 23, 2026, 09:00 CST (15:00 UTC).

| lead | received   | accepted (by, after)   | attempts                          | follow-up clock at +1d3h |
|------|------------|------------------------|-----------------------------------|--------------------------|
| A    | START      | REP1, 10 min           | no answer, voicemail (2 of 2)     | met                      |
| B    | START+1h   | REP1, 30 min           | connected (the first attempt)     | met                      |
| C    | START+2h   | REP1, 20 min           | no answer (1 of 2)                | breached at +1d2h20m     |
| D    | START+3h   | REP2, 60 min           | none                              | running (due +1d4h)      |
| E    | START+3h30 | assigned to REP2 by a manager, 15 min later (no accept click) | running  |

REP1: 0 assigned · accepts in 10, 20, 30 min → median 20 min · cadence 2 met of 3 settled = 67%.
REP2: 1 assigned (E) · accepts in 60 min → median 1 h · cadence: nothing settled → "—", not 0%.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import Action
from storage.models import Lead
from tests.attempts import log_attempt
from tests.cadence.test_follow_up import close_as_lost, follow_ups
from tests.conftest import LEADS, MANAGER, REP1, REP2, START, Harness, StartApp, team_config, text_of
from tests.lifecycle.test_reassign import reassign
from tests.reports.test_funnel import funnel

SLA: dict[str, Any] = {"follow_up": {"attempts": 2, "within": "1d"}}
REP1_LINE = "0 assigned · accepts in 20 min (median) · cadence 67% (2 of 3)"
REP2_LINE = "1 assigned · accepts in 1 h (median) · cadence —"


async def lead_at(app: Harness, name: str, minutes: float) -> int:
    app.clock.set(START + timedelta(minutes=minutes))
    return await app.new_lead(external_id=name, name=name)


async def accept_after(app: Harness, lead_id: int, rep: str, minutes: float) -> None:
    app.clock.advance(minutes * 60)
    await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()


async def seed(app: Harness) -> dict[str, int]:
    ids = {"A": await lead_at(app, "A", 0)}
    await accept_after(app, ids["A"], REP1, 10)
    await log_attempt(app, ids["A"], REP1, "no_answer")
    app.clock.advance(3600 * 3)
    ids["B"] = await lead_at(app, "B", 60)
    await accept_after(app, ids["B"], REP1, 30)
    await log_attempt(app, ids["B"], REP1, "connected")
    ids["C"] = await lead_at(app, "C", 120)
    await accept_after(app, ids["C"], REP1, 20)
    await log_attempt(app, ids["C"], REP1, "no_answer")
    ids["D"] = await lead_at(app, "D", 180)
    await accept_after(app, ids["D"], REP2, 60)
    ids["E"] = await lead_at(app, "E", 210)
    app.clock.advance(15 * 60)
    await reassign(app, ids["E"], REP2, "REP2 covers this territory")
    app.clock.set(START + timedelta(hours=5))
    await log_attempt(app, ids["A"], REP1, "voicemail")  # A's second: met
    app.clock.set(START + timedelta(days=1, hours=3))
    await app.sweep()  # C breaches; D is not due yet
    return ids


@pytest.fixture
async def seeded(start_app: StartApp) -> Harness:
    app = await start_app(team_config(sla=SLA))
    await seed(app)
    return app


def answers(app: Harness) -> list[dict[str, Any]]:
    return [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]


async def test_funnel_shows_cadence_compliance_and_by_rep_each_reps_numbers(seeded: Harness) -> None:
    assert [t.state for t in await follow_ups(seeded, 3)] == ["breached"]  # C, as the table says

    await funnel(seeded, "2026-11")
    await seeded.settle()
    await funnel(seeded, "2026-11 by rep")
    await seeded.settle()

    total = text_of(answers(seeded)[0]["blocks"])
    assert "*SLA kept*\nFollow-up cadence 67%" in total  # 2 met of 3 settled (D, E still running)
    groups = [
        b["text"]["text"] for b in answers(seeded)[1]["blocks"] if b.get("block_id", "").startswith("funnel:group")
    ]
    assert groups[0].startswith(f"*<@{REP1}>* — 3 MQLs") and groups[0].endswith("\n   " + REP1_LINE)
    assert groups[1].startswith(f"*<@{REP2}>* — 2 MQLs") and groups[1].endswith("\n   " + REP2_LINE)
    assert "cadence" not in total.split("SLA kept")[0]  # the per-rep lines are /funnel by rep's


async def test_funnel_help_defines_the_per_rep_numbers(app: Harness) -> None:
    status, ack = await funnel(app, "help")

    assert status == 200
    assert "*By rep: assigned · acceptance · cadence*" in ack["text"] and "'—' when none is" in ack["text"]


async def test_the_digest_lists_each_reps_numbers(seeded: Harness) -> None:
    seeded.clock.set(datetime(2026, 11, 30, 15, tzinfo=UTC))  # the next Monday 09:00 CST: last week is Nov 23-29
    assert await seeded.svc.digest.run() == "digest:2026-11-30"
    await seeded.settle()

    [digest] = [text_of(m.blocks) for m in seeded.slack.messages.get(LEADS, []) if "Weekly digest" in m.text]
    assert f"*By rep:*\n• <@{REP2}> — {REP2_LINE}\n• <@{REP1}> — {REP1_LINE}" in digest  # most assignments first


async def test_the_quarterly_review_reports_cadence_compliance_by_rep(seeded: Harness) -> None:
    seeded.clock.set(datetime(2027, 1, 4, 15, tzinfo=UTC))  # the first working day of 2027-Q1, 09:00 CST
    await seeded.sweep()  # D and E ran out meanwhile: REP2 kept 0 of 2
    assert await seeded.svc.reviews.run() == ["quarterly_review:2026-Q4"]
    await seeded.settle()

    [review] = [text_of(m.blocks) for m in seeded.slack.messages.get(LEADS, []) if "SLA review" in m.text]
    assert "• Follow-up cadence: *40%* on time (2 of 5; 3 still open past due)" in review
    assert f"• Follow-up cadence by rep: <@{REP1}> 67% (2 of 3) · <@{REP2}> 0% (0 of 2)" in review


async def test_a_backfilled_lead_has_no_cadence_and_may_be_closed(
    start_app: StartApp, db_url: str, tmp_path: Path
) -> None:
    from tests.config.test_config import GOOD_ENV, run_handoff
    from tests.lifecycle.test_import import ROOT

    app = await start_app(team_config(sla=SLA))
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text(
        "external_id,email,name,company,source,campaign,received_at,stage,owner,decided_at,amount,reason\n"
        f"h-1,a1@example.com,Ann,Initech,ads,,2026-11-02,sal,{REP1},2026-11-03,,\n"
    )
    # In a thread: the app's loop keeps running (a transaction it has open must be able to finish meanwhile).
    result = await asyncio.to_thread(run_handoff, tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "import", "leads.csv")
    assert result.returncode == 0, result.stderr
    async with app.svc.db.session() as session:
        lead_id = int(await session.scalar(select(Lead.id).where(Lead.external_id == "h-1")) or 0)

    assert await follow_ups(app, lead_id) == []  # history starts no clock
    await funnel(app, "2026-11 by rep")
    await app.settle()
    shown = text_of(answers(app)[-1]["blocks"])
    assert "*SLA kept*\nno clocks ran" in shown  # nothing to be compliant with: not counted either way
    assert f"*<@{REP1}>* — 1 MQL ·" in shown and "cadence" not in shown  # no assignment, accept or clock: no line

    assert await log_attempt(app, lead_id, REP1, "no_answer") == (200, "")  # attempts may still be logged
    assert await close_as_lost(app, lead_id, MANAGER, "No decision / went dark") == (200, "")  # no cadence: allowed
    assert (await app.lead(lead_id)).stage == "lost"
