"""Marketing's side of the SLA and the quarterly review: scheduled checks that post to the leads channel.

Each announcement has a key ("mql_volume:behind:2026-11"); the key is marked in `job_marks` in the same transaction
that queues the post, so it is made once per period however often the check runs and however many replicas run it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agreement.registry import Agreements
from bot.clock import Clock
from bot.config.team_file import HandoffConfig, SlaConfig
from bot.content.request_clock import compliance, compliance_text
from bot.delivery import outbox_kinds as kinds
from bot.ids import Action
from bot.insight.quality import lead_facts
from bot.reports.metrics import Metrics
from bot.reports.periods import Period
from bot.reports.reps import rep_figures
from bot.sla.drift import drift_notes
from bot.sla.review_proposals import Suggestion, bar_suggestion, speed_suggestion, suggestions
from message_templates.wording import clock_name, mention, percent
from storage import content_requests as content_queries
from storage import sla as queries
from storage.clock_times import ClockTimes, clock_times
from storage.db import Database

log = logging.getLogger(__name__)

MIN_DECIDED = 10  # an acceptance rate over fewer decisions says little
PACE_FLOOR = 0.8  # "behind" = under 80 % of the pro-rata target once half the month is gone (40 % at mid-month)


@dataclass(frozen=True)
class Announcement:
    key: str
    title: str
    lines: list[str]
    footer: str
    button: dict[str, str] | None = None


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return start, end


def quarter_name(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


class SlaReviews:
    def __init__(self, db: Database, config: HandoffConfig, clock: Clock, agreements: Agreements | None = None) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._agreements = agreements
        self._metrics = Metrics(db, config, clock)

    def _utc(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self._config.tz).astimezone(UTC)

    async def run(self) -> list[str]:
        """Post whatever is due now and was not posted before; returns the keys posted (for logs and tests)."""
        now = self._clock.now()
        today = now.astimezone(self._config.tz).date()
        candidates = [
            *(await self._marketing(now, today)),
            *(await self._drift(today)),
            *(await self._quarterly(now, today)),
        ]
        posted: list[str] = []
        async with self._db.session() as session:
            for item in candidates:
                row = kinds.announcement(item.key, item.title, item.lines, item.footer, button=item.button)
                if await kinds.announce_once(session, row, mark=item.key, now=now):
                    posted.append(item.key)
        if posted:
            log.info("SLA announcements queued: %s", ", ".join(posted))
        return posted

    async def due(self) -> set[str]:
        """The keys of marketing's announcements due now, made already or not (a backfill compares before/after)."""
        now = self._clock.now()
        today = now.astimezone(self._config.tz).date()
        return {item.key for item in [*(await self._marketing(now, today)), *(await self._drift(today))]}

    async def consider_made(self, keys: Iterable[str]) -> None:
        """Mark announcements as made without posting them: what imported history made due is not news."""
        async with self._db.session() as session:
            for key in keys:
                await queries.mark_once(session=session, key=key, at=self._clock.now())

    async def _sla(self) -> SlaConfig:
        """The agreement in force: its targets are the ones each side is held to now."""
        return await self._agreements.sla_now() if self._agreements else self._config.sla

    async def _marketing(self, now: datetime, today: date) -> list[Announcement]:
        volume = (await self._sla()).mql_volume
        if volume.monthly_target is None and volume.min_accept_rate is None:
            return []
        start, end = month_bounds(today)
        month_start, month_end = self._utc(start), self._utc(end)
        async with self._db.session() as session:
            intake = await queries.intake_between(session=session, start=month_start, end=month_end)
        month = f"{today:%B %Y}"
        key_month = f"{today:%Y-%m}"
        found: list[Announcement] = []
        target = volume.monthly_target
        if target is not None:
            elapsed = (now - month_start) / (month_end - month_start)
            share = f"{intake.mqls} of {target} MQLs ({intake.mqls / target * 100:.0f}%)"
            if intake.mqls >= target:
                found.append(
                    Announcement(
                        f"mql_volume:met:{key_month}",
                        f"🎯 Marketing hit the MQL target for {month}",
                        [f"*{share}* with {(1 - elapsed) * 100:.0f}% of the month to go. Thank you, marketing!"],
                        "Marketing's side of the SLA · [sla.mql_volume] monthly_target",
                    )
                )
            elif elapsed >= 0.5 and intake.mqls < PACE_FLOOR * elapsed * target:
                expected = elapsed * target
                found.append(
                    Announcement(
                        f"mql_volume:behind:{key_month}",
                        f"📉 MQL volume is pacing behind for {month}",
                        [
                            f"*{share}* with {elapsed * 100:.0f}% of the month gone — "
                            f"about {expected:.0f} would be on pace.",
                            "Marketing: which campaigns can add volume this month? Sales: is the definition "
                            "of an MQL filtering out leads you would take?",
                        ],
                        "Marketing's side of the SLA · [sla.mql_volume] monthly_target",
                    )
                )
        floor = volume.min_accept_rate
        decided = intake.accepted + intake.rejected
        if floor is not None and intake.accept_rate is not None and decided >= MIN_DECIDED:
            if intake.accept_rate < floor:
                found.append(
                    Announcement(
                        f"accept_rate:low:{key_month}",
                        f"⚖️ Sales is accepting {percent(intake.accept_rate)} of MQLs this month",
                        [
                            f"*{intake.accepted} accepted, {intake.rejected} rejected* — under the agreed floor "
                            f"of {percent(floor)}.",
                            "A low acceptance rate usually means the two teams' definitions of a qualified lead "
                            "have drifted apart: look at the top rejection reasons together.",
                        ],
                        "Shared SLA · [sla.mql_volume] min_accept_rate",
                    )
                )
        return found

    async def _drift(self, today: date) -> list[Announcement]:
        """A source's or campaign's acceptance falling away from its own past (bot.sla.drift)."""
        return [Announcement(*note) for note in await drift_notes(self._metrics, today)]

    async def _quarterly(self, now: datetime, today: date) -> list[Announcement]:
        sla = await self._sla()
        if not sla.quarterly_review or not (sla.clocks() or sla.mql_volume.monthly_target):
            return []
        start, _ = quarter_bounds(today)
        first_day = self._config.calendar.first_working_day(start)
        if (
            today < first_day
            or today > first_day + timedelta(days=14)
            or now < self._config.calendar.opening(first_day)
        ):
            return []
        previous_start, previous_end = quarter_bounds(start - timedelta(days=1))
        since, until = self._utc(previous_start), self._utc(previous_end)
        async with self._db.session() as session:
            clocks = await queries.compliance(session=session, start=since, end=until)
            intake = await queries.intake_between(session=session, start=since, end=until)
            reps = await rep_figures(session, start=since, end=until, cohort=False)
            times = await _response_times(session, sla, since, until)
            asked = await content_queries.requested_between(session, start=since, end=until)
        name = quarter_name(previous_start)
        leads = await lead_facts(self._db, self._config, Period(name, previous_start, previous_end, "quarter"))
        insight = self._config.insight
        more = (
            bar_suggestion(sla, leads, min_accept_rate=insight.min_accept_rate, max_won_share=insight.max_won_share),
            speed_suggestion(sla, leads),
        )
        proposed = suggestions(sla, times, mqls=intake.mqls, more=[s for s in more if s is not None])
        sales = [
            f"• {clock_name(c.clock)}: *{percent(c.rate)}* on time ({c.met} of {c.decided}"
            + (f"; {c.open_breached} still open past due" if c.open_breached else "")
            + ")"
            for c in clocks
        ] or ["• No SLA clocks ran this quarter."]
        cadence = [
            f"{mention(r.rep)} {percent(r.cadence)}"
            + (f" ({r.cadence_met} of {r.cadence_settled})" if r.cadence_settled else "")
            for r in sorted(reps.values(), key=lambda r: r.rep)
            if r.cadence_clocks  # a rep with follow-up clocks this quarter; "—" while none is settled
        ]
        if cadence:
            sales.append("• Follow-up cadence by rep: " + " · ".join(cadence))
        target = sla.mql_volume.monthly_target
        volume = f"*{intake.mqls} MQLs*" + (
            f" against a target of {target * 3} ({intake.mqls / (target * 3) * 100:.0f}%)" if target else ""
        )
        floor = sla.mql_volume.min_accept_rate
        rate = f"acceptance rate *{percent(intake.accept_rate)}*" + (f" (floor {percent(floor)})" if floor else "")
        return [
            Announcement(
                f"quarterly_review:{name}",
                f"🗓 SLA review for {name}",
                [
                    "*Sales kept its side:*\n" + "\n".join(sales),
                    f"*Marketing kept its side:*\n• {volume}; {rate}\n"
                    f"• Content requests: {compliance_text(compliance(asked, now), self._config)}",
                    *_proposal_lines(proposed),
                ],
                "Quarterly SLA review · first working day of the quarter",
                _propose_button(name, proposed),
            )
        ]


