"""`handoff content import library.csv`: assets in bulk, checked line by line as the `/content add` modal checks
them (bot/content/assets.read_asset) and stored through the same write path (bot/content/library.add_assets).

Columns (header row required): title, kind, url, and optionally stage, industries, tags, owner, expires; lists are
separated by `;`. New assets are announced as the modal's are (`--no-announce`: stored only). A bad line is
reported with its number and field and changes nothing; good lines are stored in batches, each batch one
transaction (a line is stored whole or not at all). A line whose URL the library has updates that asset. Bytes
that are not UTF-8, NUL characters and cells over the CSV limit make a bad line, not a failed import. A progress
bar runs on stderr; the summary says how many were added, updated and bad."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import IntegrityError

from bot.clock import SystemClock
from bot.config.settings import Settings
from bot.config.team_file import HandoffConfig
from bot.content.assets import AssetInput, read_asset
from bot.content.library import add_assets
from bot.errors import ConfigError, UserError
from storage.db import Database

REQUIRED: tuple[str, ...] = ("title", "kind", "url")
COLUMNS: tuple[str, ...] = ("title", "kind", "url", "stage", "industries", "tags", "owner", "expires")
BATCH = 200
CELL_LIMIT = 100_000  # characters: far over any field's own limit, so the field's check names the problem
ACTOR = "import"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


def _not_utf8(cells: dict[str, str]) -> str | None:
    for column, value in cells.items():
        if any("\udc80" <= c <= "\udcff" for c in value):
            return column
    return None


def read_lines(path: Path, today: date, report: ImportReport) -> Iterator[tuple[int, AssetInput | None]]:
    """Each data line as (line number, the asset) or (line number, None) once its problem is in `report`."""
    csv.field_size_limit(CELL_LIMIT)
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        try:
            header = [c.strip().lower() for c in next(reader)]
        except (StopIteration, csv.Error):
            header = []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ConfigError(str(path), f"the header row lacks the column(s) {', '.join(missing)} "
                              f"(columns: {','.join(COLUMNS)})")  # fmt: skip
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                report.bad.append((reader.line_num, f"row: cannot be read as CSV ({str(exc)[:80]})"))
                yield reader.line_num, None
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                report.bad.append((reader.line_num, f"row: {len(cells)} cells but the header has {len(header)} "
                                   "columns: quote every value that contains a comma"))  # fmt: skip
                yield reader.line_num, None
                continue
            row = {name: value for name, value in zip(header, cells, strict=False) if name in COLUMNS}
            if (column := _not_utf8(row)) is not None:
                report.bad.append((reader.line_num, f"{column}: not UTF-8 text"))
                yield reader.line_num, None
                continue
            try:
                yield reader.line_num, read_asset(row, today)
            except UserError as exc:
                report.bad.append((reader.line_num, f"{exc.field or 'row'}: {exc.message}"))
                yield reader.line_num, None


async def store_batch(
    db: Database, config: HandoffConfig, batch: list[AssetInput], report: ImportReport, *, announce: bool
) -> None:
    clock = SystemClock()
    for attempt in range(3):  # a replica (or a modal) adding the same URL meanwhile: the retry updates it
        try:
            async with db.session() as session:
                stored = await add_assets(session, config, batch, actor=ACTOR, now=clock.now(), announce=announce)
            added = len({asset.id for asset, created in stored if created})
            report.added, report.updated = report.added + added, report.updated + len(stored) - added
            return
        except IntegrityError:
            if attempt == 2:
                raise


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


async def import_library(settings: Settings, config: HandoffConfig, path: Path, *, announce: bool = True) -> int:
    console = Console(stderr=True)
    db = Database(settings.database_url)
    report = ImportReport()
    today = SystemClock().now().astimezone(config.tz).date()
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("importing assets", total=count_lines(path))
            batch: list[AssetInput] = []
            for _line, asset in read_lines(path, today, report):
                if asset is not None:
                    batch.append(asset)
                if len(batch) >= BATCH:
                    await store_batch(db, config, batch, report, announce=announce)
                    batch.clear()
                progress.advance(task, 1)
            if batch:
                await store_batch(db, config, batch, report, announce=announce)
    finally:
        await db.dispose()
    console.print(f"added [bold]{report.added}[/], updated [bold]{report.updated}[/], bad [bold]{len(report.bad)}[/]")
    for line, why in report.bad:
        console.print(f"  line {line}: {why}", markup=False, highlight=False, soft_wrap=True)
    return 1 if report.bad else 0
