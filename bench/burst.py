"""A 1,000-lead burst: delivery against Slack's per-channel limit, and Accept acks while it ingests and charts render.

The app runs in its own process against a fake Slack in a third one (bench/fake_slack.py) that limits
chat.postMessage per channel as Slack does: 1 a second with a burst of 3, then 429 with Retry-After. This process is
marketing's platform and the sales team at once: at t0 it sends the burst (batches of 100, one after the other);
meanwhile reps click Accept on leads of the burst, open-loop at a steady rate (a signed `block_actions` request as
bench/ack_latency.py sends, each on a different lead), and a few `/funnel this quarter by source` commands arrive,
each rendering its chart. Clicking lasts until the burst is in, every /funnel answer has reached its response_url,
and a minimum window has passed. Then the app is left to deliver, up to a cap.

Delivery is done when every lead has its Slack post (`leads.slack_ts` set) and the outbox is empty; posts, 429s and
each post's `ts` are counted at the fake. Exactly once: every lead points at a post the fake really made, and no
top-level post in the channel is left without a lead pointing at it (a double). The floor is what the limit allows
for the posts delivery chose to make: (posts − burst allowance) ÷ rate.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.progress import Progress, TaskID

from bench.ack_latency import click_body, signed_post
from bench.intake import HEADERS, app_with_fake_slack, batch_bodies
from bench.protocol import Server
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
from tests import slack_requests as sr
from tests.conftest import LEADS, REP1, REP2

ACK_TARGET_MS = 100.0  # Accept ack p99 while the burst ingests and charts render
FUNNEL = "this quarter by source"
REPS = (REP1, REP2)


@dataclass(frozen=True)
class Plan:
    leads: int
    cap: float  # seconds from t0 that delivery gets
    click_rate: float  # Accept clicks a second while the burst is busy
    window: float  # at least this many seconds of clicking
    funnels: int  # /funnel commands, one every `funnel_every` seconds from t0
    funnel_every: float
    warmup: int  # first clicks left out of the figures (the app's first requests)


@dataclass
class Result:
    plan: Plan
    ingest_seconds: float = 0.0
    window_seconds: float = 0.0
    done_seconds: float | None = None  # every lead posted and the outbox empty, from t0
    progress: dict[str, Any] = field(default_factory=dict)  # the app's last counts
    ts: list[str | None] = field(default_factory=list)  # each lead's post
    failed: int = 0
    slack: dict[str, Any] = field(default_factory=dict)  # the fake's counts
    click_ms: list[float] = field(default_factory=list)
    click_errors: int = 0
    funnel_ack_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def posted(self) -> int:
        return sum(ts is not None for ts in self.ts)

    @property
    def lost(self) -> int:
        """Leads pointing at a post the fake never made."""
        made = set(self.slack.get("ts", []))
        return sum(ts is not None and ts not in made for ts in self.ts)

    @property
    def doubled(self) -> int:
        """Top-level posts in the channel that no lead points at: a lead posted twice."""
        return len(set(self.slack.get("ts", [])) - {ts for ts in self.ts if ts is not None})

    @property
    def posts(self) -> int:
        return int(self.slack.get("ok", 0))

    def floor(self) -> float:
        """Seconds the per-channel limit needs for the posts made, plus one post per lead still waiting."""
        posts = self.posts + (self.plan.leads - self.posted)
        return max(0, posts - int(self.slack.get("burst", 3))) / float(self.slack.get("rate", 1.0))

    def click(self, q: int) -> float:
        ordered = sorted(self.click_ms)
        return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)] if ordered else math.nan


class Burst:
    """The three things that happen at once from t0: the burst, the clicks, the /funnel commands."""

    def __init__(self, http: aiohttp.ClientSession, url: str, fake: Server, plan: Plan, result: Result) -> None:
        self.http, self.url, self.fake, self.plan, self.result = http, url, fake, plan, result
        self.ids: list[int] = []  # the burst's lead ids, as their batches are answered
        self.ingested = asyncio.Event()
        self.arrived = asyncio.Event()  # set whenever a batch's ids come in
        self.stop = asyncio.Event()
        self.t0 = 0.0

    async def ingest(self, advance: Any) -> None:
        for body in batch_bodies(self.plan.leads, "burst"):
            async with self.http.post(f"{self.url}/api/leads", data=body, headers=HEADERS) as response:
                answer = await response.json()
                if response.status != 201:
                    raise RuntimeError(f"POST /api/leads answered {response.status}: {answer}")
            self.ids += [int(lead["id"]) for lead in answer["leads"]]
            self.arrived.set()
            advance(len(answer["leads"]))
        self.result.ingest_seconds = time.perf_counter() - self.t0
        self.ingested.set()
        self.arrived.set()

    async def one_click(self, k: int, lead_id: int, issued: dict[str, str]) -> None:
        user = REPS[k % 2]
        target = {"lead_id": lead_id, "user": user, "channel": LEADS, "ts": "0", **issued}
        status, elapsed = await signed_post(self.http, f"{self.url}/slack/events", click_body(target))
        if status != 200:
            self.result.click_errors += 1
        elif k >= self.plan.warmup:
            self.result.click_ms.append(elapsed)

    async def clicks(self, issued: list[dict[str, str]], advance: Any) -> None:
        """Open loop: click k goes out at t0 + k / rate on the k-th lead of the burst, whatever earlier ones do."""
        sent: list[asyncio.Task[None]] = []
        for k, grant in enumerate(issued):
            delay = self.t0 + k / self.plan.click_rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            while len(self.ids) <= k and not self.ingested.is_set():
                self.arrived.clear()
                await self.arrived.wait()
            if self.stop.is_set() or k >= len(self.ids):
                break
            task = asyncio.create_task(self.one_click(k, self.ids[k], grant))
            task.add_done_callback(lambda _t: advance(1))
            sent.append(task)
        await asyncio.gather(*sent)

    async def funnels(self, issued: list[dict[str, str]]) -> None:
        sent = []
        for j, grant in enumerate(issued):
            delay = self.t0 + j * self.plan.funnel_every - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = sr.slash_command(user_id=REP1, command="/funnel", text=FUNNEL, channel=LEADS, **grant)
            sent.append(asyncio.create_task(signed_post(self.http, f"{self.url}/slack/events", body)))
        for status, elapsed in await asyncio.gather(*sent):
            if status == 200:
                self.result.funnel_ack_ms.append(elapsed)

    async def window(self) -> None:
        """Stop clicking once the burst is in, every /funnel answer arrived, and the minimum window passed."""
        await self.ingested.wait()
        while True:
            elapsed = time.perf_counter() - self.t0
            answered = (await self.fake.ask("stats"))["responses"]
            if elapsed >= self.plan.window and answered >= self.plan.funnels or elapsed >= self.plan.cap / 2:
                break
            await asyncio.sleep(0.25)
        self.result.window_seconds = time.perf_counter() - self.t0
        self.stop.set()


async def deliver(app: Server, burst: Burst, plan: Plan, progress: Progress, task: TaskID) -> None:
    """Wait until every lead is posted and the outbox is empty, or until the cap."""
    while True:
        counts = await app.ask("progress")
        progress.update(task, completed=counts["posted"])
        elapsed = time.perf_counter() - burst.t0
        if counts["posted"] >= plan.leads and counts["pending"] == 0:
            burst.result.done_seconds = elapsed
            return
        if elapsed >= plan.cap:
            return
        await asyncio.sleep(0.5)


async def bench(plan: Plan, workdir: Path, progress: Progress) -> Result:
    result = Result(plan)
    clicks = int(plan.click_rate * plan.cap)  # enough grants for the longest window
    users = [REPS[k % 2] for k in range(clicks)] + [REP1] * plan.funnels
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http,
        app_with_fake_slack(workdir, rate_limits=True) as (fake, app, url),
    ):
        issued = (await fake.ask("issue", users=users))["issued"]
        burst = Burst(http, url, fake, plan, result)
        ingest = progress.add_task(f"burst: POST /api/leads, {plan.leads:,} leads", total=plan.leads)
        clicking = progress.add_task(f"burst: Accept clicks at {plan.click_rate:g}/s", total=None)
        burst.t0 = time.perf_counter()
        await asyncio.gather(
            burst.ingest(lambda n: progress.advance(ingest, n)),
            burst.clicks(issued[:clicks], lambda n: progress.advance(clicking, n)),
            burst.funnels(issued[clicks:]),
            burst.window(),
        )
        progress.update(clicking, total=1, completed=1)
        task = progress.add_task(f"burst: posted to Slack (cap {plan.cap:.0f} s)", total=plan.leads)
        await deliver(app, burst, plan, progress, task)
        final = await app.ask("delivery")
        result.ts, result.failed, result.progress = final["ts"], final["failed"], final
        result.slack = await fake.ask("stats")
    result.notes += log_problems(app.log) + log_problems(fake.log)
    return result


# --- report ----------------------------------------------------------------------------------------------------

HEAD = ["what", "value"]


def done(result: Result) -> str:
    if result.done_seconds is not None:
        return f"{result.done_seconds:.1f} s"
    return f"did not finish in {result.plan.cap:.0f} s ({result.posted:,}/{result.plan.leads:,} posted)"


def exactly_once(result: Result) -> bool:
    return result.lost == 0 and result.doubled == 0 and result.failed == 0


def summary(result: Result) -> list[Row]:
    plan, floor = result.plan, result.floor()
    finished = result.done_seconds is not None
    ratio = f"{result.done_seconds / floor:.2f}x" if finished and floor else ""
    p50, p99 = result.click(50), result.click(99)
    return [
        Row(f"Burst of {plan.leads:,} leads: all posted, outbox empty", done(result),
            f"{floor:.0f} s floor for {result.posts + plan.leads - result.posted} posts", ratio,
            f"< {plan.cap:.0f} s", passed(finished)),
        Row("Burst: chat.postMessage calls / 429s", f"{result.slack.get('posts', 0)} / "
            f"{result.slack.get('limited', 0)}"),
        Row("Burst: leads lost / posted twice", f"{result.lost} / {result.doubled}", "", "", "0 / 0",
            passed(exactly_once(result))),
        Row("Accept ack p50 / p99 during the burst and charts", f"{p50:.1f} / {p99:.1f} ms", "", "",
            f"p99 < {ACK_TARGET_MS:g} ms", passed(p99 < ACK_TARGET_MS)),
    ]  # fmt: skip


def detail_rows(result: Result) -> list[list[str]]:
    s, plan = result.slack, result.plan
    funnel = statistics.median(result.funnel_ack_ms) if result.funnel_ack_ms else math.nan
    return [
        ["burst ingested (POST /api/leads, 100 a batch)", f"{result.ingest_seconds:.2f} s"],
        ["clicking window", f"{result.window_seconds:.1f} s"],
        ["every lead posted, outbox empty", done(result)],
        ["leads with a post", f"{result.posted:,} / {plan.leads:,}"],
        ["outbox rows still pending / failed", f"{result.progress.get('pending', 0)} / {result.failed}"],
        ["chat.postMessage to the channel: ok / 429 / other errors",
         f"{s.get('ok', 0)} / {s.get('limited', 0)} / {s.get('other_errors', 0)}"],
        ["of the ok posts: thread replies", str(s.get("replies", 0))],
        ["distinct posts the leads point at", str(len({ts for ts in result.ts if ts}))],
        ["leads lost / posts without a lead (doubles)", f"{result.lost} / {result.doubled}"],
        ["floor from the limit (posts − burst) ÷ rate", f"{result.floor():.0f} s at {s.get('rate', 1):g}/s, "
                                                        f"burst {s.get('burst', 3)}"],
        ["chat.update calls", str(s.get("updates", 0))],
        ["Accept clicks measured / errors", f"{len(result.click_ms)} / {result.click_errors}"],
        ["leads accepted (by the clicks, in the background)", str(result.progress.get("stages", {}).get("sal", 0))],
        ["Accept ack p50 / p99 / max", f"{result.click(50):.1f} / {result.click(99):.1f} / "
                                       f"{max(result.click_ms, default=math.nan):.1f} ms"],
        ["/funnel commands / answered / ack p50", f"{plan.funnels} / {s.get('responses', 0)} / {funnel:.1f} ms"],
        ["charts uploaded", str(s.get("uploads", 0))],
    ]  # fmt: skip


def section(result: Result, console: Console, seconds: float, load: float) -> Section:
    plan, table = result.plan, detail_rows(result)
    console.print(rich_table(f"Burst of {plan.leads:,} leads against the per-channel limit", HEAD, table))
    for line in result.notes:
        console.print(f"• {line}", markup=False)
    body = [
        f"- Load: at t0, {plan.leads:,} leads through `POST /api/leads` in batches of 100, one after the other; "
        f"from t0, Accept clicks open-loop at {plan.click_rate:g}/s, each on a different lead of the burst, until "
        f"the burst is in, every /funnel answer arrived and at least {plan.window:g} s passed (the first "
        f"{plan.warmup} clicks not counted); {plan.funnels} `/funnel {FUNNEL}` commands, one every "
        f"{plan.funnel_every:g} s from t0. Then delivery gets until {plan.cap:.0f} s after t0.",
        "- Processes: the app (`create_app` on SQLite, its outbox worker and scheduler, the team config's "
        "defaults), a fake Slack limiting chat.postMessage per channel (1/s, burst 3, 429 + Retry-After), and "
        "this load generator measuring each click from send to the end of its answer.",
        "- Exactly once: every lead's `slack_ts` must be a post the fake made, and every top-level post in the "
        "channel must be some lead's `slack_ts` (several leads may share one batch message).",
        "",
        markdown_table(HEAD, table),
        "",
        *([f"- {line}" for line in result.notes] or ["- No errors in the server logs."]),
        "",
    ]
    return Section("burst", "Burst delivery", summary(result), body, seconds, (load, load_average()))


# --- entry point -----------------------------------------------------------------------------------------------


def plan_for(size: str) -> Plan:
    if size == "tiny":
        return Plan(leads=100, cap=2, click_rate=10, window=0.5, funnels=1, funnel_every=1, warmup=2)
    if size == "quick":
        return Plan(leads=1_000, cap=75, click_rate=20, window=10, funnels=3, funnel_every=2, warmup=10)
    return Plan(leads=1_000, cap=150, click_rate=20, window=10, funnels=5, funnel_every=2, warmup=10)


def parse_args(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench burst", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter cap on delivery (75 s)")
    parser.add_argument("--cap", type=float, help="seconds delivery gets from t0 (default 150)")
    args = parser.parse_args(argv)
    plan = plan_for("quick" if args.quick else "full")
    if args.cap:
        plan = Plan(**{**plan.__dict__, "cap": args.cap})
    return plan


async def run_all(plan: Plan, console: Console) -> Result:
    with tempfile.TemporaryDirectory(prefix="handoff-burst-") as tmp, progress_bar(console) as progress:
        return await bench(plan, Path(tmp), progress)


def run(plan: Plan, console: Console) -> Section:
    console.print(
        f"Burst: {plan.leads:,} leads against Slack's per-channel limit, Accept clicks at {plan.click_rate:g}/s and "
        f"{plan.funnels} /funnel charts meanwhile; delivery capped at {plan.cap:.0f} s"
    )
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    result = asyncio.run(run_all(plan, console))
    return section(result, console, time.perf_counter() - started, load_before)


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("burst", lambda console: run(plan, console))


if __name__ == "__main__":
    raise SystemExit(main())
