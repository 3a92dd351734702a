"""Intake throughput: leads committed per second through `POST /api/leads` in batches of 100, against raw inserts.

The app is `create_app` in its own process (bench/servers.py) on a fresh database, talking to a rate-limited fake
Slack in a third process (bench/fake_slack.py), so its outbox worker delivers while leads arrive, as in production.
This process is the marketing platform: it sends pre-serialized batches of 100 leads, and a batch counts once its
201 is read (the app answers after the commit). It runs twice on each database, each time on a fresh app and
database: with one request in flight (a platform that sends one webhook at a time, and waits for its answer before
the next) and with four. After a few unmeasured warm-up batches, throughput is the measured leads over the wall time
from the first request to the last answer. `--profile DIR` writes the app process's cProfile stats of each
measured run there (`python -m pstats DIR/intake-sqlite-1.prof`).

The baseline writes the same rows again, straight through the same driver: after the app stops, the leads, their
`mql_received` events and their outbox rows (what one lead writes; the post's columns blanked) are read back and
inserted into a fresh database made by `Database.prepare()`, with one executemany per table in one transaction per
100 leads (aiosqlite with the app's pragmas; asyncpg for PostgreSQL). A lead writes three rows and the app also
parses, validates, checks for known `external_id`s and answers over HTTP, so raw is the ceiling.
PostgreSQL runs too when a server answers at $BENCH_DATABASE_URL (default postgresql://127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import aiosqlite
import asyncpg
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import make_url

from bench.protocol import Server, server
from bench.report import (
    Row,
    Section,
    load_average,
    log_problems,
    markdown_table,
    passed,
    progress_bar,
    rich_table,
    run_alone,
    warn_if_busy,
)
from bot.delivery.outbox_kinds import LEAD_POST
from storage.db import Database, async_url
from tests.conftest import BOT_TOKEN, INTAKE_TOKEN, LEADS, SALES_GROUP
from tests.databases import fresh_postgres

BATCH = 100
TARGET_RATE = 5_000.0  # leads/s committed on SQLite
TARGET_SHARE = 0.25  # of raw inserts of the same rows
POSTGRES = os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
HEADERS = {"Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json"}
POSTED = ("slack_channel", "slack_ts", "posted_at")  # written by delivery later, not by intake
OUTBOX_COLUMNS = ("id", "kind", "key", "lead_id", "payload", "created_at", "next_attempt_at", "attempts")
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
                  "PRAGMA foreign_keys=ON")  # fmt: skip  # as storage/db.py sets every connection
HEAD = ["database", "leads", "in flight", "leads/s", "batch p50 ms", "batch p99 ms", "raw leads/s", "of raw",
        "posts", "429s"]  # fmt: skip
Table = tuple[list[str], list[tuple[Any, ...]]]  # column names, rows


def lead(i: int, prefix: str = "bench") -> dict[str, Any]:
    """One MQL as marketing's platform sends it."""
    return {
        "external_id": f"{prefix}-{i:07d}",
        "email": f"buyer{i}@example.com",
        "name": f"Dana Buyer {i}",
        "company": f"Acme {i % 97}",
        "title": "VP Operations",
        "source": "webinar",
        "campaign": "bench",
        "score": 40 + i % 60,
    }


def batch_bodies(count: int, prefix: str, size: int = BATCH) -> list[bytes]:
    return [
        json.dumps([lead(i, prefix) for i in range(start, min(start + size, count))]).encode()
        for start in range(0, count, size)
    ]


@dataclass(frozen=True)
class Plan:
    leads: int  # measured, on each database at each concurrency
    warmup: int  # unmeasured batches first
    concurrencies: tuple[int, ...]  # requests in flight: one run of its own (fresh app, fresh database) for each
    postgres: str | None
    profile: Path | None = None  # where the app process's cProfile stats of each measured run go


