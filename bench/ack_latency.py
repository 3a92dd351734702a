"""Ack latency of an Accept click: the real Handoff app against a bare Bolt app that only acks.

Each server runs in its own process (bench/servers.py) and this process is the load generator: one aiohttp client
for every target, so the client never shares the server's event loop and every app sees the same client. A click is
what Slack sends: a form-encoded `block_actions` payload, v0-signed with the current timestamp. Latency is measured
from sending the request to having read the whole answer. Handoff's clicks go to distinct posted leads by reps in
`team.sales`, so every one of them really accepts a lead in the background while later clicks are answered.

`web+worker` is the optional two-process deployment on one SQLite file: the clicks go to a web process with
HANDOFF_ROLE=web, which acks and accepts, and a `handoff worker` process makes the posts and the chat.updates.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.progress import Progress

from bench.intake import batch_bodies, post_batches
from bench.protocol import Server, server
from bench.report import (
    Section,
    ack_section,
    check_handoff,
    load_average,
    log_problems,
    progress_bar,
    run_alone,
    warn_if_busy,
)
from bot.ids import Action
from tests import slack_requests as sr
from tests.conftest import BOT_TOKEN, LEADS, REP1, REP2, SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"
LABELS = {  # short name in the tables: what it is
    "baseline": ("baseline", "bare Bolt AsyncApp, process_before_response=True, listener only acks"),
    "handoff": ("handoff", "create_app on SQLite; every click accepts a lead in the background"),
    "handoff-split": (
        "web+worker",
        "the same, as two processes on one SQLite file: HANDOFF_ROLE=web takes the clicks and accepts, a "
        "`handoff worker` process posts and updates (it polls the outbox every 0.2 s)",
    ),
    "baseline-default": (
        "bolt-default",
        "for interest: the baseline with Bolt's default process_before_response=False (ack polled every 10 ms)",
    ),
}
SERVERS = {
    "baseline": "bench.baseline_server",
    "baseline-default": "bench.baseline_server",
    "handoff": "bench.servers",
    "handoff-split": "bench.servers",
}
SIZES = {"full": (300, 50), "quick": (60, 20), "tiny": (8, 2)}  # measured requests and warm-up per level


@dataclass(frozen=True)
class Plan:
    requests: int
    warmup: int
    levels: tuple[int, ...]
    leads: int
    kinds: tuple[str, ...] = ("baseline", "handoff", "handoff-split", "baseline-default")

    @property
    def clicks(self) -> int:
        return len(self.levels) * (self.warmup + self.requests)


@dataclass
class Level:
    concurrency: int
    latencies_ms: list[float]
    errors: int
    seconds: float
    client_cpu: float  # the load generator's CPU time over the wall time: near 1.0 means the client is the limit

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)] if ordered else math.nan

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else math.nan


@dataclass
class AppRun:
    kind: str
    levels: dict[int, Level] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.kind][0]

    @property
    def description(self) -> str:
        return LABELS[self.kind][1]


def click_body(target: dict[str, Any]) -> str:
    payload = sr.block_actions(
        user_id=target["user"],
        action_id=Action.ACCEPT.value,
        value=str(target["lead_id"]),
        channel=target["channel"],
        message_ts=target["ts"],
        trigger_id=target["trigger_id"],
        response_url=target["response_url"],
    )
    return sr.interactive_body(payload)


async def signed_post(http: aiohttp.ClientSession, url: str, body: str) -> tuple[int, float]:
    """POST a form body as Slack does, signed just before it goes out: (HTTP status, ms to the end of the answer)."""
    headers = sr.signed_headers(SIGNING_SECRET, body, content_type=FORM)
    data = body.encode()
    started = time.perf_counter()
    async with http.post(url, data=data, headers=headers) as response:
        await response.read()
        status = response.status
    return status, (time.perf_counter() - started) * 1000


async def fire(
    http: aiohttp.ClientSession, url: str, bodies: list[str], concurrency: int, advance: Callable[[], None]
) -> Level:
    """Send every body with `concurrency` requests in flight; each is signed just before it goes out."""
    pending = iter(bodies)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for body in pending:
            status, elapsed = await signed_post(http, url, body)
            if status == 200:
                latencies.append(elapsed)
            else:
                errors += 1
            advance()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return Level(concurrency, latencies, errors, wall, (time.process_time() - cpu) / wall)


async def ingest(http: aiohttp.ClientSession, url: str, count: int, advance: Callable[[int], None]) -> None:
    """Hand Handoff `count` MQLs the way marketing's platform does: POST /api/leads, 500 a batch."""
    await post_batches(http, url, batch_bodies(count, "bench", 500), 1, advance)


def server_args(kind: str) -> list[str]:
    if kind.startswith("handoff"):
        return []
    return ["--secret", SIGNING_SECRET, "--token", BOT_TOKEN, "--channel", LEADS, "--user", REP1, "--user", REP2]


