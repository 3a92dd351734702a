"""The benchmark suite's plumbing at a tiny size: every benchmark runs, and the summary table has all its rows.

No figure is checked (they are meaningless at this size, and the benchmarks run side by side here); `make bench`
measures. PostgreSQL is left out, so its intake row is too.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bench import suite
from bench.report import RESULTS

ROWS = [
    "Accept ack p50, 1 in flight",
    "Accept ack p99, 1 in flight",
    "Accept ack p50, 20 in flight",
    "Accept ack p99, 20 in flight",
    "Intake, SQLite, batches of 100 (leads/s committed)",
    "SLA sweep, 100 due steps, 12,000 leads",
    "SLA sweep growth, 12,000 against 10,000 leads",
    "/funnel this quarter by source, 10,000 leads",
    "/funnel this quarter by source, 10,000 leads: time",
    "/funnel chart (PNG)",
    "Burst of 100 leads: all posted, outbox empty",
    "Burst: chat.postMessage calls / 429s",
    "Burst: leads lost / posted twice",
    "Accept ack p50 / p99 during the burst and charts",
    "Idle app memory (RSS of `python -m bot`)",
]


def test_the_suite_at_a_tiny_size_reports_every_row(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    console = Console(file=io.StringIO(), width=200)
    sections = suite.run_suite("tiny", out, console, use_cache=False, postgres=None, side_by_side=True)

    assert [s.name for s in sections] == list(suite.BENCHES)
    assert [row.metric for s in sections for row in s.rows] == ROWS
    for row in (row for s in sections for row in s.rows):
        assert row.measured and row.verdict in ("PASS", "GAP", ""), row
    text = out.read_text()
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert all(f"| {metric} |" in summary for metric in ROWS)
    assert all(f"## {s.title}" in text for s in sections)
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Idle app memory" in printed


def test_only_a_full_run_writes_the_committed_results() -> None:
    assert suite.report_path(quick=False) == RESULTS
    assert suite.report_path(quick=True) != RESULTS
    assert suite.report_path(quick=True).parent != RESULTS.parent
