"""`/funnel this quarter by source` on a big SQLite database: the report, from the rollup, against one SQL query.

The requirement: with 1,000,000 leads and their events in SQLite, `/funnel this quarter by source` is computed in
under 1 s (median of 5), measured against a single hand-written SQL query over the same data (target: within 1.5x);
the chart renders in under 300 ms. The database is made with `Database.prepare()` (the real schema, through Alembic)
and filled with stdlib sqlite3 in one transaction: leads received evenly over the two years up to now, with a
realistic funnel (sources, campaigns, scores, decisions, reject reasons, later steps and amounts), their timeline
events, one accept SLA timer each and monthly spend per source; then /funnel's rollup is built from it with
`storage.rollups.rebuild` (what `handoff db rebuild-rollups` runs; the bulk load bypasses the app's write paths, which
keep it current). Each measured report is `await Metrics.report(query)` for `parse_funnel("this quarter by source",
today)`, as `/funnel` runs it, reading the rollup; the baseline is one GROUP BY source query through stdlib sqlite3
computing the per-source counts and sums of the same cohort, timed in the same runs, and the same report computed by
the full scan of the leads (`Metrics(full_scan=True)`, what /funnel did before the rollup) is timed too and must show
exactly the same message. Every statement the report sends is then timed alone (through the app and replayed through
stdlib sqlite3), and when the ratio misses one report is profiled with cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import cProfile
import gc
import io
import json
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

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
from bench.sla_sweep import SqlLog, flush_to_disk, query_plan, remove, statement_kind, verdict
from bot.clock import ManualClock
from bot.config.team_file import HandoffConfig, parse_config
from bot.reports.metrics import FunnelReport, Metrics
from bot.reports.periods import FunnelQuery, Period, parse_funnel
from bot.views.funnel import funnel_png, funnel_view, stage_counts
from message_templates import Renderer
from storage import metrics as scan_queries
from storage import rollup_metrics as queries
from storage import rollups
from storage.db import Database

COMMAND = "this quarter by source"
TARGET_MS = 1000.0  # the report at 1,000,000 leads, median of 5
RATIO_LIMIT = 1.5  # the report's median within 1.5x of the hand-written query's
CHART_MS = 300.0  # funnel_png, median of 5
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago
NAIVE_NOW = NOW.replace(tzinfo=None)
TIMEZONE = "America/Chicago"
SPAN_DAYS = 730  # leads arrive evenly over the two years up to now
ACCEPT_TARGET = 1800  # the accept clock: 30 minutes
LEADS_CHANNEL = "C0LEADS001"
MANAGER = "U0MGR00001"
REPS = tuple(f"U0REP{i:05d}" for i in range(1, 21))
SOURCES = (  # (source, share of MQLs)
    ("webinar", 0.20), ("paid_search", 0.18), ("content", 0.14), ("paid_social", 0.12), ("events", 0.10),
    ("organic", 0.10), ("partner", 0.08), ("email", 0.08),
)  # fmt: skip
SOURCE_NAMES = tuple(s for s, _ in SOURCES)
SOURCE_EDGES = [sum(w for _, w in SOURCES[: k + 1]) for k in range(len(SOURCES))]
CAMPAIGNS = {s: tuple(f"{s}-{k:02d}" for k in range(1, 6)) for s in SOURCE_NAMES}  # 40 campaigns
REASONS = (
    "Not our ICP / bad fit", "No budget or authority", "Student, competitor or personal", "Bad contact data",
    "Duplicate or already in pipeline", "Not ready — recycle to nurture",
)  # fmt: skip
REASON_DATA = {r: json.dumps({"reason": r, "note": None}) for r in REASONS}
CHUNK = 10_000
MONTHLY_MQL_TARGET = 40_000

SECOND = 1_000_000  # times are kept as integer microseconds since the Unix epoch while generating
DAY = 86_400 * SECOND
EPOCH = datetime(1970, 1, 1)
NOW_US = int((NAIVE_NOW - EPOCH).total_seconds()) * SECOND
START_US = NOW_US - SPAN_DAYS * DAY

LEAD_COLUMNS = (
    "id, external_id, email, name, company, title, source, campaign, score, activity, stage, owner, received_at, "
    "posted_at, decided_at, decided_by, reject_reason, reject_note, slack_channel, slack_ts, version, contacted_at, "
    "sql_at, opportunity_at, won_at, lost_at, recycled_at, lost_reason, amount_cents"
)
TIMER_COLUMNS = (
    "id, lead_id, clock, owner, business_hours, target_seconds, started_at, warn_at, due_at, state, warned_at, "
    "breached_at, steps_fired, snoozed_until, snoozed_by, next_at, stopped_at, elapsed_seconds"
)
EVENT_COLUMNS = "lead_id, kind, actor, at, data"

# The baseline: the per-source counts and sums of the quarter's cohort, written by hand, in one statement.
BASELINE_SQL = """
SELECT COALESCE(source, 'unknown') AS source,
       COUNT(*) AS mqls,
       SUM(decided_at IS NOT NULL AND reject_reason IS NULL) AS accepted,
       COUNT(reject_reason) AS rejected,
       SUM(COALESCE(sql_at, opportunity_at, won_at) IS NOT NULL) AS sqls,
       SUM(COALESCE(opportunity_at, won_at) IS NOT NULL) AS opportunities,
       COUNT(won_at) AS won,
       TOTAL(CASE WHEN won_at IS NOT NULL THEN amount_cents END) AS won_cents,
       TOTAL(CASE WHEN COALESCE(opportunity_at, won_at) IS NOT NULL THEN amount_cents END) AS pipeline_cents
