"""`python -m bench`: every benchmark in one go, one summary table, and bench/RESULTS.md.

The order is ack latency, intake, the SLA sweep and /funnel at 1,000,000 leads, the burst, the click storm, idle
memory. Sizes are chosen so the whole run takes under 10 minutes on a 2-core machine: the big SLA and /funnel
databases take most of that to generate, so they are kept in a cache (bench/cache.py) and reused by the next run.
`--quick` runs smaller sizes and writes its report to a scratch file; only a full run writes bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import io
import multiprocessing
import sqlite3
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from bench import ack_latency, burst, cache, click_storm, funnel_bench, intake, memory, sla_sweep
from bench.report import (
    RESULTS,
    SUMMARY_HEAD,
    Row,
    Section,
    header,
    load_average,
    markdown_table,
    scratch_path,
    section_markdown,
    shown,
)

BENCHES = ("ack", "intake", "sla", "funnel", "burst", "storm", "memory")
MEANING = [
    "`Accept ack`: time from sending a signed Accept click to reading the whole answer, Handoff against a bare "
    "Bolt app that only acks, one request and 20 requests in flight.",
    "`Intake`: leads committed per second through `POST /api/leads` in batches of 100, against inserting the "
    "same rows (lead, event, outbox row) with executemany through the same driver.",
    "`SLA sweep`: one sweep finding 100 due escalation steps among 1,000,000 leads, against one SELECT of the due "
    "rows; `growth` compares it with the same sweep among 100,000 leads.",
    "`/funnel`: `/funnel this quarter by source` computed over 1,000,000 leads, against one hand-written GROUP BY "
    "of the cohort's counts; the chart is the PNG it uploads.",
    "`Burst`: 1,000 leads arriving at once, until each has its Slack post, against the floor Slack's per-channel "
    "limit sets for the posts made; every lead must be posted exactly once; Accept acks are measured meanwhile, "
    "with /funnel charts rendering.",
    "`Click storm`: thousands of stale Accept clicks on one lead with many in flight, while one lead at a time "
    "arrives at intake and another rep accepts other leads: intake p99 against intake on the quiet app, and how long "
    "the work behind the acks still runs after the last one.",
    "`Idle memory`: resident set of `python -m bot` on an empty database, idle after start-up.",
]


def steps(size: str, *, use_cache: bool, postgres: str | None, console: Console) -> dict[str, Callable[[], Section]]:
    return {
        "ack": lambda: ack_latency.run(ack_latency.plan_for(size), console),
        "intake": lambda: intake.run(intake.plan_for(size, postgres=postgres), console),
        "sla": lambda: sla_sweep.run(sla_sweep.plan_for(size, cache=use_cache), console),
        "funnel": lambda: funnel_bench.run(funnel_bench.plan_for(size, cache_db=use_cache), console),
        "burst": lambda: burst.run(burst.plan_for(size), console),
        "storm": lambda: click_storm.run(click_storm.plan_for(size), console),
        "memory": lambda: memory.run(memory.idle_for(size), console),
    }


def quietly(name: str, size: str, use_cache: bool, postgres: str | None) -> Section:
    gc.freeze()  # the forked test process's objects: the benchmarks' gc.collect() calls need not scan them again
    return steps(size, use_cache=use_cache, postgres=postgres, console=Console(file=io.StringIO()))[name]()


def run_suite(
    size: str,
    out: Path,
    console: Console,
    *,
    use_cache: bool = True,
    postgres: str | None = intake.POSTGRES,
    only: tuple[str, ...] = BENCHES,
    side_by_side: bool = False,
) -> list[Section]:
    """Run the benchmarks, print one summary table, write the report to `out`; returns each one's section.

    `side_by_side` runs them all at once, each in a forked process with a quiet console: for the smoke test, which
    checks the plumbing and the table, not the figures (they disturb each other's)."""
    load_before, started = load_average(), time.perf_counter()
    console.print(f"Handoff benchmarks ({size}): {', '.join(only)}")
    if use_cache:
        console.print(f"Generated databases are cached in {cache.folder()} (`--no-cache` to generate them afresh)")
    sections = []
    if side_by_side:
        with ProcessPoolExecutor(len(only), mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(quietly, name, size, use_cache, postgres) for name in only]
            sections = [future.result() for future in futures]
    todo = steps(size, use_cache=use_cache, postgres=postgres, console=console)
    for n, name in enumerate(only if not side_by_side else (), 1):
        console.rule(f"[{n}/{len(only)}] {name} · {time.perf_counter() - started:.0f} s elapsed")
        sections.append(todo[name]())
        console.print(f"[{n}/{len(only)}] {name} took {sections[-1].seconds:.0f} s")
    seconds = time.perf_counter() - started
    rows = [row for section in sections for row in section.rows]
    console.rule(f"Summary · {seconds:.0f} s in all")
    if console.width >= 130:
        console.print(summary_table(rows))
    else:  # too narrow for six columns: one line each
        for row in rows:
            against = "; ".join(x for x in (row.baseline, row.ratio) if x)
            target = f", target {row.target}" if row.target else ""
            verdict = {"PASS": " [green]PASS[/]", "GAP": " [red]GAP[/]"}.get(row.verdict, "")
            console.print(
                f"• {row.metric}: [bold]{row.measured}[/]{f' ({against})' if against else ''}{target}{verdict}"
            )
    write(sections, rows, out, size=size, seconds=seconds, load=(load_before, load_average()), use_cache=use_cache)
    console.print(f"Wrote {shown(out)}")
    return sections


def summary_table(rows: list[Row]) -> Table:
    """The summary for a wide terminal: the figures never wrap."""
    table = Table(title="Handoff benchmarks", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for i, name in enumerate(SUMMARY_HEAD):
        table.add_column(name, justify="left" if i in (0, 2, 4) else "right", no_wrap=i > 0, overflow="fold")
    for row in rows:
        cells = row.cells()
        cells[-1] = {"PASS": "[green]PASS[/]", "GAP": "[red]GAP[/]"}.get(cells[-1], cells[-1])
        table.add_row(*cells)
    return table


def write(
    sections: list[Section], rows: list[Row], out: Path, *, size: str, seconds: float, load: tuple[float, float],
    use_cache: bool,
) -> None:  # fmt: skip
    reused = [s.name for s in sections if any("reused" in line for line in s.body)]
    intro = (
        "Generated by `make bench` (`python -m bench`); overwritten on every run. Each section below is one "
        "benchmark (`python -m bench <name>` runs it alone, to a scratch file)."
    )
    extra = f", SQLite {sqlite3.sqlite_version}, matplotlib {version('matplotlib')}, asyncpg {version('asyncpg')}"
    text = header("Handoff benchmarks", intro, load=load, extra=extra) + [
        f"- Run: {size} sizes, {seconds:.0f} s in all"
        + (f"; databases reused from the cache for: {', '.join(reused)}" if reused else "")
        + ("" if use_cache else "; cache off")
        + ". The machine is shared: other work running at the same time makes the figures noisier; each "
        "section gives its load average.",
        "",
        "## Summary",
        "",
        markdown_table(SUMMARY_HEAD, [row.cells() for row in rows]),
        "",
        *[f"- {line}" for line in MEANING],
        "",
    ]
    for section in sections:
        text += section_markdown(section)
    out.write_text("\n".join(text).rstrip() + "\n")


def report_path(*, quick: bool, out: Path | None = None) -> Path:
    """Only a full run writes the committed bench/RESULTS.md; a --quick run writes a scratch file."""
    return out or (scratch_path("suite") if quick else RESULTS)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; the report goes to a scratch file")
    parser.add_argument("--tiny", action="store_true", help="every benchmark in seconds (a smoke run)")
    parser.add_argument("--no-cache", action="store_true", help="generate the big databases afresh, keep nothing")
    parser.add_argument("--no-postgres", action="store_true", help="intake on SQLite only")
    parser.add_argument("--out", type=Path, help="write the report here instead")
    args = parser.parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    out = report_path(quick=args.quick or args.tiny, out=args.out)
    postgres = None if args.no_postgres else intake.POSTGRES
    run_suite(size, out, Console(), use_cache=not args.no_cache, postgres=postgres)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
