"""/funnel from the rollup shows exactly what the full scan of the leads shows, on random histories.

Hypothesis (derandomized, bounded) makes a history through the real app: batches of leads posted to intake over
four months, in a team timezone whose midnights are not UTC's (Chicago, Kathmandu at +05:45, or UTC itself); reps
accept or reject them after a while, log first contact, the SLA sweep breaches what nobody took, the CRM moves
some on to SQL, Opportunity, Won or Lost with its own dates, and deals are celebrated with /win. Then every report
(periods × dimensions) is computed both ways and must show the same text, the same counts and the same sums, and
the rollup the app kept while all this happened must equal one rebuilt from scratch (`handoff db rebuild-rollups`).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from bot.ids import Action, Block, Callback
from bot.reports.metrics import GroupMetrics, Metrics
from bot.reports.periods import parse_funnel
from bot.views.funnel import funnel_view
from storage import rollups
from storage.db import Database, alembic_config
from storage.models import FunnelDay, FunnelDayClock, FunnelDayDuration, FunnelDayReason
from tests.attempts import log_attempt
from tests.config.test_config import GOOD_ENV, run_handoff
from tests.conftest import MANAGER, REP1, REP2, START, Harness, StartApp, team_config
from tests.databases import TEST_DATABASE_URL, fresh_postgres
from tests.lifecycle.test_wins import win

ROLLUP = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLA: dict[str, Any] = {"accept": {"target": "30m"}, "first_touch": {"target": "4h"}}
REASONS = ["No budget or authority", "Bad contact data"]
QUERIES = [f"{period}{by}" for period in ("", "last month", "this quarter", "last quarter", "this week", "today",
                                          "last 45d", "2026-10-03..2026-11-02")
           for by in ("", " by source", " by campaign", " by band", " by rep")]  # fmt: skip

fates = st.sampled_from(["none", "accept", "contact", "reject", "sql", "opportunity", "won", "lost"])
leads = st.fixed_dictionaries(
    {
        "source": st.sampled_from([None, "webinar", "ads", "unknown"]),
        "campaign": st.sampled_from([None, "spring", "fall"]),
        "score": st.none() | st.integers(0, 99),
        "email": st.sampled_from([None, "a@example.com", "b@example.com", "c@example.com"]),
        "fate": fates,
        "wait": st.integers(1, 5400),  # seconds from the post to the decision
        "contact": st.integers(1, 30_000),  # seconds from the accept to first contact
        "later": st.integers(60, 20 * 86_400),  # seconds between the CRM's steps
        "amount": st.integers(0, 90_000),
    }
)
batches = st.lists(
    st.tuples(st.integers(0, 120 * 86_400), st.lists(leads, min_size=1, max_size=4)), min_size=1, max_size=12
)
histories = st.fixed_dictionaries(
    {
        "timezone": st.sampled_from(["America/Chicago", "Asia/Kathmandu", "UTC"]),
        "batches": batches,
        "sweeps": st.lists(st.integers(0, 120 * 86_400), max_size=3),
        "wins": st.lists(st.integers(0, 3), max_size=2),
    }
)


async def reject(app: Harness, lead_id: int, reason: str) -> None:
    values = {
        Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "static_select", "selected_option": {"value": reason}}}
    }
    assert (await app.submit(Callback.REJECT, REP1, str(lead_id), values))[0] == 200


async def play(app: Harness, history: dict[str, Any]) -> None:
    """The history in time order: intake, decisions, contacts and sweeps as the clock reaches them, then the CRM's
    moves (dated in the past) and the celebrations."""
    first = START - timedelta(days=121)
    steps: list[tuple[datetime, int, Any]] = []
    for n, (offset, batch) in enumerate(history["batches"]):
        steps.append((first + timedelta(seconds=offset), 0, (n, batch)))
    steps += [(first + timedelta(seconds=offset), 3, None) for offset in history["sweeps"]]
    crm: list[tuple[str, dict[str, Any], datetime]] = []
    ids: dict[str, int] = {}
    app.clock.set(first)  # before anything happened
    while steps:
        steps.sort(key=lambda s: (s[0], s[1]))
        at, kind, what = steps.pop(0)
        app.clock.set(max(at, app.clock.now()))  # (a decision due before the batch that came after it)
        if kind == 0:  # a batch arrives: one request
            n, batch = what
            body = [{"external_id": f"h{n}-{k}", "name": f"Lead {n}-{k}", **{f: plan[f] for f in
                     ("source", "campaign", "score", "email") if plan[f] is not None}}
                    for k, plan in enumerate(batch)]  # fmt: skip
            status, answer = await app.post_leads(body)
            assert status in (200, 201), answer
            await app.settle()
            for k, plan in enumerate(batch):
                ids[f"h{n}-{k}"] = int(answer["leads"][k]["id"]) if "leads" in answer else int(answer["id"])
                if plan["fate"] != "none":
                    steps.append((app.clock.now() + timedelta(seconds=plan["wait"]), 1, (f"h{n}-{k}", plan)))
        elif kind == 1:  # the decision
            external_id, plan = what
            if plan["fate"] == "reject":
                await reject(app, ids[external_id], REASONS[plan["wait"] % 2])
            else:
                await app.click(Action.ACCEPT, ids[external_id], REP1 if plan["wait"] % 2 else REP2)
                if plan["fate"] == "contact":
                    steps.append((app.clock.now() + timedelta(seconds=plan["contact"]), 2, ids[external_id]))
                elif plan["fate"] != "accept":
                    crm.append((external_id, plan, app.clock.now()))
            await app.settle()
        elif kind == 2:
            await log_attempt(app, what, MANAGER)
        else:
            await app.sweep()
    app.clock.set(max(START, app.clock.now()))
    for external_id, plan, decided in crm:
        path = {"sql": ["sql"], "opportunity": ["sql", "opportunity"], "won": ["sql", "opportunity", "won"],
                "lost": ["opportunity", "lost"]}[plan["fate"]]  # fmt: skip
        at = decided
        for stage in path:
            at = min(at + timedelta(seconds=plan["later"]), app.clock.now())
            move: dict[str, Any] = {"stage": stage, "at": at.isoformat()}
            if stage in ("opportunity", "won"):
                move["amount"] = plan["amount"] + (1000 if stage == "won" else 0)
            await app.crm_moves(external_id, move)
    for n in history["wins"]:
        await win(app, REP1, f"Company {n}", f"{1000 * (n + 1)}", REP1)
    await app.settle()


def same(rollup: GroupMetrics, scan: GroupMetrics) -> None:
    for f in fields(GroupMetrics):
        mine, theirs = getattr(rollup, f.name), getattr(scan, f.name)
        if isinstance(theirs, float):  # sums of float seconds, added up in another order
            assert math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-6), f.name
        else:
            assert mine == theirs, f.name


async def rollup_rows(db: Database) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of the rollup that counts something (a change leaves rows it took everything out of at 0)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    async with db.session() as session:
        for model in (FunnelDay, FunnelDayReason, FunnelDayClock, FunnelDayDuration):
            rows = (await session.execute(select(model))).scalars()
            columns = [c.name for c in model.__table__.columns if c.name != "days_to_won_sum"]
            out[model.__tablename__] = {
                tuple(getattr(r, c) for c in columns)
                for r in rows
                if (r.leads if isinstance(r, FunnelDay) else r.n)  # type: ignore[union-attr]
            }
    return out


async def check(app: Harness) -> None:
    svc = app.svc
    scan = Metrics(svc.db, svc.config, svc.clock, full_scan=True)
    rollup = Metrics(svc.db, svc.config, svc.clock)
    for text in QUERIES:
        query = parse_funnel(text, rollup.today())
        mine, theirs = await rollup.report(query), await scan.report(query)
        assert funnel_view(mine, image_file_id=None) == funnel_view(theirs, image_file_id=None), text
        same(mine.total, theirs.total)
        same(mine.previous, theirs.previous)
        assert [g.group for g in mine.groups] == [g.group for g in theirs.groups], text
        for a, b in zip(mine.groups, theirs.groups, strict=True):
            same(a, b)
    kept = await rollup_rows(svc.db)
    async with svc.db.session() as session:
        await rollups.rebuild(session=session)
    assert await rollup_rows(svc.db) == kept


@ROLLUP
@given(history=histories)
async def test_the_rollup_shows_what_the_full_scan_shows(
    start_app: StartApp, db_url: str, tmp_path: Path, history: Any
) -> None:
    config = team_config(timezone=history["timezone"], sla=SLA)
    async with example_database(db_url, tmp_path) as url:
        app = await start_app(config, database_url=url)
        try:
            await play(app, history)
            await check(app)
        finally:
            await app.server.close()  # before its database goes


_examples = itertools.count()


@asynccontextmanager
async def example_database(db_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own for each example, on the backend of the test."""
    if db_url.startswith("postgresql"):
        async with fresh_postgres(TEST_DATABASE_URL) as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / f'example-{next(_examples)}.db'}"