@dataclass
class Backend:
    name: str
    concurrency: int
    leads: int = 0
    seconds: float = 0.0
    batch_ms: list[float] = field(default_factory=list)
    raw_leads: int = 0
    raw_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # rows the app wrote, by table
    slack: dict[str, Any] = field(default_factory=dict)  # the fake's counts at the end of the measured run
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}, {self.concurrency} in flight"

    @property
    def slug(self) -> str:
        return f"{self.name.lower()}-{self.concurrency}"

    @property
    def rate(self) -> float:
        return self.leads / self.seconds

    @property
    def raw_rate(self) -> float:
        return self.raw_leads / self.raw_seconds

    @property
    def share(self) -> float:
        return self.rate / self.raw_rate

    def batch(self, q: float) -> float:
        return statistics.quantiles(self.batch_ms, n=100, method="inclusive")[q - 1] if len(self.batch_ms) > 1 else 0


# --- the app and its load --------------------------------------------------------------------------------------


@asynccontextmanager
async def app_with_fake_slack(
    workdir: Path, *, database: str | None = None, rate_limits: bool = True
) -> AsyncIterator[tuple[Server, Server, str]]:
    """The fake Slack in one process and the app in another, pointed at it; yields (fake, app, app URL). The app
    runs with the team file's defaults for [slack] pacing and burst batching, as a deployment would."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    fake_args = ["--token", BOT_TOKEN, "--channel", LEADS, "--usergroup", SALES_GROUP]
    fake_args += ["--rate-limits"] if rate_limits else []
    async with server("fake", workdir, *fake_args, module="bench.fake_slack") as (fake, slack_url):
        app_args = ["--slack", slack_url, "--team-defaults"] + (["--database", database] if database else [])
        async with server("handoff", workdir, *app_args) as (app, url):
            yield fake, app, url


async def post_batches(
    http: aiohttp.ClientSession, url: str, bodies: list[bytes], concurrency: int, advance: Callable[[int], None]
) -> tuple[list[float], float]:
    """POST every body with `concurrency` requests in flight; (each batch's ms to its 201, wall seconds)."""
    pending = iter(bodies)
    latencies: list[float] = []

    async def worker() -> None:
        for body in pending:
            started = time.perf_counter()
            async with http.post(f"{url}/api/leads", data=body, headers=HEADERS) as response:
                answer = await response.read()
                if response.status != 201:
                    raise RuntimeError(f"POST /api/leads answered {response.status}: {answer[:300]!r}")
            latencies.append((time.perf_counter() - started) * 1000)
            advance(len(json.loads(answer)["leads"]))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def drive(run: Backend, plan: Plan, workdir: Path, database: str | None, progress: Progress) -> None:
    warmup = batch_bodies(plan.warmup * BATCH, "warm")
    measured = batch_bodies(plan.leads, "bench")
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http,
        app_with_fake_slack(workdir, database=database) as (fake, app, url),
    ):
        task = progress.add_task(f"{run.label}: {plan.warmup} warm-up batches", total=plan.warmup * BATCH)
        await post_batches(http, url, warmup, 1, lambda n: progress.advance(task, n))
        task = progress.add_task(f"{run.label}: POST /api/leads, {BATCH} a batch", total=plan.leads)
        before = await fake.ask("stats")
        if plan.profile is not None:
            await app.ask("profile", start=True)
        run.batch_ms, run.seconds = await post_batches(
            http, url, measured, run.concurrency, lambda n: progress.advance(task, n)
        )
        if plan.profile is not None:
            await app.ask("profile", path=str(plan.profile.resolve() / f"intake-{run.slug}.prof"))
        after = await fake.ask("stats")
        run.leads = plan.leads
        run.slack = {key: after[key] - before[key] for key in ("ok", "limited", "calls")}
    run.notes += log_problems(app.log) + log_problems(fake.log)


# --- raw inserts of the same rows ------------------------------------------------------------------------------