FROM leads
WHERE received_at >= ? AND received_at < ?
GROUP BY 1
"""
CHECKED = ("mqls", "accepted", "rejected", "sqls", "opportunities", "won", "won_cents", "pipeline_cents")


@dataclass(frozen=True)
class Plan:
    leads: int
    runs: int
    db: Path | None  # keep (or reuse) the database here instead of a temporary directory
    profile: bool  # profile one report even when the ratio is met


@dataclass
class Statement:
    label: str  # which query function, for which period
    rows: int
    app_ms: float  # the storage.metrics function in its own session, median of 3
    sqlite_ms: float  # the same SQL and parameters through stdlib sqlite3 (fetchall), median of 3
    plan: list[str]


@dataclass
class Run:
    leads: int
    setup_seconds: float = 0.0
    db_mb: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # table: row count
    cohort: int = 0  # leads received this quarter
    previous_cohort: int = 0
    period: str = ""
    previous: str = ""
    first_report_ms: float = 0.0  # the warm-up report: a fresh engine
    report_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    full_scan_ms: list[float] = field(default_factory=list)  # the same report from the leads (no rollup)
    same_as_full_scan: str = ""
    rollup_seconds: float = 0.0  # building the rollup after the bulk load (part of the set-up)
    rollup_rows: dict[str, int] = field(default_factory=dict)
    sql_ms: list[float] = field(default_factory=list)  # driver time per report
    statements: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # statement verb: how many per report
    baseline_plan: list[str] = field(default_factory=list)
    check: str = ""
    first_chart_ms: float = 0.0
    chart_ms: list[float] = field(default_factory=list)
    chart_kb: float = 0.0
    render_ms: list[float] = field(default_factory=list)
    blocks: int = 0
    breakdown: list[Statement] = field(default_factory=list)
    reused: bool = False  # the database was already there (--db, or the suite's cache)
    made: str = ""  # when a reused database was generated, if recorded
    profile: list[str] = field(default_factory=list)  # pstats lines
    profile_ms: float = 0.0
    profile_summary: list[str] = field(default_factory=list)

    @property
    def report_median(self) -> float:
        return statistics.median(self.report_ms)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline_ms)

    @property
    def ratio(self) -> float:
        return self.report_median / self.baseline_median

    @property
    def full_scan_median(self) -> float:
        return statistics.median(self.full_scan_ms)


# --- data ------------------------------------------------------------------------------------------------------

_day_text: dict[int, str] = {}


def stamp(us: int) -> str:
    """A naive UTC DATETIME string exactly as SQLAlchemy writes one on SQLite ("2026-11-23 15:00:00.000000")."""
    day, rest = divmod(us, DAY)
    text = _day_text.get(day)
    if text is None:
        text = _day_text[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    seconds, micro = divmod(rest, SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{text} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}"


def maybe(us: int | None) -> str | None:
    return None if us is None else stamp(us)


Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]  # leads, timers, events


def chunk_rows(first: int, last: int, total: int) -> Rows:
    """Leads `first`..`last` (1-based ids, in order of arrival) of `total` received evenly over SPAN_DAYS up to now,
    with their accept timer and their timeline. About 70% are decided, 75% of those accepted; of the accepted about
    60% contacted, 30% SQL, 15% opportunity (with an amount), 5% won and 5% lost. A step that would fall after now
    has not happened yet (the lead stops before it)."""
    rng = random.Random(first)
    r, expo = rng.random, rng.expovariate
    slot = SPAN_DAYS * DAY / total
    leads: list[tuple[Any, ...]] = []
    timers: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for i in range(first, last + 1):
        received = START_US + int((i - 1 + r()) * slot)  # one arrival per slot: ids follow received_at
        source = SOURCE_NAMES[min(bisect.bisect(SOURCE_EDGES, r()), len(SOURCES) - 1)]
        campaign = None if r() < 0.04 else CAMPAIGNS[source][int(r() * 5)]
        score = None if r() < 0.05 else int(r() * 100)
        posted = min(received + int((2 + 6 * r()) * SECOND), NOW_US)
        rep = REPS[int(r() * len(REPS))]
        decided: int | None = posted + int(expo(1 / 1500) * SECOND)  # mean 25 min from the post
        if r() >= 0.70 or decided > NOW_US:
            decided = None
        accepted = decided is not None and r() < 0.75
        reason = REASONS[int(r() * len(REASONS))] if decided is not None and not accepted else None
        contacted = sql = opportunity = won = lost = amount = None
        decided_at = maybe(decided)
        stage = "mql" if decided is None else "sal" if accepted else "rejected"
        if accepted:
            assert decided is not None
            u = r()  # one draw for the whole path, so every later step is a subset of the one before
            at = decided
            if u < 0.60:
                at += int(expo(1 / 21_600) * SECOND)  # first contact: mean 6 h after the accept
                contacted = at if at <= NOW_US else None
            if contacted is not None and u < 0.30:
                at += int(expo(1 / 432_000) * SECOND)  # SQL: mean 5 days later
                sql = at if at <= NOW_US else None
                stage = "sql" if sql is not None else stage
            if sql is not None and u < 0.15:
                at += int(expo(1 / 864_000) * SECOND)  # opportunity: mean 10 days later
                if at <= NOW_US:
                    opportunity, amount, stage = at, int(5_000 + 95_000 * r()) * 100, "opportunity"
            if opportunity is not None and u < 0.10:
                at += int(expo(1 / 2_592_000) * SECOND)  # closed: mean 30 days later
                if at <= NOW_US and u < 0.05:
                    won, stage = at, "won"
                elif at <= NOW_US:
                    lost, stage = at, "lost"
        leads.append((
            i, f"bench-{i:07d}", f"buyer{i}@example.com", f"Dana Buyer {i}", f"Acme {i % 997}", "VP Operations",
            source, campaign, score, "[]", stage, rep if accepted else None, stamp(received), stamp(posted),
            decided_at, rep if decided is not None else None, reason, None, LEADS_CHANNEL,
            f"{1_700_000_000 + i}.000100", 2 if decided is not None else 1, maybe(contacted), maybe(sql),
            maybe(opportunity), maybe(won), maybe(lost), None, "Went with a competitor" if lost else None, amount,
        ))  # fmt: skip
        due = posted + ACCEPT_TARGET * SECOND
        if decided is not None:
            waited = (decided - posted) // SECOND
            state = "met" if waited <= ACCEPT_TARGET else "missed"
            stopped, elapsed, next_at = decided_at, waited, None
        else:
            state = "breached" if due <= NOW_US else "running"  # never decided: the clock is still on
            stopped, elapsed, next_at = None, None, None if state == "breached" else stamp(due)
        breached = stamp(due) if state in ("missed", "breached") else None
        timers.append((
            i, i, "accept", None, 0, ACCEPT_TARGET, stamp(posted), None, stamp(due), state, None, breached,
            1 if breached else 0, None, None, next_at, stopped, elapsed,
        ))  # fmt: skip
        events.append((i, "mql_received", None, stamp(received), '{"source": "bench"}'))
        events.append((i, "posted", None, stamp(posted), f'{{"channel": "{LEADS_CHANNEL}"}}'))
        if accepted:
            events.append((i, "accepted", rep, decided_at, "{}"))
        elif reason is not None:
            events.append((i, "rejected", rep, decided_at, REASON_DATA[reason]))
        if contacted is not None:
            events.append((i, "contacted", rep, stamp(contacted), "{}"))
    return leads, timers, events


def spend_rows() -> list[tuple[Any, ...]]:
    """One row per month and source (the table's key) from the first month of data to this one."""
    rng = random.Random(7)
    month = (EPOCH + timedelta(microseconds=START_US)).date().replace(day=1)
    rows = []
    while month <= NAIVE_NOW.date():
        for source in SOURCE_NAMES:
            cents = int(20_000 + 180_000 * rng.random()) * 100
            rows.append((month.isoformat(), source, cents, stamp(NOW_US - 30 * DAY), "U0MKT00001"))
        month = (month + timedelta(days=32)).replace(day=1)
    return rows


def chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(1, total + 1, CHUNK):
        yield start, min(start + CHUNK - 1, total)


def load(path: Path, leads: int, advance: Callable[[int], None]) -> None:
    """Bulk-load everything in one transaction, in id order (the time indexes are appended to)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")  # a fresh file: nothing to roll back to; WAL again after the load
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1048576")  # 1 GiB: keeps the indexes in memory while they grow
        conn.execute("BEGIN")
        for first, last in chunks(leads):
            lead_rows, timer_rows, event_rows = chunk_rows(first, last, leads)
            conn.executemany(f"INSERT INTO leads ({LEAD_COLUMNS}) VALUES ({', '.join('?' * 29)})", lead_rows)
            conn.executemany(f"INSERT INTO sla_timers ({TIMER_COLUMNS}) VALUES ({', '.join('?' * 18)})", timer_rows)
            conn.executemany(f"INSERT INTO lead_events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)", event_rows)
            advance(len(lead_rows))
        conn.executemany(
            "INSERT INTO spend (month, source, amount_cents, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)",
            spend_rows(),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")  # as the app keeps it
    finally:
        conn.close()
    flush_to_disk(path)


def loaded_leads(path: Path) -> int:
    """How many leads an existing database holds (0 if it is not one of ours)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM leads").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


# --- measuring -------------------------------------------------------------------------------------------------


def make_config() -> HandoffConfig:
    return parse_config(
        {
            "timezone": TIMEZONE,
            "slack": {"leads_channel": LEADS_CHANNEL},
            "team": {"sales": list(REPS), "managers": [MANAGER], "manager_of": dict.fromkeys(REPS, MANAGER)},
            "sla": {"accept": {"target": "30m"}, "mql_volume": {"monthly_target": MONTHLY_MQL_TARGET}},
        }
    )


def bounds(period: Period, config: HandoffConfig) -> tuple[str, str]:
    """The period's UTC bounds as the strings the database compares (what SQLAlchemy binds)."""
    start, end = period.bounds(config.tz)
    return (start.replace(tzinfo=None).isoformat(" ", "microseconds"),
            end.replace(tzinfo=None).isoformat(" ", "microseconds"))  # fmt: skip


def time_baseline(conn: sqlite3.Connection, params: tuple[str, str]) -> tuple[float, list[tuple[Any, ...]]]:
    started = time.perf_counter()
    rows = conn.execute(BASELINE_SQL, params).fetchall()
    return (time.perf_counter() - started) * 1000, rows


def check(report: FunnelReport, rows: list[tuple[Any, ...]]) -> str:
    """The report's per-source figures must equal the hand-written query's: same cohort, same definitions."""
    mine = {g.group: tuple(int(getattr(g, name)) for name in CHECKED) for g in report.groups}
    theirs = {str(r[0]): tuple(int(v) for v in r[1:]) for r in rows}
    if mine != theirs:
        return f"MISMATCH: report {mine} against query {theirs}"
    return (
        f"ok: the report's {', '.join(CHECKED)} equal the query's for all {len(theirs)} sources "
        f"({sum(v[0] for v in theirs.values()):,} MQLs)"
    )


def same_as_full_scan(report: FunnelReport, scanned: FunnelReport) -> str:
    """The rollup's report must show exactly what the full scan's shows: every line of the message."""
    mine, theirs = funnel_view(report, image_file_id=None), funnel_view(scanned, image_file_id=None)
    if mine != theirs:
        return f"MISMATCH: rollup {mine} against full scan {theirs}"
    return f"ok: the message from the rollup equals the full scan's, line for line ({len(mine.groups)} sources)"


def statement_specs(
    query: FunnelQuery, config: HandoffConfig
) -> list[tuple[str, Callable[[AsyncSession], Awaitable[Any]]]]:
    """The statements `Metrics.report` sends for this query, one query function each, in its order."""
    specs: list[tuple[str, Callable[[AsyncSession], Awaitable[Any]]]] = []
    period, dimension = query.period, query.dimension
    start, end = period.bounds(config.tz)
    by = f"by {dimension}" if dimension else "total"
    kw: dict[str, Any] = {"start": start, "end": end, "dimension": dimension}
    for label, fn in (("counts", queries.counts), ("reject_reasons", queries.reject_reasons),
                      ("sla_states", queries.sla_states)):  # fmt: skip
        specs.append((f"{label} (quarter, {by})", lambda s, fn=fn, kw=kw: fn(session=s, **kw)))
    first, last = period.start.replace(day=1), (period.end - timedelta(days=1)).replace(day=1)
    specs.append(("spend_between (quarter)", lambda s, a=first, b=last: scan_queries.spend_between(
        session=s, first_month=a, last_month=b)))  # fmt: skip
    for which in ("accept", "contact"):
        specs.append((f"duration_percentiles ({which}, quarter)", lambda s, w=which: queries.duration_percentiles(
            session=s, start=start, end=end, which=w)))  # fmt: skip
    specs.append(("repeat_mqls (quarter)", lambda s: queries.repeat_mqls(session=s, start=start, end=end)))
    p_start, p_end = period.previous().bounds(config.tz)
    specs.append(("counts (previous, total)", lambda s: queries.counts(
        session=s, start=p_start, end=p_end, dimension=None)))  # fmt: skip
    return specs


def median_of(times: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    spent, result = [], None
    for _ in range(times):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), result


async def breakdown(db: Database, log: SqlLog, conn: sqlite3.Connection, query: FunnelQuery,
                    config: HandoffConfig, advance: Callable[[], None]) -> list[Statement]:  # fmt: skip
    out = []
    for label, call in statement_specs(query, config):
        spent, result = [], None
        for _ in range(3):
            gc.collect()
            log.entries.clear()
            started = time.perf_counter()
            async with db.session() as session:
                result = await call(session)
            spent.append((time.perf_counter() - started) * 1000)
        # every query the function sent (the percentiles send two: the buckets, then the exact seconds of some)
        sent = [(e[0], e[1]) for e in log.entries if e[0].lstrip().upper().startswith(("SELECT", "WITH"))]
        raw = sum(median_of(3, lambda sql=sql, params=params: conn.execute(sql, params).fetchall())[0]
                  for sql, params in sent)  # fmt: skip
        plan = [step for sql, params in sent for step in [*query_plan(conn, sql, params), "·"]][:-1]
        rows = len(result) if isinstance(result, list) else 0
        out.append(Statement(label, rows, statistics.median(spent), raw, plan))
        advance()
    return out


async def profile_report(metrics: Metrics, query: FunnelQuery, run: Run) -> None:
    """cProfile one report. It sees the event loop's thread only: SQLite runs in aiosqlite's worker thread and shows
    up here as time waiting for it (`select`/`_run_once`)."""
    gc.collect()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    await metrics.report(query)
    profiler.disable()
    run.profile_ms = (time.perf_counter() - started) * 1000
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(30)
    run.profile += ["## sorted by cumulative time", *text.getvalue().strip().splitlines()]
    text.seek(0)
    text.truncate()
    stats.sort_stats("tottime").print_stats(20)
    run.profile += ["", "## sorted by own time", *text.getvalue().strip().splitlines()]
    run.profile_summary = profile_summary(stats, run.profile_ms)


def owner_of(file: str, name: str) -> str:
    """Which part of the stack a profiled function belongs to."""
    if name == "<method 'poll' of 'select.epoll' objects>":
        return "event loop idle: waiting for aiosqlite's worker thread (SQLite executing and fetching)"
    for marker, part in (
        (
            "bot/reports/metrics.py",
            "bot/reports/metrics.py (Metrics.groups: building GroupMetrics, the per-row duration loop)",
        ),
        ("storage/metrics.py", "storage/metrics.py (query building, the functions' list comprehensions)"),
        ("site-packages/sqlalchemy/", "SQLAlchemy (statement compile/cache, session, ORM result rows)"),
        ("site-packages/aiosqlite/", "aiosqlite (queueing calls to its thread, futures)"),
        ("site-packages/greenlet", "greenlet switches"),
        ("/asyncio/", "asyncio event loop"),
    ):
        if marker in file:
            return part
    return "builtins and the rest (round, max, list.append, ...)"


def profile_summary(stats: pstats.Stats, wall_ms: float) -> list[str]:
    """Own time per part of the stack, largest first (coroutine 'calls' count resumptions, so no call counts)."""
    parts: dict[str, float] = {}
    for (file, _line, name), (_cc, _calls, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        part = owner_of(file, name)
        parts[part] = parts.get(part, 0.0) + own * 1000
    total = sum(parts.values())
    out = [f"profiled report: {wall_ms:.0f} ms wall, {total:.0f} ms accounted on the event loop's thread"]
    out += [f"{ms:.0f} ms ({ms / total:.0%}) {part}" for part, ms in sorted(parts.items(), key=lambda kv: -kv[1])]
    return out


async def measure(path: Path, run: Run, plan: Plan, progress: Progress) -> None:
    config = make_config()
    conn = sqlite3.connect(path, isolation_level=None)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        metrics = Metrics(db, config, ManualClock(NOW))
        full_scan = Metrics(db, config, ManualClock(NOW), full_scan=True)
        query = parse_funnel(COMMAND, metrics.today())
        before = query.period.previous()
        quarter, previous = bounds(query.period, config), bounds(before, config)
        run.period = f"{query.period.label}: {query.period.span()} ({TIMEZONE}), UTC [{quarter[0]}, {quarter[1]})"
        run.previous = f"{before.label}: {before.span()}, UTC [{previous[0]}, {previous[1]})"
        count = "SELECT COUNT(*) FROM leads WHERE received_at >= ? AND received_at < ?"
        run.cohort = conn.execute(count, quarter).fetchone()[0]
        run.previous_cohort = conn.execute(count, previous).fetchone()[0]
        for table in ("leads", "lead_events", "sla_timers", "spend"):
            run.rows[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for model in rollups.TABLES:
            name = str(model.__tablename__)
            run.rollup_rows[name] = conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
        log = SqlLog(db)
        task = progress.add_task(f"report: 1 warm-up + {plan.runs} measured", total=plan.runs + 1)
        report = None
        for n in range(plan.runs + 1):  # the first report warms the engine up and is reported apart
            gc.collect()  # no collection of earlier garbage inside a timed call
            baseline, rows = time_baseline(conn, quarter)
            gc.collect()
            log.entries.clear()
            started = time.perf_counter()
            report = await metrics.report(query)
            elapsed = (time.perf_counter() - started) * 1000
            progress.advance(task)
            gc.collect()
            started = time.perf_counter()
            scanned = await full_scan.report(query)
            scan_ms = (time.perf_counter() - started) * 1000
            if n == 0:
                run.first_report_ms = elapsed
                run.check = check(report, rows)
                run.same_as_full_scan = same_as_full_scan(report, scanned)
                continue
            run.full_scan_ms.append(scan_ms)
            run.report_ms.append(elapsed)
            run.baseline_ms.append(baseline)
            run.sql_ms.append(sum(e[2] for e in log.entries))
            run.statements = len(log.entries)
            run.kinds = dict(Counter(statement_kind(e[0]).split(" ")[0] for e in log.entries))
        assert report is not None
        run.baseline_plan = query_plan(conn, BASELINE_SQL, quarter)

        task = progress.add_task(f"chart and message: 1 warm-up + {plan.runs} each", total=2 * (plan.runs + 1))
        counts, title = stage_counts(report.total), f"Funnel — {query.period.label}"
        started = time.perf_counter()
        png = funnel_png(counts, title)
        run.first_chart_ms = (time.perf_counter() - started) * 1000
        run.chart_kb = len(png) / 1024
        progress.advance(task)
        for _ in range(plan.runs):
            run.chart_ms.append(median_of(1, lambda: funnel_png(counts, title))[0])
            progress.advance(task)
        renderer = Renderer()

        def message() -> dict[str, Any]:
            return renderer.render("ephemeral/funnel.json.j2", view=funnel_view(report, image_file_id="F0BENCH01"))

        run.blocks = len(message()["blocks"])
        progress.advance(task)
        for _ in range(plan.runs):
            run.render_ms.append(median_of(1, message)[0])
            progress.advance(task)

        specs = statement_specs(query, config)
        task = progress.add_task("each statement alone (app, then stdlib sqlite3)", total=len(specs))
        run.breakdown = await breakdown(db, log, conn, query, config, lambda: progress.advance(task))
        if plan.profile or run.ratio > RATIO_LIMIT:
            task = progress.add_task("cProfile of one report", total=1)
            await profile_report(metrics, query, run)
            progress.advance(task)
    finally:
        await db.dispose()
        conn.close()


async def build_rollup(path: Path) -> None:
    """What `handoff db rebuild-rollups` does: one transaction that counts every lead and clock into the rollup."""
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session(wait=60) as session:
            await rollups.rebuild(session=session)
    finally:
        await db.dispose()
    flush_to_disk(path)


async def bench(plan: Plan, workdir: Path, progress: Progress) -> Run:
    run = Run(leads=plan.leads)
    path = plan.db or workdir / f"funnel-{plan.leads}.db"
    started = time.perf_counter()
    run.reused = loaded_leads(path) == plan.leads
    if run.reused and (setup := cache.recorded(path)) is not None:
        run.setup_seconds, run.made = setup.seconds, setup.made
    if not run.reused:
        cache.forget(path)
        await asyncio.to_thread(remove, path)
        task = progress.add_task(f"{plan.leads:,} leads: schema", total=None)
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.prepare()
        await db.dispose()
        description = f"{plan.leads:,} leads: bulk load (leads, timers, events, spend)"
        progress.update(task, description=description, total=plan.leads, completed=0)
        await asyncio.to_thread(load, path, plan.leads, lambda n: progress.advance(task, n))
        progress.update(task, description=f"{plan.leads:,} leads: rollup (storage.rollups.rebuild)", total=None)
        built = time.perf_counter()
        await build_rollup(path)
        run.rollup_seconds = time.perf_counter() - built
        run.setup_seconds = time.perf_counter() - started
        if plan.db is not None:
            cache.record(path, run.setup_seconds)
    run.db_mb = path.stat().st_size / 1e6
    await measure(path, run, plan, progress)
    if plan.db is None:
        await asyncio.to_thread(remove, path)
    return run


# --- report ----------------------------------------------------------------------------------------------------

HEAD = ["what", "p50 ms", "min–max ms", "target", "verdict"]
BREAKDOWN_HEAD = ["statement", "rows", "app ms", "sqlite3 ms", "app − sqlite3", "query plan"]


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}"


def rows(run: Run) -> list[list[str]]:
    chart, render = statistics.median(run.chart_ms), statistics.median(run.render_ms)
    return [
        ["report (Metrics.report, rollup)", ms(run.report_median), spread(run.report_ms), f"< {TARGET_MS:g} ms",
         verdict(run.report_median < TARGET_MS)],
        ["baseline query", ms(run.baseline_median), spread(run.baseline_ms), "", ""],
        ["report / baseline", f"{run.ratio:.2f}x", "", f"≤ {RATIO_LIMIT:g}x", verdict(run.ratio <= RATIO_LIMIT)],
        ["full scan (no rollup)", ms(run.full_scan_median), spread(run.full_scan_ms), "", ""],
        ["full scan / baseline", f"{run.full_scan_median / run.baseline_median:.2f}x", "", "", ""],
        ["chart (funnel_png)", ms(chart), spread(run.chart_ms), f"< {CHART_MS:g} ms", verdict(chart < CHART_MS)],
        ["message (view+render)", ms(render), spread(run.render_ms), "", ""],
    ]  # fmt: skip


def breakdown_rows(run: Run) -> list[list[str]]:
    out = [
        [s.label, f"{s.rows:,}", f"{s.app_ms:.1f}", f"{s.sqlite_ms:.1f}", f"{s.app_ms - s.sqlite_ms:.1f}",
         " / ".join(s.plan)]
        for s in run.breakdown
    ]  # fmt: skip
    app, raw = sum(s.app_ms for s in run.breakdown), sum(s.sqlite_ms for s in run.breakdown)
    out.append(["sum", "", f"{app:.1f}", f"{raw:.1f}", f"{app - raw:.1f}", ""])
    return out


def notes(run: Run, seconds: float) -> list[str]:
    sql = statistics.median(run.sql_ms)
    lines = [
        f"Cohort: {run.period} holds {run.cohort:,} leads; the period it is compared with ({run.previous}), "
        f"which the report also computes for its ▲/▼, holds {run.previous_cohort:,}.",
        f"Database: {run.rows['leads']:,} leads, {run.rows['lead_events']:,} lead events, {run.rows['sla_timers']:,} "
        f"SLA timers, {run.rows['spend']:,} spend rows; {run.db_mb:,.0f} MB; "
        + (
            f"reused (generated {run.made}, set-up {run.setup_seconds:.0f} s then)."
            if run.made
            else "reused (--db file)."
            if run.reused
            else f"set-up {run.setup_seconds:.0f} s."
        ),
        f"Report: first on a fresh engine {run.first_report_ms:.1f} ms (not counted); measured "
        f"{', '.join(f'{v:.1f}' for v in run.report_ms)} ms; {run.statements} statements per report "
        f"({', '.join(f'{n} {k}' for k, n in run.kinds.items())}), "
        f"{sql:.1f} ms of it inside the driver's execute calls (median; for the row-returning statements the rows "
        "are stepped and fetched after that call, so this undercounts SQLite).",
        f"Baseline: measured {', '.join(f'{v:.1f}' for v in run.baseline_ms)} ms; query plan "
        f"{' / '.join(run.baseline_plan)}.",
        f"Check {run.check}; {run.same_as_full_scan}.",
        f"Rollup: {', '.join(f'{t} {n:,} rows' for t, n in run.rollup_rows.items())}"
        + (
            f"; built from the leads in {run.rollup_seconds:.1f} s (part of the set-up)."
            if run.rollup_seconds
            else " (built during the set-up)."
        ),
        f"Chart: first call {run.first_chart_ms:.1f} ms (not counted), PNG {run.chart_kb:.0f} KB. Message: "
        f"{run.blocks} blocks; the median and p90 are found in the database from the rollup's histogram of whole "
        "seconds (a running total), so only the rows at those ranks come back.",
        *split(run),
        f"Total run {seconds:.0f} s.",
    ]
    return lines


def split(run: Run) -> list[str]:
    """The statements' time (run alone, through the app) by period and by query function."""
    by_period: dict[str, float] = {}
    by_function: dict[str, float] = {}
    for s in run.breakdown:
        function, period = s.label.split(" (")[0], s.label.split("(")[1].split(",")[0].rstrip(")")
        by_period[period] = by_period.get(period, 0.0) + s.app_ms
        by_function[function] = by_function.get(function, 0.0) + s.app_ms
    total = sum(by_period.values()) or 1.0
    return [
        "Statements alone, through the app, by period: "
        + ", ".join(f"{p} {v:.0f} ms ({v / total:.0%})" for p, v in by_period.items())
        + "; by query function: "
        + ", ".join(f"{f} {v:.0f} ms ({v / total:.0%})" for f, v in sorted(by_function.items(), key=lambda kv: -kv[1]))
        + "."
    ]


def summary(run: Run) -> list[Row]:
    chart = statistics.median(run.chart_ms)
    name = f"/funnel {COMMAND}, {run.leads:,} leads"
    return [
        Row(f"{name} (rollup)", f"{ms(run.report_median)} ms", f"{ms(run.baseline_median)} ms one SELECT",
            f"{run.ratio:.2f}x", f"≤ {RATIO_LIMIT:g}x", verdict(run.ratio <= RATIO_LIMIT)),
        Row(f"{name}: time", f"{ms(run.report_median)} ms", "", "", f"< {TARGET_MS:g} ms",
            verdict(run.report_median < TARGET_MS)),
        Row("/funnel chart (PNG)", f"{ms(chart)} ms", "", "", f"< {CHART_MS:g} ms", verdict(chart < CHART_MS)),
    ]  # fmt: skip


def section(run: Run, plan: Plan, console: Console, seconds: float, load: float) -> Section:
    table, parts = rows(run), breakdown_rows(run)
    lines = notes(run, seconds)
    console.print(rich_table(f"/funnel {COMMAND}, {run.leads:,} leads, median of {plan.runs}", HEAD, table))
    console.print(rich_table("Each statement of one report, alone (median of 3, ms)", BREAKDOWN_HEAD[:5],
                             [row[:5] for row in parts]))  # fmt: skip
    for line in lines + run.profile_summary:
        console.print(f"• {line}", markup=False)
    profile: list[str] = []
    if run.profile:
        profile = [
            "### Profile of one report (cProfile)",
            "",
            f"One `Metrics.report` under cProfile took {run.profile_ms:.0f} ms (the profiler slows Python down). "
            "It sees the event loop's thread only: SQLite runs in aiosqlite's worker thread and appears as the "
            "loop waiting (`select`). Own time per part of the stack:",
            "",
            *[f"- {line}" for line in run.profile_summary],
            "",
            "```",
            *run.profile,
            "```",
            "",
        ]
    body = [
        f"- Requirement: with 1,000,000 leads and their events in SQLite, `/funnel {COMMAND}` is computed in "
        f"under {TARGET_MS:g} ms (median of 5), measured against a single hand-written SQL query over the same "
        f"data (target: within {RATIO_LIMIT:g}x). Chart rendering under {CHART_MS:g} ms (matplotlib "
        f"{version('matplotlib')}, SQLite {sqlite3.sqlite_version}).",
        f"- Data: {run.leads:,} leads received evenly over the {SPAN_DAYS} days up to now ({NOW:%Y-%m-%d %H:%M} "
        "UTC), 8 sources, 40 campaigns, scores 0–99; about 70% decided (75% of those accepted, the rest rejected "
        "with one of 6 reasons); of the accepted about 60% contacted, 30% SQL, 15% opportunity with an amount, "
        "5% won, 5% lost (a step that would fall after now has not happened yet, so recent cohorts are less "
        "advanced). Each lead has its timeline (`mql_received`, `posted`, `accepted`/`rejected`, `contacted`) "
        "and one accept SLA timer (met/missed when decided, breached when not); one spend row per month and "
        "source (the table's key). Bulk-loaded with stdlib sqlite3 into a schema made by `Database.prepare()`; "
        "no ANALYZE, as in a real deployment.",
        "- Rollup: after the bulk load, `storage.rollups.rebuild` (what `handoff db rebuild-rollups` runs) counts "
        "every lead and clock into /funnel's rollup: per UTC day × source × campaign × band the counts and sums, "
        "the reject reasons and the SLA clocks by state, and per UTC day an exact histogram of the times to accept "
        "and to first contact. The report reads the whole UTC days of the period from it and the hours at either "
        "end (the period's bounds are Chicago midnights) from the leads.",
        f"- Measured: `await Metrics.report(parse_funnel('{COMMAND}', today))` on one long-lived engine, after "
        "one unmeasured warm-up, each run just after the baseline query, then the same report by the full scan "
        "(`Metrics(full_scan=True)`), which must show the same message; `funnel_png(stage_counts(total), "
        "title)` and `funnel_view` + `Renderer().render('ephemeral/funnel.json.j2')` on the report's result.",
        "- Baseline: one hand-written `SELECT COALESCE(source, 'unknown'), COUNT(*), <accepted>, <rejected>, "
        "<reached SQL>, <reached opportunity>, COUNT(won_at), <won amount>, <pipeline> FROM leads WHERE "
        "received_at >= ? AND received_at < ? GROUP BY 1` through stdlib sqlite3 (fetchall): the per-source "
        "counts and sums of the quarter's cohort, the core of the report. The report does more (durations, "
        "reject reasons, SLA states, repeats, spend, and the previous period's totals); the ratio is what that "
        "costs.",
        "",
        markdown_table(HEAD, table),
        "",
        *[f"- {line}" for line in lines],
        "",
        "### Where the report's time goes",
        "",
        "Each statement the report sends, run alone after the measured reports: `app ms` is the "
        "`storage.metrics` function in its own `Database.session()` (BEGIN IMMEDIATE … COMMIT, aiosqlite, "
        "SQLAlchemy result rows, the function's list), `sqlite3 ms` the same SQL and parameters through stdlib "
        "sqlite3 with fetchall. Median of 3 each.",
        "",
        markdown_table(BREAKDOWN_HEAD, parts),
        "",
        *profile,
    ]
    return Section("funnel", "/funnel", summary(run), body, seconds, (load, load_average()))


# --- entry point -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench funnel", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: 100,000 leads")
    parser.add_argument("--leads", type=int, help="leads in the database (default 1,000,000)")
    parser.add_argument("--db", type=Path, help="keep the database in this file, and reuse it if it holds as many "
                        "leads (default: a temporary file, deleted after the run)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="profile one report even when the ratio is met")
    args = parser.parse_args(argv)
    leads = args.leads or (100_000 if args.quick else 1_000_000)
    if leads < 10_000:
        parser.error("--leads must be at least 10,000")
    return Plan(leads=leads, runs=5, db=args.db, profile=args.profile)


def plan_for(size: str, *, cache_db: bool) -> Plan:
    """The suite's plan: 1,000,000 leads (`quick` 100,000, `tiny` 10,000), in the cache when asked."""
    leads = {"full": 1_000_000, "quick": 100_000, "tiny": 10_000}[size]
    db = cache.database("funnel", leads, __file__) if cache_db else None
    return Plan(leads=leads, runs=2 if size == "tiny" else 5, db=db, profile=False)


async def run_all(plan: Plan, console: Console) -> Run:
    with tempfile.TemporaryDirectory(prefix="handoff-funnel-") as tmp, progress_bar(console) as progress:
        return await bench(plan, Path(tmp), progress)


def run(plan: Plan, console: Console) -> Section:
    console.print(
        f"/funnel {COMMAND}: {plan.leads:,} leads; median of {plan.runs} reports against one hand-written query"
    )
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    result = asyncio.run(run_all(plan, console))
    return section(result, plan, console, time.perf_counter() - started, load_before)


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("funnel", lambda console: run(plan, console))


if __name__ == "__main__":
    raise SystemExit(main())
