"""Marketing spend per month and source: what cost per MQL and acquisition cost are computed from.

Entered by `handoff spend import spend.csv` (columns month, source, amount) or the `/funnel spend` modal, which only
managers and marketing may use. A (month, source) entered again replaces the earlier amount.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.clock import Clock
from bot.config.settings import Settings
from bot.config.team import Team
from bot.errors import ConfigError, Forbidden, UserError
from bot.lifecycle.csv_cells import surplus_cells
from bot.lifecycle.money import parse_amount
from message_templates import mrkdwn
from message_templates.wording import money
from storage import metrics as queries
from storage.db import Database

COLUMNS = ("month", "source", "amount")


def parse_month(text: str) -> date:
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})(?:-01)?\s*", text or "")
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise UserError(f"{text!r} is not a month: write it like 2026-11", field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_source(text: str) -> str:
    source = (text or "").strip()
    if not 1 <= len(source) <= 100:
        raise UserError("Name the source (1 to 100 characters), as leads carry it (e.g. webinar).", field="source")
    return source


@dataclass(frozen=True)
class SpendSaved:
    month: date
    source: str
    cents: int
    replaced_cents: int | None
    respelled: bool  # written as leads (or earlier spend) carry it, not as typed
    mqls: int  # MQLs that ever came from the source
    lead_sources: list[str]

    def confirmation(self) -> str:
        """What the person who saved it is told (mrkdwn; the source is escaped)."""
        source = mrkdwn(self.source, 100)
        text = f"✅ Saved {money(self.cents)} of {self.month:%B %Y} spend for *{source}*"
        text += " (written as leads carry it)" if self.respelled and self.mqls else ""
        text += f", replacing {money(self.replaced_cents)}." if self.replaced_cents is not None else "."
        if not self.mqls:
            known = ", ".join(mrkdwn(s, 100) for s in self.lead_sources) or "none yet"
            text += (f"\n⚠️ No MQL has come from *{source}* yet, so it shows no cost per MQL: leads carry the sources "
                     f"{known}.")  # fmt: skip
        return text


class SpendService:
    def __init__(self, db: Database, team: Team, clock: Clock) -> None:
        self._db = db
        self._team = team
        self._clock = clock

    async def check_can_enter(self, user_id: str) -> None:
        if not (await self._team.is_manager(user_id) or await self._team.is_marketing(user_id)):
            raise Forbidden("Only managers and marketing can enter spend. Ask sales-ops to add you to the team file.")

    async def known_sources(self) -> list[str]:
        """The sources leads carry, the most MQLs first: what the spend modal offers."""
        async with self._db.session() as session:
            return [source for source, _ in await queries.lead_sources(session=session, limit=30)]

    async def enter(self, *, user_id: str, month: str, source: str, amount: str) -> SpendSaved:
        """Store one month's spend for one source. The source is written as leads carry it ("webinar" becomes
        "Webinar" when leads say so), or as spend already has it; a source no MQL came from is saved but flagged."""
        await self.check_can_enter(user_id)
        day, typed, cents = parse_month(month), parse_source(source), parse_amount(amount)
        async with self._db.session() as session:
            leads = await queries.lead_sources(session=session)
            spelled = {s.casefold(): s for s in await queries.spend_sources(session=session)}
            spelled.update({s.casefold(): s for s, _ in leads})
            stored = spelled.get(typed.casefold(), typed)
            before = await queries.get_spend(session=session, month=day, source=stored)
            await queries.upsert_spend(session=session, rows=[(day, stored, cents)], at=self._clock.now(), by=user_id)
        mqls = dict(leads).get(stored, 0)
        return SpendSaved(day, stored, cents, before, typed != stored, mqls, [s for s, _ in leads[:10]])

    async def record(self, rows: list[tuple[date, str, int]], *, by: str) -> tuple[int, int, int]:
        """(added, replaced, unchanged)."""
        async with self._db.session() as session:
            return await queries.upsert_spend(session=session, rows=rows, at=self._clock.now(), by=by)


@dataclass
class SpendReport:
    rows: list[tuple[date, str, int]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_spend(path: Path, progress: Progress | None = None) -> SpendReport:
    report = SpendReport()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - {(c or "").strip().lower() for c in reader.fieldnames or []}
        if missing:
            raise ConfigError(str(path), f"the header row lacks the column(s) {', '.join(sorted(missing))}")
        task = progress.add_task("Reading spend", total=None) if progress else None
        for row in reader:
            split = surplus_cells(reader.fieldnames or [], row)
            if split is not None:
                report.rejected.append((reader.line_num, f"{split[0]}: {split[1]}"))
                continue
            cells = {(k or "").strip().lower(): v or "" for k, v in row.items() if k}
            try:
                report.rows.append(
                    (parse_month(cells["month"]), parse_source(cells["source"]), parse_amount(cells["amount"]))
                )
            except UserError as exc:
                report.rejected.append((reader.line_num, f"{exc.field}: {exc.message}"))
            if progress is not None and task is not None:
                progress.advance(task)
    return report


async def import_spend(settings: Settings, team: Team, clock: Clock, path: Path) -> int:
    """Valid rows are stored in one transaction; invalid ones are listed with their line numbers (exit 1)."""
    console = Console(stderr=True)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        report = read_spend(path, progress)
    db = Database(settings.database_url)
    try:
        added, replaced, unchanged = await SpendService(db, team, clock).record(report.rows, by="import")
    finally:
        await db.dispose()
    console.print(
        f"[bold]{added}[/] added, [bold]{replaced}[/] replaced, [bold]{unchanged}[/] unchanged, "
        f"[bold]{len(report.rejected)}[/] rejected"
    )
    for line, why in report.rejected:
        console.print(f"  line {line}: {why}", markup=False, highlight=False, soft_wrap=True)
    return 1 if report.rejected else 0
