"""The benchmark's checks and tables: printed with rich, and written as markdown to bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from bench.ack_latency import AppRun, Plan

RESULTS = Path(__file__).parent / "RESULTS.md"
TARGET = 2.0  # Handoff's ack may take at most twice as long as a bare Bolt ack
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception): ")


def check_handoff(stats: dict[str, Any], plan: Plan) -> str:
    accepted = int(stats["stages"].get("sal", 0))
    verdict = "ok" if accepted == plan.clicks and stats["updates"] >= plan.clicks else "UNEXPECTED"
    return (
        f"handoff check ({verdict}): {accepted}/{plan.clicks} clicked leads accepted, {stats['posts']} posts and "
        f"{stats['updates']} chat.update calls on the fake, {stats['ephemeral_replies']} ephemeral error replies, "
        f"{stats['outbox_failed']} failed outbox rows"
    )


def log_problems(log: Path) -> list[str]:
    """One line per server log with errors: how many, the first, and the exception it ended in."""
    lines = log.read_text(errors="replace").splitlines()
    errors = [ln for ln in lines if " ERROR " in ln or " CRITICAL " in ln]
    if not errors:
        return []
    cause = next((ln for ln in lines if EXCEPTION_LINE.match(ln)), "")
    return [f"{log.stem} server log: {len(errors)} error(s), first: {errors[0][:160]} ({cause[:160]})"]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    return (
        f"{platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"slack-bolt {version('slack-bolt')}, aiohttp {version('aiohttp')}, SQLAlchemy {version('sqlalchemy')}"
    )


def ms(value: float) -> str:
    return f"{value:.2f}"


def verdict(ratio: float) -> str:
    return "PASS" if ratio <= TARGET else "GAP"


def latency_rows(runs: list[AppRun]) -> list[list[str]]:
    rows = []
    for run in runs:
        for concurrency, level in run.levels.items():
            rows.append(
                [
                    run.label,
                    str(concurrency),
                    str(len(level.latencies_ms)),
                    str(level.errors),
                    ms(level.percentile(50)),
                    ms(level.percentile(99)),
                    ms(max(level.latencies_ms, default=float("nan"))),
                    f"{level.rate:.0f}",
                    f"{level.client_cpu:.0%}",
                ]
            )
    return rows


def ratio_rows(runs: list[AppRun]) -> list[list[str]]:
    by_kind = {run.kind: run for run in runs}
    base, handoff = by_kind.get("baseline"), by_kind.get("handoff")
    if base is None or handoff is None:
        return []
    rows = []
    for concurrency, mine in handoff.levels.items():
        ref = base.levels[concurrency]
        cells = [str(concurrency)]
        for q in (50, 99):
            ratio = mine.percentile(q) / ref.percentile(q)
            cells += [ms(ref.percentile(q)), ms(mine.percentile(q)), f"{ratio:.2f}x", verdict(ratio)]
        rows.append(cells)
    return rows


LATENCY_HEAD = ["app", "in flight", "requests", "errors", "p50 ms", "p99 ms", "max ms", "req/s", "client CPU"]
RATIO_HEAD = [
    "in flight",
    "baseline p50",
    "handoff p50",
    "p50 ratio",
    "p50 (≤2x)",
    "baseline p99",
    "handoff p99",
    "p99 ratio",
    "p99 (≤2x)",
]


def markdown_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def rich_table(title: str, head: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for i, name in enumerate(head):
        # A fixed width per column, as wide as its longest value or header word: headers wrap, numbers never do.
        width = max([len(word) for word in name.split()] + [len(row[i]) for row in rows])
        table.add_column(name, justify="left" if i == 0 else "right", width=width)
    for row in rows:
        styled = [f"[green]{c}[/]" if c == "PASS" else f"[red]{c}[/]" if c == "GAP" else c for c in row]
        table.add_row(*styled)
    return table


def write_results(
    runs: list[AppRun], plan: Plan, console: Console, *, seconds: float, load: tuple[float, float]
) -> None:
    latency, ratios = latency_rows(runs), ratio_rows(runs)
    legend = [f"`{run.label}`: {run.description}" for run in runs]
    notes = [note for run in runs for note in run.notes]
    console.print(rich_table("Ack latency of a signed Accept click (client-side, ms)", LATENCY_HEAD, latency))
    console.print(rich_table(f"Handoff / baseline (target: within {TARGET:g}x)", RATIO_HEAD, ratios))
    for line in legend + notes:
        console.print(f"• {line}", markup=False)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# Ack latency benchmark",
            "",
            "Generated by `make bench` (`python -m bench`); overwritten on every run.",
            "",
            f"- Date: {when}",
            f"- Machine: {machine()}; load average {load[0]:.2f} before the run, {load[1]:.2f} after",
            f"- Load: {plan.requests} measured requests per level after {plan.warmup} warm-up, "
            f"concurrency {', '.join(map(str, plan.levels))}; Handoff held {plan.leads} posted leads and every "
            f"click accepted a different one. Total run {seconds:.0f} s.",
            "- Each server ran in its own process; one aiohttp client in another process measured from send to "
            "the end of the answer, over keep-alive connections on 127.0.0.1. `client CPU` is the load generator's "
            "CPU time over wall time: near 100% the client, not the server, sets the pace.",
            "",
            *[f"- {line}" for line in legend],
            "",
            "## Latency",
            "",
            markdown_table(LATENCY_HEAD, latency),
            "",
            f"## Handoff against the bare Bolt baseline (target: within {TARGET:g}x)",
            "",
            markdown_table(RATIO_HEAD, ratios),
            "",
            *([f"- {note}" for note in notes] or ["- No errors in the server logs."]),
            "",
        ]
    )
    RESULTS.write_text(text)
    console.print(f"Wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