ONE_A_DAY = {"timezone": "America/Chicago", "batches": [(86_400 * k, [{
    "source": "ads", "campaign": None, "score": 70, "email": None, "fate": "reject", "wait": 60, "contact": 1,
    "later": 60, "amount": 0}]) for k in range(3)], "sweeps": [], "wins": [0]}  # fmt: skip


async def test_rebuild_rollups_fills_them_again_in_one_transaction_and_says_what_it_did(
    start_app: StartApp, db_url: str, tmp_path: Path
) -> None:
    app = await start_app(team_config(sla=SLA))
    await play(app, ONE_A_DAY)
    kept = await rollup_rows(app.svc.db)
    async with app.svc.db.session() as session:
        for statement in rollups.rebuild_statements(session.get_bind().dialect.name)[:4]:  # emptied by hand
            await session.execute(statement)
    assert await rollup_rows(app.svc.db) == {name: set() for name in kept}

    done = await asyncio.to_thread(run_handoff, tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "db", "rebuild-rollups")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rollups rebuilt from 4 leads and 3 SLA clocks in "), done.stdout
    assert "rows: funnel_days 4, funnel_day_reasons 3, funnel_day_clocks 3, funnel_day_durations 0" in done.stdout
    assert await rollup_rows(app.svc.db) == kept


async def test_upgrading_to_the_rollup_fills_it_from_the_leads_already_stored(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    await play(
        app,
        {
            **ONE_A_DAY,
            "batches": [
                (3600 * k, [{**ONE_A_DAY["batches"][0][1][0], "fate": fate}])
                for k, fate in enumerate(["contact", "won", "none", "reject"])
            ],
        },
    )
    kept = await rollup_rows(app.svc.db)
    assert kept["funnel_day_durations"]

    def downgrade(conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")  # as an install before the rollup had it

    async with app.svc.db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    await app.svc.db.upgrade()

    assert await rollup_rows(app.svc.db) == kept
