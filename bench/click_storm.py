"""Click storm: a flood of stale clicks on one lead, and what it does to everyone else.

The real app (bench/servers.py, SQLite, in-process fake Slack) holds posted leads; one of them is accepted, then a
storm of Accept clicks hits that lead, from two reps and many other people in turn, with many requests in flight.
Meanwhile a marketing platform posts one lead at a time to `POST /api/leads` and a rep accepts other leads, one
click at a time. Measured: the storm's ack latency, the rep's (a bystander's) ack latency, intake latency during the
storm against intake on a quiet app, and the backlog: how long the work behind the acks still runs after the last
storm click was answered. Clicks beyond the bounds of bot/app/background.py are answered "busy" at once, and a
person's repeat of a click still in flight is dropped: both are counted from `/metrics`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from bench.ack_latency import click_body, signed_post
from bench.intake import HEADERS, lead
from bench.protocol import server
from bench.report import (
    Row,
    Section,
    load_average,
    log_problems,
    markdown_table,
    ms,
    passed,
    progress_bar,
    rich_table,
    run_alone,
    warn_if_busy,
)

SIZES = {"full": (3000, 50, 200), "quick": (600, 20, 60), "tiny": (60, 5, 10)}  # storm clicks, in flight, leads
PEOPLE = 50  # who click the storm's lead, in turn
INTAKE_EVERY = 0.02  # seconds between the marketing platform's one-lead posts while the storm lasts
TARGET_EXTRA_MS = 250.0  # intake p99 during the storm may exceed the quiet p99 by this much
TARGET_BACKLOG_S = 1.0  # the work behind the acks is done within this after the last storm ack
HEAD = ["what", "requests", "p50 ms", "p99 ms", "max ms"]


@dataclass(frozen=True)
class Plan:
    clicks: int
    concurrency: int
    leads: int  # posted before the storm: one is the storm's, the rest are the bystander's to accept
    quiet: int = 20  # intake posts measured on the quiet app first


@dataclass
class Result:
    storm_ms: list[float] = field(default_factory=list)
    bystander_ms: list[float] = field(default_factory=list)
    quiet_intake_ms: list[float] = field(default_factory=list)
    storm_intake_ms: list[float] = field(default_factory=list)
    errors: int = 0
    storm_seconds: float = 0.0
    backlog_seconds: float = 0.0
    refused: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)] if ordered else math.nan


async def post_lead(http: aiohttp.ClientSession, url: str, i: int, prefix: str) -> float:
    body = json.dumps(lead(i, prefix)).encode()
    started = time.perf_counter()
    async with http.post(f"{url}/api/leads", data=body, headers=HEADERS) as response:
        answer = await response.read()
        if response.status != 201:
            raise RuntimeError(f"POST /api/leads answered {response.status}: {answer[:300]!r}")
    return (time.perf_counter() - started) * 1000


async def refused(http: aiohttp.ClientSession, url: str) -> dict[str, float]:
    async with http.get(f"{url}/metrics") as response:
        text = await response.text()
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "handoff_background_refused_total"
    }


async def drive(plan: Plan, workdir: Path, console: Console) -> Result:
    result = Result()
    connector = aiohttp.TCPConnector(limit=0)
    with progress_bar(console) as progress:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            async with server("handoff", workdir) as (srv, url):
                task = progress.add_task("ingest and post leads", total=plan.leads)
                for i in range(plan.leads):
                    await post_lead(http, url, i, "bench")
                    progress.advance(task)
                targets = (await srv.ask("prepare", count=plan.leads))["targets"]
                flooded, others = targets[0], targets[1:]
                task = progress.add_task("quiet intake", total=plan.quiet)
                for i in range(plan.quiet):
                    result.quiet_intake_ms.append(await post_lead(http, url, i, "quiet"))
                    progress.advance(task)
                await signed_post(http, f"{url}/slack/events", click_body(flooded))  # accepted: the storm is stale
                await srv.ask("settle")
                storm_targets = (await srv.ask("storm", lead_id=flooded["lead_id"], count=plan.clicks, people=PEOPLE))[
                    "targets"
                ]
                task = progress.add_task(f"storm: {plan.clicks} clicks, {plan.concurrency} in flight", total=None)
                await run_storm(http, url, plan, storm_targets, others, result)
                result.backlog_seconds = float((await srv.ask("idle"))["seconds"])
                progress.update(task, total=1, completed=1)
                await srv.ask("settle")
                result.refused = await refused(http, url)
                result.stats = await srv.ask("stats")
            result.notes.extend(log_problems(srv.log))
    return result


async def run_storm(
    http: aiohttp.ClientSession,
    url: str,
    plan: Plan,
    storm_targets: list[dict[str, Any]],
    others: list[dict[str, Any]],
    result: Result,
) -> None:
    """The storm, the bystander's clicks on other leads and one-lead intake posts, all at once."""
    events = f"{url}/slack/events"
    bodies = iter([click_body(t) for t in storm_targets])
    bystander_bodies = [click_body(t) for t in others]
    done = asyncio.Event()

    def record(into: list[float], status: int, elapsed: float) -> None:
        if status == 200:
            into.append(elapsed)
        else:
            result.errors += 1

    async def clicker() -> None:
        for body in bodies:
            record(result.storm_ms, *await signed_post(http, events, body))

    async def bystander() -> None:
        for body in bystander_bodies:
            if done.is_set():
                return
            record(result.bystander_ms, *await signed_post(http, events, body))
            await asyncio.sleep(INTAKE_EVERY)

    async def marketing() -> None:
        i = 0
        while not done.is_set():
            result.storm_intake_ms.append(await post_lead(http, url, i, "storm"))
            i += 1
            await asyncio.sleep(INTAKE_EVERY)

    side = [asyncio.create_task(marketing()), asyncio.create_task(bystander())]
    started = time.perf_counter()
    await asyncio.gather(*(clicker() for _ in range(plan.concurrency)))
    result.storm_seconds = time.perf_counter() - started
    done.set()
    await asyncio.gather(*side)