def what_intake_wrote(tables: dict[str, Table]) -> dict[str, Table]:
    """The rows one ingest writes: leads without their post, the `mql_received` events, the `lead_post` rows."""
    out: dict[str, Table] = {}
    columns, rows = tables["leads"]
    blank = [k for k, name in enumerate(columns) if name in POSTED]
    out["leads"] = (columns, [tuple(None if k in blank else v for k, v in enumerate(r)) for r in rows])
    columns, rows = tables["lead_events"]
    kind = columns.index("kind")
    out["lead_events"] = (columns, [r for r in rows if r[kind] == "mql_received"])
    columns, rows = tables["outbox"]
    keep = [columns.index(name) for name in OUTBOX_COLUMNS]
    kind = columns.index("kind")
    out["outbox"] = (list(OUTBOX_COLUMNS), [tuple(r[k] for k in keep) for r in rows if r[kind] == LEAD_POST])
    return out


def chunks(tables: dict[str, Table]) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The rows in transactions of BATCH leads each, every lead with its event and outbox row."""
    columns, leads = tables["leads"]
    by_lead: dict[str, dict[int, list[tuple[Any, ...]]]] = {}
    for table in ("lead_events", "outbox"):
        cols, rows = tables[table]
        owner = cols.index("lead_id")
        by_lead[table] = {}
        for row in rows:
            by_lead[table].setdefault(row[owner], []).append(row)
    lead_id = columns.index("id")
    for start in range(0, len(leads), BATCH):
        part = leads[start : start + BATCH]
        ids = [row[lead_id] for row in part]
        yield {"leads": part} | {t: [r for i in ids for r in by_lead[t].get(i, [])] for t in by_lead}


def read_sqlite(path: Path) -> dict[str, Table]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in ("leads", "lead_events", "outbox"):
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY id")
            out[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        return out
    finally:
        conn.close()


def insert_sql(table: str, columns: list[str], mark: Callable[[int], str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(mark(k) for k in range(len(columns)))})"


async def raw_sqlite(tables: dict[str, Table], path: Path) -> tuple[int, float]:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.prepare()
    await db.dispose()
    statements = {t: insert_sql(t, tables[t][0], lambda k: "?") for t in tables}
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        for pragma in SQLITE_PRAGMAS:
            await conn.execute(pragma)
        started = time.perf_counter()
        for chunk in chunks(tables):
            await conn.execute("BEGIN IMMEDIATE")
            for table, rows in chunk.items():
                await conn.executemany(statements[table], rows)
            await conn.execute("COMMIT")
        return len(tables["leads"][1]), time.perf_counter() - started
    finally:
        await conn.close()


def dsn(url: str) -> str:
    """What asyncpg takes: the SQLAlchemy URL without its driver name."""
    return make_url(async_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


async def read_postgres(url: str) -> dict[str, Table]:
    conn = await asyncpg.connect(dsn(url))
    try:
        out = {}
        for table in ("leads", "lead_events", "outbox"):
            records = await conn.fetch(f"SELECT * FROM {table} ORDER BY id")
            columns = list(records[0].keys()) if records else []
            out[table] = (columns, [tuple(r) for r in records])
        return out
    finally:
        await conn.close()


async def raw_postgres(tables: dict[str, Table], url: str) -> tuple[int, float]:
    db = Database(url)
    await db.prepare()
    await db.dispose()
    statements = {t: insert_sql(t, tables[t][0], lambda k: f"${k + 1}") for t in tables}
    conn = await asyncpg.connect(dsn(url))
    try:
        started = time.perf_counter()
        for chunk in chunks(tables):
            async with conn.transaction():
                for table, rows in chunk.items():
                    await conn.executemany(statements[table], rows)
        return len(tables["leads"][1]), time.perf_counter() - started
    finally:
        await conn.close()


def count_rows(tables: dict[str, Table]) -> dict[str, int]:
    return {table: len(rows) for table, (_columns, rows) in tables.items()}


async def bench_sqlite(plan: Plan, concurrency: int, workdir: Path, progress: Progress) -> Backend:
    run = Backend("SQLite", concurrency)
    await drive(run, plan, workdir / run.slug, None, progress)
    task = progress.add_task(f"{run.label}: raw executemany of the same rows", total=None)
    tables = what_intake_wrote(await asyncio.to_thread(read_sqlite, workdir / run.slug / "handoff.db"))
    run.rows = count_rows(tables)
    run.raw_leads, run.raw_seconds = await raw_sqlite(tables, workdir / f"raw-{run.slug}.db")
    progress.update(task, total=1, completed=1)
    return run


async def postgres_reachable(url: str) -> str | None:
    """None when a PostgreSQL server answers at `url`, else why not."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn(url)), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


