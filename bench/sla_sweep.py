"""SLA sweep cost on a big SQLite database: one sweep that finds 100 due steps, at 1,000,000 leads and at 100,000.

The requirement: with 1,000,000 leads of which 10,000 are open, one sweep finding 100 due escalation steps takes
under 50 ms (median of 5), and its cost does not grow with the number of closed leads. The databases are made with
`Database.prepare()` (the real schema, through Alembic) and filled with stdlib sqlite3 in one transaction: closed
leads each with one stopped accept timer (`next_at` NULL), open leads each with a running accept timer due later.
Before every measured sweep the same 100 timers are made due again and what the previous sweep wrote (notices, their
items, outbox rows, timeline events) is deleted, untimed. The baseline is one hand-written SELECT of the due rows
(sla_timers joined to leads, ordered by next_at, LIMIT 500) through stdlib sqlite3, timed in the same runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, TaskID
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event

from bench import cache
from bench.report import (
    Row,
    Section,
    load_average,
    markdown_table,
    ms,
    progress_bar,
    rich_table,
    run_alone,
    warn_if_busy,
)
from bot.clock import ManualClock
from bot.config.team import Team
from bot.config.team_file import parse_config
from bot.sla.clocks import SlaService
from storage.db import Database

TARGET_MS = 50.0  # one sweep finding 100 due steps at 1,000,000 leads, median of 5
GROWTH_LIMIT = 1.25  # "does not grow": the big database's median within 1.25x of the small one's
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the sweep's clock; a Monday, 09:00 in Chicago
NAIVE_NOW = NOW.replace(tzinfo=None)
TARGET = timedelta(minutes=30)
LEADS_CHANNEL = "C0LEADS001"
MANAGER = "U0MGR00001"
REPS = tuple(f"U0REP{i:05d}" for i in range(1, 21))
CHUNK = 20_000
BASELINE_SQL = (
    "SELECT t.*, l.* FROM sla_timers AS t JOIN leads AS l ON l.id = t.lead_id "
    "WHERE t.next_at IS NOT NULL AND t.next_at <= ? ORDER BY t.next_at, t.id LIMIT 500"
)
Pair = tuple[tuple[Any, ...], tuple[Any, ...]]  # a lead row and its timer row
SWEEP_TABLES = ("sla_notice_items", "sla_notices", "outbox", "lead_events")  # emptied before every sweep

LEAD_COLUMNS = (
    "id, external_id, email, name, company, title, source, campaign, score, activity, stage, owner, received_at, "
    "posted_at, decided_at, decided_by, reject_reason, reject_note, slack_channel, slack_ts, version"
)
TIMER_COLUMNS = (
    "id, lead_id, clock, owner, business_hours, target_seconds, started_at, warn_at, due_at, state, warned_at, "
    "breached_at, steps_fired, snoozed_until, snoozed_by, next_at, stopped_at, elapsed_seconds"
)


@dataclass(frozen=True)
class Plan:
    leads: int  # the big database
    small: int  # the same open and due leads, fewer closed ones
    open: int
    due: int
    runs: int
    cache: bool = False  # keep the generated databases between runs (see bench/cache.py)


@dataclass
class SizeRun:
    leads: int
    open: int
    due: int
    setup_seconds: float = 0.0
    reused: str = ""  # when the database came from the cache: when it was generated
    db_mb: float = 0.0
    first_sweep_ms: float = 0.0  # the warm-up sweep: a fresh engine, cold caches
    sweep_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    sql_statements: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    by_statement: dict[str, list[float]] = field(default_factory=dict)  # statement kind: driver ms, every run
    statement_counts: dict[str, int] = field(default_factory=dict)  # statement kind: how many in the last sweep
    baseline_plan: list[str] = field(default_factory=list)
    sweep_plan: list[str] = field(default_factory=list)

    @property
    def closed(self) -> int:
        return self.leads - self.open

    @property
    def sweep_median(self) -> float:
        return statistics.median(self.sweep_ms)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline_ms)

    @property
    def label(self) -> str:
        return f"{self.leads:,} leads"


# --- data ------------------------------------------------------------------------------------------------------


def stamp(seconds_before_now: float) -> str:
    """A naive UTC DATETIME string exactly as SQLAlchemy writes one on SQLite."""
    return (NAIVE_NOW - timedelta(seconds=seconds_before_now)).isoformat(" ", "microseconds")


def closed_rows(first: int, last: int, closed: int) -> Iterator[Pair]:
    """Leads `first`..`last` (1-based) of `closed` decided ones, received one every 37 s over the past ~14 months,
    each with its accept timer stopped: met, missed or (now and then) cancelled."""
    for i in range(first, last + 1):
        received = 86_400 + (closed - i) * 37
        waited = (i * 7919) % 7200  # 0 to 2 h from post to decision
        rejected = i % 5 == 0
        rep = REPS[i % len(REPS)]
        posted, decided = stamp(received - 5), stamp(received - 5 - waited)
        lead = (
            i, f"bench-{i:07d}", f"buyer{i}@example.com", f"Dana Buyer {i}", f"Acme {i % 97}", "VP Operations",
            "webinar" if i % 3 else "ebook", "bench", 40 + i % 60, "[]", "rejected" if rejected else "sal",
            None if rejected else rep, stamp(received), posted, decided, rep, "not_a_fit" if rejected else None,
            None, LEADS_CHANNEL, f"{1_700_000_000 + i}.000100", 2,
        )  # fmt: skip
        state = "cancelled" if i % 50 == 0 else ("met" if waited <= TARGET.total_seconds() else "missed")
        timer = (
            i, i, "accept", None, 0, int(TARGET.total_seconds()), posted, None, stamp(received - 5 - 1800), state,
            None, stamp(received - 5 - 1800) if state == "missed" else None, 1 if state == "missed" else 0, None,
            None, None, decided, waited,
        )  # fmt: skip
        yield lead, timer


def open_rows(first: int, last: int, closed: int, open_count: int) -> Iterator[Pair]:
    """Open leads (ids after the closed ones), posted in the last 25 minutes: every accept timer is due later."""
    for j in range(first, last + 1):
        i = closed + j
        received = 1 + (open_count - j) * 1500 / open_count
        posted = stamp(received - 1)
        due = stamp(received - 1 - TARGET.total_seconds())
        lead = (
            i, f"bench-{i:07d}", f"buyer{i}@example.com", f"Dana Buyer {i}", f"Acme {i % 97}", "VP Operations",
            "webinar", "bench", 40 + i % 60, "[]", "mql", None, stamp(received), posted, None, None, None, None,
            LEADS_CHANNEL, f"{1_800_000_000 + i}.000100", 1,
        )  # fmt: skip
        timer = (
            i, i, "accept", None, 0, int(TARGET.total_seconds()), posted, None, due, "running", None, None, 0, None,
            None, due, None, None,
        )  # fmt: skip
        yield lead, timer


def batches(closed: int, open_count: int) -> Iterator[list[Pair]]:
    for start in range(1, closed + 1, CHUNK):
        yield list(closed_rows(start, min(start + CHUNK - 1, closed), closed))
    for start in range(1, open_count + 1, CHUNK):
        yield list(open_rows(start, min(start + CHUNK - 1, open_count), closed, open_count))


def load(path: Path, leads: int, open_count: int, advance: Callable[[int], None]) -> None:
    """Bulk-load the leads and their timers in one transaction, in id order (every index is appended to)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for pairs in batches(leads - open_count, open_count):
            conn.executemany(
                f"INSERT INTO leads ({LEAD_COLUMNS}) VALUES ({', '.join('?' * 21)})", (p[0] for p in pairs)
            )
            conn.executemany(
                f"INSERT INTO sla_timers ({TIMER_COLUMNS}) VALUES ({', '.join('?' * 18)})", (p[1] for p in pairs)
            )
            advance(len(pairs))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    flush_to_disk(path)