async def _response_times(
    session: AsyncSession, sla: SlaConfig, since: datetime, until: datetime
) -> dict[str, ClockTimes]:
    """How long each response clock of the agreement in force took last quarter, for its proposals."""
    found = {}
    for clock in ("accept", "first_touch"):
        cfg = sla.clocks().get(clock)
        if cfg is not None:
            seconds = int(cfg.target.total_seconds())
            found[clock] = await clock_times(session, clock=clock, target_seconds=seconds, start=since, end=until)
    return found


def _proposal_lines(proposed: list[Suggestion]) -> list[str]:
    if not proposed:
        return [
            "Time to renegotiate: review the MQL definition, the targets and the escalation chain together. "
            "Last quarter's figures argue for no change; `/sla propose` changes a term."
        ]
    return ["*What the data proposes:*\n" + "\n".join(f"• {s.why}" for s in proposed)]


def _propose_button(quarter: str, proposed: list[Suggestion]) -> dict[str, str] | None:
    """ "Propose these changes": opens /sla propose prefilled with them (the value carries the changes; the
    modal validates them as it does any proposal)."""
    if not proposed:
        return None
    value = json.dumps({"review": quarter, "changes": {s.term: s.value for s in proposed}}, separators=(",", ":"))
    return {"text": "Propose these changes", "action_id": Action.REVIEW_PROPOSE, "value": value}
