"""`handoff import leads.csv`: a bulk backfill through the same validation and write path as the intake API.

Columns (header row required): external_id, email, name, company, title, source, campaign, score, and optionally
activity (a JSON list of {"at", "kind", "detail"}) and the history columns of bot/lifecycle/backfill.py
(received_at, stage, owner, decided_at, amount, reason). Unknown columns are ignored. Rows are validated one by one;
valid rows are stored in batches (one transaction each), duplicates are skipped, invalid rows are reported with
their line number and why. A running app posts imported new MQLs through its outbox; `--no-post` stores them only,
and a row with history is never posted, starts no SLA clock and is announced nowhere."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.agreement.registry import Agreements
from bot.clock import SystemClock
from bot.config.settings import Settings
from bot.config.team_file import HandoffConfig
from bot.errors import ConfigError
from bot.lifecycle.backfill import COLUMNS as HISTORY_COLUMNS
from bot.lifecycle.backfill import History, parse_history
from bot.lifecycle.csv_cells import surplus_cells
from bot.lifecycle.intake import Intake
from bot.lifecycle.intake_input import MAX_BATCH, LeadIn, field_errors
from bot.sla.reviews import SlaReviews
from storage.db import Database

REQUIRED_COLUMNS = {"external_id"}


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


Row = dict[str, Any] | str  # a row's cells by column, or why the row cannot be read


def _rows(path: Path) -> Iterator[tuple[int, Row]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {c.strip() for c in reader.fieldnames or []}
        missing = REQUIRED_COLUMNS - columns
        if missing:
            raise ConfigError(str(path), f"the header row lacks the column(s) {', '.join(sorted(missing))}")
        for row in reader:
            split = surplus_cells([c.strip() for c in reader.fieldnames or []], row)
            if split is not None:
                yield reader.line_num, f"{split[0]}: {split[1]}"
                continue
            yield reader.line_num, {(k or "").strip(): v for k, v in row.items() if k}


def parse_row(row: dict[str, Any], *, tz: ZoneInfo, now: datetime) -> tuple[LeadIn, History | None]:
    """The lead and its history (None for a new MQL, received now). Raises ValidationError or ValueError."""
    data = {k: (v if v != "" else None) for k, v in row.items() if k not in HISTORY_COLUMNS}
    activity = data.pop("activity", None)
    if activity:
        try:
            data["activity"] = json.loads(activity)
        except json.JSONDecodeError as exc:
            raise ValueError(f"activity: not a JSON list ({exc.msg})") from None
    lead = LeadIn.model_validate(data)
    return lead, parse_history(row, tz=tz, now=now)


async def import_rows(
    intake: Intake,
    rows: Iterator[tuple[int, Row]],
    *,
    post: bool,
    tz: ZoneInfo,
    now: datetime,
    progress: Progress | None = None,
    total: int | None = None,
) -> ImportReport:
    report = ImportReport()
    batch: list[LeadIn] = []
    history: dict[str, History] = {}
    task = progress.add_task("importing leads", total=total) if progress else None

    async def flush() -> None:
        if not batch:
            return
        results = await intake.ingest(batch, actor="import", post=post, history=history, bar=False)
        report.imported += sum(r.created for r in results)
        report.duplicates += sum(not r.created for r in results)
        if progress is not None and task is not None:
            progress.advance(task, len(batch))
        batch.clear()
        history.clear()

    for line, row in rows:
        try:
            if isinstance(row, str):
                raise ValueError(row)
            lead, past = parse_row(row, tz=tz, now=now)
            batch.append(lead)
            if past is not None:
                history.setdefault(lead.external_id, past)
        except ValidationError as exc:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc, in_list=False))
            report.rejected.append((line, problems))
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
        else:
            if len(batch) >= MAX_BATCH:
                await flush()
            continue
        if progress is not None and task is not None:
            progress.advance(task, 1)
    await flush()
    return report


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


async def import_csv(settings: Settings, config: HandoffConfig, path: Path, *, post: bool) -> int:
    console = Console(stderr=True)
    db = Database(settings.database_url)
    clock = SystemClock()
    intake = Intake(db, clock, Agreements(db, config, clock))  # another process (the app) delivers the posts
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    reviews = SlaReviews(db, config, clock)
    try:
        due_before = await reviews.due()
        with Progress(*columns, console=console, transient=False) as progress:
            report = await import_rows(
                intake, _rows(path), post=post, tz=config.tz, now=clock.now(), progress=progress,
                total=count_rows(path),
            )  # fmt: skip
        # History is not news: what the import alone made due ("Marketing hit the MQL target") is never announced.
        await reviews.consider_made((await reviews.due()) - due_before)
    finally:
        await db.dispose()
    console.print(
        f"[bold]{report.imported}[/] imported, [bold]{report.duplicates}[/] skipped as duplicates, "
        f"[bold]{len(report.rejected)}[/] rejected" + ("" if post else " (not posted to Slack: --no-post)")
    )
    for line, why in report.rejected:
        console.print(f"  line {line}: {why}", markup=False, highlight=False, soft_wrap=True)
    return 1 if report.rejected else 0
