"""The benchmark's checks and tables: printed with rich, and written as markdown to bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from bench.ack_latency import AppRun, Plan

RESULTS = Path(__file__).parent / "RESULTS.md"  # written by the full suite only (`make bench`)
TARGET = 2.0  # Handoff's ack may take at most twice as long as a bare Bolt ack
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception): ")
SUMMARY_HEAD = ["metric", "measured", "baseline", "ratio", "target", "verdict"]


@dataclass(frozen=True)
class Row:
    """One line of the suite's summary table; `verdict` is PASS, GAP, or empty for a figure without a target."""

    metric: str
    measured: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""

    def cells(self) -> list[str]:
        return [self.metric, self.measured, self.baseline, self.ratio, self.target, self.verdict]


@dataclass
class Section:
    """One benchmark's part of the report: its rows of the summary table and its detail in markdown."""

    name: str  # as on the command line: ack, intake, sla, funnel, burst, memory
    title: str
    rows: list[Row]
    body: list[str]  # markdown lines, headed by the caller
    seconds: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # load average before and after
    notes: list[str] = field(default_factory=list)  # printed after the bench's own tables


def passed(ok: bool) -> str:
    return "PASS" if ok else "GAP"


def scratch_path(name: str) -> Path:
    """Where a single benchmark or a --quick run writes its report: never over the committed bench/RESULTS.md."""
    folder = Path(tempfile.gettempdir()) / "handoff-bench"
    folder.mkdir(exist_ok=True)
    return folder / f"RESULTS-{name}.md"


def shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def header(title: str, intro: str, *, load: tuple[float, float], extra: str = "") -> list[str]:
    """A report's first lines: what wrote it, when, on which machine, and how busy the machine was."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"# {title}",
        "",
        intro,
        "",
        f"- Date: {when}",
        f"- Machine: {machine()}{extra}; load average {load[0]:.2f} before the run, {load[1]:.2f} after",
        "",
    ]


def section_markdown(section: Section, level: int = 2) -> list[str]:
    """A benchmark's section: its summary rows as a table, then its detail (headings pushed down to `level`)."""
    push = "#" * (level - 2)  # the bodies' own headings are written as ### under a ## section
    body = [f"{push}{line}" if line.startswith("#") else line for line in section.body]
    return [
        f"{'#' * level} {section.title}",
        "",
        f"Took {section.seconds:.0f} s; load average {section.load[0]:.2f} before, {section.load[1]:.2f} after.",
        "",
        markdown_table(SUMMARY_HEAD, [row.cells() for row in section.rows]),
        "",
        *body,
    ]


def single_intro(name: str) -> str:
    return (
        f"Written by `python -m bench {name}` (one benchmark, or a `--quick` run) to a scratch file; `make bench` "
        "runs the whole suite and writes `bench/RESULTS.md`."
    )


def write_single(section: Section, path: Path, console: Console, *, intro: str) -> None:
    """A benchmark run alone: its section as a file of its own (a scratch path unless told otherwise)."""
    text = header(section.title, intro, load=section.load) + section_markdown(section)
    path.write_text("\n".join(text) + "\n")
    console.print(f"Wrote {shown(path)}")


def load_average() -> float:
    return os.getloadavg()[0]


def warn_if_busy(console: Console) -> float:
    load = load_average()
    if load > 1.0:
        console.print(f"[yellow]The machine is busy (load average {load:.2f}): expect noisy numbers.[/]")
    return load


