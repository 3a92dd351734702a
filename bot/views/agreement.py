"""`/sla` and `handoff sla show`: the agreement in force, each term for both sides and this quarter's compliance per
term; `/sla history`: every version with what changed. One view for Slack (Block Kit) and the terminal (plain)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bot.agreement.registry import Agreements
from bot.clock import Clock
from bot.config.team_file import HandoffConfig
from bot.sla.reviews import quarter_bounds, quarter_name
from message_templates import as_plain, cut, mrkdwn
from message_templates import terms as words
from message_templates.wording import mention, percent
from storage import agreements as store
from storage import sla as sla_queries
from storage.db import Database
from storage.models import AgreementVersion
from storage.sla import ClockCompliance, Intake

BOLD = re.compile(r"\*([^*\n]+)\*")
MAX_VERSIONS = 40  # a history section each: within Block Kit's 50 blocks with the header and the footer
MAX_CHANGES = 15
SALES_CLOCKS = ("accept", "first_touch", "follow_up")
NONE_YET = "No version is stored yet: Handoff adopts the team file's [sla] when it starts."
CLOCK_TERMS = {"accept": "Accept", "first_touch": "First contact", "follow_up": "Follow-up cadence"}


@dataclass(frozen=True)
class AgreementView:
    """A header, mrkdwn sections (already escaped), a footer: what `ephemeral/agreement.json.j2` renders."""

    title: str
    sections: list[str]
    footer: str

    def plain(self) -> str:
        """The same, for a terminal (no bold marks, entities as their characters)."""
        text = "\n\n".join([self.title, *self.sections, self.footer])
        return as_plain(BOLD.sub(r"\1", text))


def approved_by(row: AgreementVersion) -> str:
    if row.source == "team_file" and not row.approved_by:
        return "the team file"
    return " and ".join(mention(u) for u in row.approved_by) or mrkdwn(row.source, 40)


def day(at: datetime, config: HandoffConfig) -> str:
    return at.astimezone(config.tz).strftime("%a %b %-d %Y, %H:%M %Z")


def _kept(c: ClockCompliance | None) -> str:
    if c is None or not c.decided:
        return "no clock settled yet"
    return f"{percent(c.rate)} met ({c.met} of {c.decided})"


class AgreementViews:
    def __init__(self, db: Database, agreements: Agreements, config: HandoffConfig, clock: Clock) -> None:
        self._db = db
        self._agreements = agreements
        self._config = config
        self._clock = clock

    def _quarter(self) -> tuple[date, datetime, datetime]:
        today = self._clock.now().astimezone(self._config.tz).date()
        start, end = quarter_bounds(today)
        utc = [datetime.combine(d, time(0), self._config.tz).astimezone(UTC) for d in (start, end)]
        return start, utc[0], utc[1]

    async def show(self) -> AgreementView:
        start, since, until = self._quarter()
        async with self._db.reading() as session:
            row = await store.newest(session)
            kept = await store.compliance_by_version(session, start=since, end=until)
            intake = await sla_queries.intake_between(session=session, start=since, end=until)
        if row is None:
            return AgreementView(
                "📜 The agreement",
                ["No version is stored yet: Handoff adopts the team file's [sla] when it starts."],
                "",
            )
        terms, name = row.terms, quarter_name(start)
        sales = [f"*Sales commits* (compliance in {name}: met ÷ settled of the clocks started this quarter)"]
        for clock in SALES_CLOCKS:
            line = f"• *{CLOCK_TERMS[clock]}*: {words.clock_terms(terms.get(clock))}"
            runs = {v: c for v, clocks in kept.items() for c in clocks if c.clock == clock}
            if len(runs) > 1:
                line += "\n    " + " · ".join(f"version {v}: {_kept(c)}" for v, c in runs.items())
            elif terms.get(clock) is not None or runs:
                line += f"\n    this quarter: {_kept(next(iter(runs.values()), None))}"
            sales.append(line)
        marketing = ["*Marketing commits*", *self._marketing(terms, intake, start)]
        head = (
            f"*Version {row.version}* in force since {day(row.effective_at, self._config)}, approved by "
            f"{approved_by(row)}"
        )
        if row.rationale:
            head += f"\nWhy: {mrkdwn(row.rationale, 500)}"
        footer = "/sla history lists every version and what it changed · /sla propose changes a term"
        return AgreementView(
            "📜 The agreement between sales and marketing", [head, "\n".join(sales), "\n".join(marketing)], footer
        )

    def _marketing(self, terms: dict[str, Any], intake: Intake, start: date) -> list[str]:
        volume = terms.get("mql_volume") or {}
        mql = terms.get("mql") or {}
        today = self._clock.now().astimezone(self._config.tz).date()
        monthly, floor = volume.get("monthly_target"), volume.get("min_accept_rate")
        line = f"• *Monthly MQL volume*: {monthly if monthly is not None else words.UNSET}"
        if monthly is not None:
            due = round(monthly * ((today - start).days + 1) / 30.4375)
            share = f" ({intake.mqls / due * 100:.0f}%)" if due else ""
            line += f"\n    this quarter: {intake.mqls} MQLs against {due} pro rata{share}"
        lines = [line]
        line = f"• *Acceptance floor*: {words.value('min_accept_rate', floor)}"
        if floor is not None:
            decided = intake.accepted + intake.rejected
            line += f"\n    this quarter: {percent(intake.accept_rate)} accepted ({intake.accepted} of {decided})"
        lines.append(line)
        bar = mql.get("min_score") or 0
        rule = words.value("rule", mql.get("rule")) if mql.get("rule") else "no rule in words"
        lines.append(f"• *MQL definition*: score ≥ {bar} (unscored leads pass) · {rule}")
        content = words.clock_terms(terms.get("content_request")).replace("to manager", "to marketing's manager")
        lines.append(f"• *Content requests* answered within {content}")
        return lines

    async def history(self) -> AgreementView:
        async with self._db.reading() as session:
            rows = await store.versions(session)
        rows.reverse()
        sections = [self._version(row) for row in rows[:MAX_VERSIONS]]
        if len(rows) > MAX_VERSIONS:
            sections.append(f"…and {len(rows) - MAX_VERSIONS} older versions")
        if not sections:
            sections = [NONE_YET]
        return AgreementView("📜 The agreement's versions, newest first", sections, "/sla shows the version in force")

    def _version(self, row: AgreementVersion) -> str:
        head = f"*Version {row.version}* · {day(row.effective_at, self._config)} · {approved_by(row)}"
        if row.version == 1 or not row.changes:
            return head + "\n• The first version, as the team file wrote it"
        told = [f"• {words.change(c['term'], c.get('before'), c.get('after'))}" for c in row.changes[:MAX_CHANGES]]
        if len(row.changes) > MAX_CHANGES:
            told.append(f"• …and {len(row.changes) - MAX_CHANGES} more changes")
        if row.rationale:
            told.append(f"Why: {mrkdwn(row.rationale, 300)}")
        return cut("\n".join([head, *told]), 2900)