async def bench_postgres(plan: Plan, concurrency: int, url: str, workdir: Path, progress: Progress) -> Backend:
    run = Backend("PostgreSQL", concurrency)
    async with fresh_postgres(url) as app_db:
        await drive(run, plan, workdir / run.slug, app_db, progress)
        tables = what_intake_wrote(await read_postgres(app_db))
    run.rows = count_rows(tables)
    task = progress.add_task(f"{run.label}: raw executemany of the same rows", total=None)
    async with fresh_postgres(url) as raw_db:
        run.raw_leads, run.raw_seconds = await raw_postgres(tables, raw_db)
    progress.update(task, total=1, completed=1)
    return run


async def run_all(plan: Plan, console: Console) -> tuple[list[Backend], list[str]]:
    skipped = []
    with tempfile.TemporaryDirectory(prefix="handoff-intake-") as tmp, progress_bar(console) as progress:
        if plan.profile is not None:
            await asyncio.to_thread(plan.profile.mkdir, parents=True, exist_ok=True)
        runs = [await bench_sqlite(plan, concurrency, Path(tmp), progress) for concurrency in plan.concurrencies]
        if plan.postgres and (why := await postgres_reachable(plan.postgres)) is None:
            for concurrency in plan.concurrencies:
                runs.append(await bench_postgres(plan, concurrency, plan.postgres, Path(tmp), progress))
        elif plan.postgres:
            skipped.append(f"PostgreSQL skipped: no server at {plan.postgres} ({why}).")
    return runs, skipped


# --- report ----------------------------------------------------------------------------------------------------


def table_rows(runs: list[Backend], plan: Plan) -> list[list[str]]:
    return [
        [run.name, f"{run.leads:,}", str(run.concurrency), f"{run.rate:,.0f}", f"{run.batch(50):.1f}",
         f"{run.batch(99):.1f}", f"{run.raw_rate:,.0f}", f"{run.share:.0%}", str(run.slack.get("ok", 0)),
         str(run.slack.get("limited", 0))]
        for run in runs
    ]  # fmt: skip


def summary(runs: list[Backend]) -> list[Row]:
    rows = []
    for run in runs:
        metric = f"Intake, {run.label}, batches of {BATCH} (leads/s committed)"
        measured, raw, share = f"{run.rate:,.0f}/s", f"{run.raw_rate:,.0f}/s raw inserts", f"{run.share:.0%}"
        if run.name == "SQLite":
            ok = run.rate >= TARGET_RATE and run.share >= TARGET_SHARE
            target = f"≥ {TARGET_RATE:,.0f}/s, ≥ {TARGET_SHARE:.0%} of raw"
            rows.append(Row(metric, measured, raw, share, target, passed(ok)))
        else:
            rows.append(Row(metric, measured, raw, share))
    return rows