def check_handoff(stats: dict[str, Any], plan: Plan, *, label: str = "handoff") -> str:
    accepted = int(stats["stages"].get("sal", 0))
    verdict = "ok" if accepted == plan.clicks and stats["updates"] >= plan.clicks else "UNEXPECTED"
    return (
        f"{label} check ({verdict}): {accepted}/{plan.clicks} clicked leads accepted, {stats['posts']} posts and "
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


def ratios(runs: list[AppRun]) -> list[tuple[int, int, float, float]]:
    """(in flight, percentile, baseline ms, handoff ms) for every level and for p50 and p99."""
    by_kind = {run.kind: run for run in runs}
    base, handoff = by_kind.get("baseline"), by_kind.get("handoff")
    if base is None or handoff is None:
        return []
    return [
        (concurrency, q, base.levels[concurrency].percentile(q), mine.percentile(q))
        for concurrency, mine in handoff.levels.items()
        for q in (50, 99)
    ]


def ratio_rows(runs: list[AppRun]) -> list[list[str]]:
    rows: dict[int, list[str]] = {}
    for concurrency, _q, ref, mine in ratios(runs):
        cells = rows.setdefault(concurrency, [str(concurrency)])
        cells += [ms(ref), ms(mine), f"{mine / ref:.2f}x", verdict(mine / ref)]
    return list(rows.values())


def split_ratios(runs: list[AppRun]) -> list[tuple[int, int, float, float]]:
    """(in flight, percentile, one process ms, web+worker ms): what moving delivery out of the web process gives."""
    by_kind = {run.kind: run for run in runs}
    one, split = by_kind.get("handoff"), by_kind.get("handoff-split")
    if one is None or split is None:
        return []
    return [
        (concurrency, q, one.levels[concurrency].percentile(q), mine.percentile(q))
        for concurrency, mine in split.levels.items()
        for q in (50, 99)
    ]


def split_rows(runs: list[AppRun]) -> list[list[str]]:
    rows: dict[int, list[str]] = {}
    for concurrency, _q, one, split in split_ratios(runs):
        rows.setdefault(concurrency, [str(concurrency)]).extend([ms(one), ms(split), f"{split / one:.2f}x"])
    return list(rows.values())


def summary_rows(runs: list[AppRun]) -> list[Row]:
    return [
        Row(f"Accept ack p{q}, {concurrency} in flight", f"{ms(mine)} ms", f"{ms(ref)} ms bare Bolt",
            f"{mine / ref:.2f}x", f"≤ {TARGET:g}x", verdict(mine / ref))
        for concurrency, q, ref, mine in ratios(runs)
    ] + [
        Row(f"Accept ack p{q}, {concurrency} in flight, web + worker", f"{ms(split)} ms", f"{ms(one)} ms one process",
            f"{split / one:.2f}x")
        for concurrency, q, one, split in split_ratios(runs)
    ]  # fmt: skip


LATENCY_HEAD = ["app", "in flight", "requests", "errors", "p50 ms", "p99 ms", "max ms", "req/s", "client CPU"]
SPLIT_HEAD = ["in flight", "one process p50", "web+worker p50", "p50 ratio", "one process p99", "web+worker p99",
              "p99 ratio"]  # fmt: skip
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


def ack_section(
    runs: list[AppRun], plan: Plan, console: Console, *, seconds: float, load: tuple[float, float]
) -> Section:
    latency, ratio_table = latency_rows(runs), ratio_rows(runs)
    legend = [f"`{run.label}`: {run.description}" for run in runs]
    notes = [note for run in runs for note in run.notes]
    console.print(rich_table("Ack latency of a signed Accept click (client-side, ms)", LATENCY_HEAD, latency))
    console.print(rich_table(f"Handoff / baseline (target: within {TARGET:g}x)", RATIO_HEAD, ratio_table))
    if split_table := split_rows(runs):
        console.print(rich_table("Web + worker / one process", SPLIT_HEAD, split_table))
    for line in legend + notes:
        console.print(f"• {line}", markup=False)
    body = [
        f"- Load: {plan.requests} measured requests per level after {plan.warmup} warm-up, concurrency "
        f"{', '.join(map(str, plan.levels))}; Handoff held {plan.leads} posted leads and every click accepted a "
        "different one.",
        "- Each server ran in its own process; one aiohttp client in another process measured from send to "
        "the end of the answer, over keep-alive connections on 127.0.0.1. `client CPU` is the load generator's "
        "CPU time over wall time: near 100% the client, not the server, sets the pace.",
        *[f"- {line}" for line in legend],
        "",
        "### Latency",
        "",
        markdown_table(LATENCY_HEAD, latency),
        "",
        f"### Handoff against the bare Bolt baseline (target: within {TARGET:g}x)",
        "",
        markdown_table(RATIO_HEAD, ratio_table),
        "",
        *(
            [
                "### Web + worker (HANDOFF_ROLE=web and `handoff worker`) against one process",
                "",
                markdown_table(SPLIT_HEAD, split_table),
                "",
            ]
            if split_table
            else []
        ),
        *([f"- {note}" for note in notes] or ["- No errors in the server logs."]),
        "",
    ]
    return Section("ack", "Ack latency of an Accept click", summary_rows(runs), body, seconds, load)


def progress_bar(console: Console) -> Progress:
    """The one progress display every benchmark shows: spinner, what it is doing, bar, n of N, time so far."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def run_alone(name: str, run: Callable[[Console], Section]) -> int:
    """`python -m bench <name>`: one benchmark on its own, its report written to a scratch file."""
    console = Console()
    write_single(run(console), scratch_path(name), console, intro=single_intro(name))
    return 0