@asynccontextmanager
async def target(kind: str, workdir: Path) -> AsyncIterator[tuple[Server, str, list[Path]]]:
    """The server the clicks go to, its URL, and the logs of every process it took (web+worker: two)."""
    if kind != "handoff-split":
        async with server(kind, workdir, *server_args(kind), module=SERVERS[kind]) as (srv, url):
            yield srv, url, [srv.log]
        return
    database = ["--database", f"sqlite+aiosqlite:///{workdir / 'split.db'}"]
    async with server("handoff-web", workdir, *database) as (srv, url):
        slack = (await srv.ask("slack"))["base_url"]
        async with server("handoff-worker", workdir, *database, "--slack", slack) as (worker, _):
            yield srv, url, [srv.log, worker.log]


async def bench_app(kind: str, plan: Plan, workdir: Path, progress: Progress) -> AppRun:
    run = AppRun(kind)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with target(kind, workdir) as (srv, url, logs):
            if kind.startswith("handoff"):
                task = progress.add_task(f"{kind}: ingest leads", total=plan.leads)
                await ingest(http, url, plan.leads, lambda n: progress.advance(task, n))
                task = progress.add_task(f"{kind}: outbox posts leads", total=plan.leads)
                while (pending := (await srv.ask("pending"))["pending"]) > 0:
                    progress.update(task, completed=plan.leads - pending)
                    await asyncio.sleep(0.25)
                progress.update(task, completed=plan.leads)
            targets = (await srv.ask("prepare", count=plan.clicks))["targets"]
            if len(targets) < plan.clicks:
                raise RuntimeError(f"{kind}: {len(targets)} clickable leads, {plan.clicks} needed")
            bodies = iter([click_body(t) for t in targets[: plan.clicks]])
            for concurrency in plan.levels:
                await srv.ask("settle")  # start every level from a quiet server
                n = plan.warmup + plan.requests
                task = progress.add_task(f"{kind}: concurrency {concurrency}", total=n)
                level_bodies = [next(bodies) for _ in range(n)]
                advance = partial(progress.advance, task)
                await fire(http, f"{url}/slack/events", level_bodies[: plan.warmup], concurrency, advance)
                run.levels[concurrency] = await fire(
                    http, f"{url}/slack/events", level_bodies[plan.warmup :], concurrency, advance
                )
            if kind.startswith("handoff"):
                task = progress.add_task(f"{kind}: background accepts finish", total=None)
                await srv.ask("settle")
                stats = await srv.ask("stats")
                progress.update(task, total=1, completed=1)
                run.notes.append(check_handoff(stats, plan, label=run.label))
        for log in logs:
            run.notes.extend(log_problems(log))
    return run


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: 60 requests and 20 warm-up per level")
    parser.add_argument("--requests", type=int, help="measured requests per concurrency level (default 300)")
    parser.add_argument("--warmup", type=int, help="unmeasured requests before each level (default 50)")
    parser.add_argument("--leads", type=int, default=2000, help="leads Handoff holds before the clicks")
    args = parser.parse_args(argv)
    requests, warmup = SIZES["quick" if args.quick else "full"]
    plan = make_plan(args.requests or requests, warmup if args.warmup is None else args.warmup, args.leads)
    if plan.requests < 1 or plan.warmup < 0:
        parser.error("--requests must be positive and --warmup not negative")
    return plan


def make_plan(requests: int, warmup: int, leads: int = 2000, kinds: tuple[str, ...] | None = None) -> Plan:
    levels = (1, 20)
    plan = Plan(requests, warmup, levels, max(leads, len(levels) * (warmup + requests)))
    return plan if kinds is None else Plan(plan.requests, plan.warmup, levels, plan.leads, kinds)


def plan_for(size: str) -> Plan:
    """The suite's plan: `tiny` (the smoke test) leaves out the for-interest server and holds few leads."""
    requests, warmup = SIZES[size]
    if size == "tiny":
        return make_plan(requests, warmup, 0, ("baseline", "handoff", "handoff-split"))
    return make_plan(requests, warmup)


async def run_all(plan: Plan, console: Console) -> list[AppRun]:
    runs: list[AppRun] = []
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp, progress_bar(console) as progress:
        for kind in plan.kinds:
            runs.append(await bench_app(kind, plan, Path(tmp), progress))
    return runs


def run(plan: Plan, console: Console) -> Section:
    console.print(
        f"Ack latency of a signed Accept click: {plan.requests} measured + {plan.warmup} warm-up requests per level, "
        f"concurrency {' and '.join(map(str, plan.levels))}; Handoff holds {plan.leads} leads"
    )
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    runs = asyncio.run(run_all(plan, console))
    seconds = time.perf_counter() - started
    return ack_section(runs, plan, console, seconds=seconds, load=(load_before, load_average()))


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("ack", lambda console: run(plan, console))