def section(
    runs: list[Backend], skipped: list[str], plan: Plan, console: Console, seconds: float, load: float
) -> Section:
    table = table_rows(runs, plan)
    notes = (
        [
            f"{run.label}: the app wrote {', '.join(f'{n:,} {t}' for t, n in run.rows.items())} rows (warm-up "
            f"included); raw inserted {run.raw_leads:,} leads' rows in {run.raw_seconds:.2f} s. While the measured "
            f"batches went in, the outbox worker made {run.slack.get('ok', 0)} posts to the rate-limited fake "
            f"Slack ({run.slack.get('limited', 0)} answered 429, {run.slack.get('calls', 0)} Web API calls in all)."
            for run in runs
        ]
        + skipped
        + [note for run in runs for note in run.notes]
    )
    console.print(rich_table(f"Intake: POST /api/leads, {BATCH} leads a batch", HEAD, table))
    for line in notes:
        console.print(f"• {line}", markup=False)
    body = [
        f"- Requirement: ≥ {TARGET_RATE:,.0f} leads/s committed on SQLite in batches of {BATCH}, and ≥ "
        f"{TARGET_SHARE:.0%} of raw inserts of the same rows through the same driver (a lead writes three rows), "
        "with one request in flight as with four.",
        f"- Load: {plan.warmup} warm-up batches one at a time, then {plan.leads:,} leads in batches of {BATCH} "
        f"with {' and then '.join(map(str, plan.concurrencies))} requests in flight (each on a fresh app and "
        "database), from a load generator in its own process; the app "
        "(`create_app`, its outbox worker and scheduler running) in another, against a fake Slack in a third "
        "that limits chat.postMessage per channel as Slack does.",
        "- Raw: the same rows (leads, `mql_received` events, `lead_post` outbox rows) read back and inserted into "
        f"a fresh schema, one transaction of {BATCH} leads at a time, one executemany per table (aiosqlite with "
        "the app's pragmas: WAL, synchronous=NORMAL, foreign keys; asyncpg on PostgreSQL).",
        "",
        markdown_table(HEAD, table),
        "",
        *[f"- {line}" for line in notes],
        "",
    ]
    return Section("intake", "Intake throughput", summary(runs), body, seconds, (load, load_average()))


# --- entry point -----------------------------------------------------------------------------------------------

CONCURRENCIES = (1, 4)  # a platform sending one webhook at a time, and one sending a few
SIZES = {"full": (20_000, 10), "quick": (5_000, 5), "tiny": (500, 1)}  # measured leads, warm-up batches


def plan_for(size: str, *, postgres: str | None = POSTGRES) -> Plan:
    leads, warmup = SIZES[size]
    return Plan(leads=leads, warmup=warmup, concurrencies=CONCURRENCIES, postgres=postgres)


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench intake", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a short run: {SIZES['quick'][0]:,} leads")
    parser.add_argument("--leads", type=int, help=f"measured leads on each database (default {SIZES['full'][0]:,})")
    parser.add_argument("--concurrency", type=int, action="append", help="requests in flight; repeat for several "
                        f"runs (default {' and '.join(map(str, CONCURRENCIES))})")  # fmt: skip
    parser.add_argument("--profile", type=Path, help="write the app's cProfile stats of each measured run here")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    plan = plan_for("quick" if args.quick else "full", postgres=None if args.no_postgres else POSTGRES)
    concurrencies = tuple(args.concurrency or plan.concurrencies)
    return Plan(args.leads or plan.leads, plan.warmup, concurrencies, plan.postgres, args.profile)


def run(plan: Plan, console: Console) -> Section:
    console.print(
        f"Intake: {plan.leads:,} leads in batches of {BATCH}, {' then '.join(map(str, plan.concurrencies))} in "
        "flight, against raw inserts "
        f"of the same rows; SQLite{', then PostgreSQL' if plan.postgres else ''}"
    )
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    runs, skipped = asyncio.run(run_all(plan, console))
    return section(runs, skipped, plan, console, time.perf_counter() - started, load_before)


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("intake", lambda console: run(plan, console))


if __name__ == "__main__":
    raise SystemExit(main())