def flush_to_disk(path: Path) -> None:
    """After a synchronous=OFF bulk load the file is still dirty in the page cache: flush it now, or the app's
    first checkpoint (synchronous=NORMAL) pays for writing the whole database inside a timed run."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def due_ids(leads: int, open_count: int, due: int) -> list[int]:
    """The open timers made due, spread evenly over the open leads (timer id = lead id)."""
    closed, gap = leads - open_count, open_count // due
    return [closed + 1 + k * gap for k in range(due)]


def rearm(conn: sqlite3.Connection, ids: list[int]) -> None:
    """Make the same timers due again, as they were before any sweep, and drop what the last sweep wrote."""
    conn.execute("BEGIN IMMEDIATE")
    for table in SWEEP_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.executemany(
        "UPDATE sla_timers SET state = 'running', breached_at = NULL, warned_at = NULL, steps_fired = 0, "
        "snoozed_until = NULL, snoozed_by = NULL, stopped_at = NULL, elapsed_seconds = NULL, "
        "next_at = ?, due_at = ?, started_at = ? WHERE id = ?",
        [(stamp(60 + k), stamp(60 + k), stamp(60 + k + TARGET.total_seconds()), i) for k, i in enumerate(ids)],
    )
    conn.execute("COMMIT")


def query_plan(conn: sqlite3.Connection, sql: str, params: Any) -> list[str]:
    return [str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


# --- measuring -------------------------------------------------------------------------------------------------


def statement_kind(sql: str) -> str:
    words = " ".join(sql.split()).split(" ")
    verb = words[0].upper()
    if verb == "SELECT":
        tables = [words[k + 1] for k, w in enumerate(words[:-1]) if w.upper() in ("FROM", "JOIN")]
        return f"SELECT {'+'.join(dict.fromkeys(tables))}"
    if verb in ("INSERT", "DELETE"):
        return f"{verb} {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    return verb


class SqlLog:
    """Every statement the engine sends, with the time spent in the driver call (aiosqlite: its thread hop)."""

    def __init__(self, db: Database) -> None:
        self.entries: list[tuple[str, Any, float]] = []
        self._started: list[float] = []
        engine = db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn: Any, _cursor: Any, _sql: str, _params: Any, _context: Any, _many: bool) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: bool) -> None:
        self.entries.append((sql, params, (time.perf_counter() - self._started.pop()) * 1000))


def make_service(db: Database) -> SlaService:
    config = parse_config(
        {
            "timezone": "America/Chicago",
            "slack": {"leads_channel": LEADS_CHANNEL},
            "team": {"sales": list(REPS), "managers": [MANAGER], "manager_of": dict.fromkeys(REPS, MANAGER)},
            "sla": {
                "accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]},
                "first_touch": {"target": "24h", "escalate": [{"after": "0s", "notify": "manager"}]},
            },
        }
    )
    clock = ManualClock(NOW)
    team = Team(config, AsyncWebClient(token="xoxb-bench"), clock)  # plain user ids: never calls Slack
    return SlaService(db, team, clock)


def time_baseline(conn: sqlite3.Connection, due: int) -> float:
    started = time.perf_counter()
    rows = conn.execute(BASELINE_SQL, (NAIVE_NOW.isoformat(" ", "microseconds"),)).fetchall()
    elapsed = (time.perf_counter() - started) * 1000
    if len(rows) != due:
        raise RuntimeError(f"the baseline query found {len(rows)} due timers, {due} expected")
    return elapsed


async def measure(path: Path, run: SizeRun, runs: int, progress: Progress, task: TaskID) -> None:
    ids = due_ids(run.leads, run.open, run.due)
    conn = sqlite3.connect(path, isolation_level=None)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        svc = make_service(db)
        sql = SqlLog(db)
        for n in range(runs + 1):  # the first sweep warms the engine up and is reported apart
            rearm(conn, ids)
            gc.collect()  # no collection of the set-up's garbage inside the timed sweep
            baseline = time_baseline(conn, run.due)
            sql.entries.clear()
            started = time.perf_counter()
            report = await svc.sweep()
            elapsed = (time.perf_counter() - started) * 1000
            if report.steps != run.due or report.timers != run.due:
                raise RuntimeError(f"sweep {n}: {report}, expected {run.due} timers and {run.due} steps")
            progress.advance(task)
            if n == 0:
                run.first_sweep_ms = elapsed
                claim = next(e for e in sql.entries if statement_kind(e[0]) == "SELECT sla_timers+leads")
                run.sweep_plan = query_plan(conn, claim[0], claim[1])
                continue
            run.sweep_ms.append(elapsed)
            run.baseline_ms.append(baseline)
            run.steps.append(report.steps)
            run.sql_statements.append(len(sql.entries))
            run.sql_ms.append(sum(e[2] for e in sql.entries))
            kinds: dict[str, float] = {}
            run.statement_counts = {}
            for statement, _params, spent in sql.entries:
                kind = statement_kind(statement)
                kinds[kind] = kinds.get(kind, 0.0) + spent
                run.statement_counts[kind] = run.statement_counts.get(kind, 0) + 1
            for kind, spent in kinds.items():
                run.by_statement.setdefault(kind, []).append(spent)
        run.baseline_plan = query_plan(conn, BASELINE_SQL, (NAIVE_NOW.isoformat(" ", "microseconds"),))
        rearm(conn, ids)  # leave the database as loaded
    finally:
        await db.dispose()
        conn.close()


async def bench_size(leads: int, plan: Plan, workdir: Path, progress: Progress) -> SizeRun:
    run = SizeRun(leads=leads, open=plan.open, due=plan.due)
    path = cache.database("sla", leads, __file__) if plan.cache else workdir / f"sla-{leads}.db"
    started = time.perf_counter()
    setup = cache.recorded(path) if plan.cache else None
    if setup is None:
        cache.forget(path)
        await asyncio.to_thread(remove, path)
        task = progress.add_task(f"{leads:,} leads: schema", total=None)
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.prepare()
        await db.dispose()
        progress.update(task, description=f"{leads:,} leads: bulk load (leads + timers)", total=leads, completed=0)
        await asyncio.to_thread(load, path, leads, plan.open, lambda n: progress.advance(task, n))
        run.setup_seconds = time.perf_counter() - started
        if plan.cache:
            cache.record(path, run.setup_seconds)
    else:
        run.setup_seconds, run.reused = setup.seconds, setup.made
    run.db_mb = path.stat().st_size / 1e6
    task = progress.add_task(f"{leads:,} leads: 1 warm-up + {plan.runs} measured sweeps", total=plan.runs + 1)
    await measure(path, run, plan.runs, progress, task)
    if not plan.cache:
        await asyncio.to_thread(remove, path)  # the big file need not wait for the end of the run
    return run


# --- report ----------------------------------------------------------------------------------------------------

HEAD = ["leads", "closed", "sweep p50 ms", "min–max ms", "SQL ms", "query p50 ms", "sweep/query", "verdict"]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "GAP"


def rows(big: SizeRun, small: SizeRun) -> list[list[str]]:
    table = [
        [
            f"{run.leads:,}",
            f"{run.closed:,}",
            ms(run.sweep_median),
            f"{min(run.sweep_ms):.1f}–{max(run.sweep_ms):.1f}",
            f"{statistics.median(run.sql_ms):.1f}",
            f"{run.baseline_median:.3f}",
            f"{run.sweep_median / run.baseline_median:.0f}x",
            verdict(run.sweep_median < TARGET_MS) if run is big else "",
        ]
        for run in (big, small)
    ]
    growth = big.sweep_median / small.sweep_median
    table.append(
        [
            "big/small",
            f"{big.closed / small.closed:.1f}x" if small.closed else "—",
            f"{growth:.2f}x",
            "",
            f"{statistics.median(big.sql_ms) / statistics.median(small.sql_ms):.2f}x",
            f"{big.baseline_median / small.baseline_median:.2f}x",
            "",
            verdict(growth <= GROWTH_LIMIT),
        ]
    )
    return table


def breakdown(run: SizeRun) -> str:
    parts = sorted(((statistics.median(v), k) for k, v in run.by_statement.items()), reverse=True)
    return ", ".join(f"{k} ×{run.statement_counts[k]} {v:.1f} ms" for v, k in parts[:5])


def notes(big: SizeRun, small: SizeRun, seconds: float) -> list[str]:
    lines = [
        f"Verdicts: the {big.leads:,}-lead sweep passes when its median is under {TARGET_MS:g} ms; `big/small` "
        f"passes when the big database's median is within {GROWTH_LIMIT:g}x of the small one's.",
        "`query`: the baseline, one hand-written `SELECT t.*, l.* FROM sla_timers t JOIN leads l ON l.id = "
        "t.lead_id WHERE t.next_at IS NOT NULL AND t.next_at <= ? ORDER BY t.next_at, t.id LIMIT 500` through "
        "stdlib sqlite3 (fetchall), timed just before each measured sweep.",
        "`SQL ms`: time inside the driver calls the engine made during one sweep (median; aiosqlite runs each in "
        "its thread); the rest of a sweep is Python (ORM, grouping) and event-loop hops.",
    ]
    for run in (big, small):
        each = ", ".join(f"{v:.1f}" for v in run.sweep_ms)
        made = f" (reused from the cache, generated {run.reused})" if run.reused else ""
        lines.append(
            f"{run.label}: set-up {run.setup_seconds:.0f} s{made}, database {run.db_mb:.0f} MB; first sweep on a fresh "
            f"engine {run.first_sweep_ms:.1f} ms (not counted); measured sweeps {each} "
            f"ms with {run.steps} steps; "
            f"{sum(run.statement_counts.values())} statements per sweep, the costliest (driver ms, median): "
            f"{breakdown(run)}"
        )
    lines.append(f"Query plan of the sweep's claim (as SQLAlchemy sent it): {' / '.join(big.sweep_plan)}")
    lines.append(f"Query plan of the baseline query: {' / '.join(big.baseline_plan)}")
    if (small.sweep_plan, small.baseline_plan) != (big.sweep_plan, big.baseline_plan):
        lines.append(f"The small database planned differently: {small.sweep_plan}; {small.baseline_plan}")
    lines.append(f"Total run {seconds:.0f} s.")
    return lines


def summary(big: SizeRun, small: SizeRun) -> list[Row]:
    growth = big.sweep_median / small.sweep_median
    return [
        Row(f"SLA sweep, {big.due} due steps, {big.leads:,} leads", f"{ms(big.sweep_median)} ms",
            f"{big.baseline_median:.2f} ms one SELECT", f"{big.sweep_median / big.baseline_median:.0f}x",
            f"< {TARGET_MS:g} ms", verdict(big.sweep_median < TARGET_MS)),
        Row(f"SLA sweep growth, {big.leads:,} against {small.leads:,} leads", f"{growth:.2f}x", "", "",
            f"≤ {GROWTH_LIMIT:g}x", verdict(growth <= GROWTH_LIMIT)),
    ]  # fmt: skip


def section(big: SizeRun, small: SizeRun, plan: Plan, console: Console, seconds: float, load: float) -> Section:
    table = rows(big, small)
    lines = notes(big, small, seconds)
    console.print(rich_table(f"SLA sweep finding {plan.due} due steps, median of {plan.runs} (ms)", HEAD, table))
    for line in lines:
        console.print(f"• {line}", markup=False)
    body = [
        f"- Requirement: with 1,000,000 leads in SQLite of which 10,000 are open, one SLA sweep that finds 100 "
        f"due steps completes in under {TARGET_MS:g} ms (median of 5), and its cost does not grow with the "
        "number of closed leads.",
        f"- Data: {plan.open:,} open leads (stage `mql`, running accept timer due later) in both databases, the "
        "rest closed (`sal`/`rejected`, one stopped accept timer each, `next_at` NULL); bulk-loaded with stdlib "
        f"sqlite3 (SQLite {sqlite3.sqlite_version}) into a schema made by `Database.prepare()`. Before every sweep "
        f"(untimed) the same {plan.due} timers are made due again (`next_at = due_at = now - 1 min`) and the "
        "previous sweep's notices, items, outbox rows and timeline events are deleted. Each sweep is `await "
        "SlaService.sweep()` (batch 500) with one escalation step `after 0s -> manager`: 100 steps grouped into one "
        "DM.",
        "",
        markdown_table(HEAD, table),
        "",
        *[f"- {line}" for line in lines],
        "",
    ]
    return Section("sla", "SLA sweep", summary(big, small), body, seconds, (load, load_average()))


# --- entry point -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench sla", description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, help="leads in the big database (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="a short run: 100,000 leads against 20,000")
    parser.add_argument("--small", type=int, help="leads in the small database (default a tenth of --leads)")
    parser.add_argument("--cache", action="store_true", help="keep the databases, and reuse them (bench/cache.py)")
    args = parser.parse_args(argv)
    leads = args.leads or (100_000 if args.quick else 1_000_000)
    plan = make_plan(leads, args.small or max(leads // (5 if args.quick else 10), 10_000), cache=args.cache)
    if min(plan.leads, plan.small) < plan.open:
        parser.error(f"both databases need at least the {plan.open:,} open leads")
    return plan


def make_plan(leads: int, small: int, *, cache: bool, runs: int = 5) -> Plan:
    return Plan(leads=leads, small=small, open=10_000, due=100, runs=runs, cache=cache)


def plan_for(size: str, *, cache: bool) -> Plan:
    """The suite's plan: 1,000,000 against 100,000 leads; `quick` 100,000 against 20,000; `tiny` the least."""
    leads, small = {"full": (1_000_000, 100_000), "quick": (100_000, 20_000), "tiny": (12_000, 10_000)}[size]
    return make_plan(leads, small, cache=cache, runs=2 if size == "tiny" else 5)


async def run_all(plan: Plan, console: Console) -> tuple[SizeRun, SizeRun]:
    with tempfile.TemporaryDirectory(prefix="handoff-sla-") as tmp, progress_bar(console) as progress:
        big = await bench_size(plan.leads, plan, Path(tmp), progress)
        small = await bench_size(plan.small, plan, Path(tmp), progress)
    return big, small


def run(plan: Plan, console: Console) -> Section:
    console.print(
        f"SLA sweep: {plan.leads:,} leads against {plan.small:,}, {plan.open:,} open and {plan.due} due in both; "
        f"median of {plan.runs} sweeps"
    )
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    big, small = asyncio.run(run_all(plan, console))
    return section(big, small, plan, console, time.perf_counter() - started, load_before)


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("sla", lambda console: run(plan, console))


if __name__ == "__main__":
    raise SystemExit(main())