def latency_rows(result: Result) -> list[list[str]]:
    rows = [
        ("storm clicks on one lead (ack)", result.storm_ms),
        ("another rep's clicks during the storm (ack)", result.bystander_ms),
        ("intake, quiet app (one lead)", result.quiet_intake_ms),
        ("intake during the storm (one lead)", result.storm_intake_ms),
    ]
    return [
        [name, str(len(v)), ms(percentile(v, 50)), ms(percentile(v, 99)), ms(max(v) if v else math.nan)]
        for name, v in rows
    ]


def section(plan: Plan, result: Result, console: Console, *, seconds: float, load: tuple[float, float]) -> Section:
    quiet99, storm99 = percentile(result.quiet_intake_ms, 99), percentile(result.storm_intake_ms, 99)
    extra = storm99 - quiet99
    table = latency_rows(result)
    busy, duplicate = result.refused.get("busy", 0.0), result.refused.get("duplicate", 0.0)
    rows = [
        Row("Click storm: storm ack p99", ms(percentile(result.storm_ms, 99)) + " ms"),
        Row("Click storm: bystander ack p99", ms(percentile(result.bystander_ms, 99)) + " ms"),
        Row(
            "Click storm: intake p99",
            f"{ms(storm99)} ms",
            f"{ms(quiet99)} ms quiet",
            f"+{ms(extra)} ms",
            f"≤ +{TARGET_EXTRA_MS:g} ms",
            passed(extra <= TARGET_EXTRA_MS),
        ),
        Row(
            "Click storm: backlog after last ack",
            f"{result.backlog_seconds:.2f} s",
            target=f"≤ {TARGET_BACKLOG_S:g} s",
            verdict=passed(result.backlog_seconds <= TARGET_BACKLOG_S),
        ),
    ]
    console.print(rich_table("Latency during a click storm (client-side)", HEAD, table))
    facts = [
        f"{plan.clicks} stale Accept clicks on one accepted lead by {PEOPLE} people in turn, {plan.concurrency} "
        f"in flight, took {result.storm_seconds:.2f} s; meanwhile one lead was posted to intake every "
        f"{INTAKE_EVERY * 1000:g} ms and another rep accepted other leads one click at a time.",
        f"Refused at once: {busy:g} busy, {duplicate:g} duplicates of a click still in flight; "
        f"{result.stats.get('ephemeral_replies', 0)} ephemeral replies in all; {result.errors} non-200 answers.",
        f"The work behind the acks was done {result.backlog_seconds:.2f} s after the last storm ack.",
        *result.notes,
    ]
    for line in facts:
        console.print(f"• {line}", markup=False)
    body = ["### Latency", "", markdown_table(HEAD, table), "", *[f"- {line}" for line in facts], ""]
    return Section("storm", "Click storm on one lead", rows, body, seconds, load)


def plan_for(size: str) -> Plan:
    clicks, concurrency, leads = SIZES[size]
    return Plan(clicks, concurrency, leads, quiet=5 if size == "tiny" else 20)


def run(plan: Plan, console: Console) -> Section:
    console.print(f"Click storm: {plan.clicks} clicks on one lead, {plan.concurrency} in flight")
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
        result = asyncio.run(drive(plan, Path(tmp), console))
    seconds = time.perf_counter() - started
    return section(plan, result, console, seconds=seconds, load=(load_before, load_average()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench storm", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: 600 clicks, 20 in flight")
    parser.add_argument("--tiny", action="store_true", help="a smoke run: 60 clicks, 5 in flight")
    parser.add_argument("--clicks", type=int, help="storm clicks (default 3000)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    plan = plan_for("tiny" if args.tiny else "quick" if args.quick else "full")
    if args.clicks:
        plan = Plan(args.clicks, plan.concurrency, plan.leads, plan.quiet)
    return run_alone("storm", lambda console: run(plan, console))
