"""The weekly digest: the agenda of the joint pipeline review. Last week's funnel, the top rejection reasons by
campaign, SLA breaches (the team's, then by rep), each rep's assignments, acceptance time and cadence compliance
(bot/reports/reps.py), and the wins (crediting the rep and the campaign), once a week."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.clock import Clock
from bot.config.business_time import DAY_NAMES
from bot.config.team_file import HandoffConfig
from bot.delivery import outbox_kinds as kinds
from bot.reports.metrics import GroupMetrics, Metrics
from bot.reports.periods import Period
from bot.reports.reps import rep_line
from message_templates import inline
from message_templates.wording import clock_name, count, mention, money, percent
from storage import leads as lead_queries
from storage import sla as queries
from storage.db import Database

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(days=2)  # a digest the app was down for is still posted within two days, not later


def breach_lines(breaches: list[tuple[str, str, str, int]]) -> list[str]:
    """The team's misses first (clocks nobody owned: leads not accepted in time), then one line per rep with every
    clock they missed, the most breaches first."""
    team: dict[str, dict[str, int]] = {}
    by_rep: dict[str, dict[str, int]] = {}
    for who, clock, state, n in breaches:
        if who == "nobody":
            team.setdefault(clock, {})[state] = n
        else:
            by_rep.setdefault(who, {})[clock] = by_rep.get(who, {}).get(clock, 0) + n
    lines = [team_line(clock, states) for clock, states in sorted(team.items())]
    ranked = sorted(by_rep.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    return lines + [
        f"• {mention(who)}: " + " · ".join(f"{n} {clock_name(c).lower()}" for c, n in sorted(clocks.items()))
        for who, clocks in ranked
    ]


def team_line(clock: str, states: dict[str, int]) -> str:
    waiting, late = states.get("breached", 0), states.get("missed", 0)
    done = "accepted late" if clock == "accept" else "done late"
    parts = [f"{late:,} {done}" if late else "", f"{waiting:,} still waiting" if waiting else ""]
    return f"• {clock_name(clock)} (the team's clock): {waiting + late:,} missed — {', '.join(p for p in parts if p)}"


class Digest:
    def __init__(self, db: Database, config: HandoffConfig, clock: Clock, metrics: Metrics) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._metrics = metrics

    def due(self, now: datetime) -> datetime | None:
        """The most recent scheduled moment not yet two days old (UTC), or None."""
        tz = self._config.tz
        local = now.astimezone(tz)
        weekday = DAY_NAMES.index(self._config.digest.day)
        day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
        hour, minute = (int(p) for p in self._config.digest.time.split(":"))
        moment = datetime.combine(day, time(hour, minute), tz)
        if moment > local:
            moment -= timedelta(days=7)
        return moment if local - moment < LATE_AFTER else None

    async def run(self) -> str | None:
        """Queue this week's digest if it is due and was not posted; returns its key."""
        if not self._config.digest.enabled:
            return None
        now = self._clock.now()
        moment = self.due(now)
        if moment is None:
            return None
        period = Period("last week", moment.date() - timedelta(days=7), moment.date())
        key = f"digest:{moment.date().isoformat()}"
        async with self._db.session() as session:
            if await queries.was_marked(session=session, key=key):
                return None  # posted already: the two days it stays due need not rebuild it every run
            if not await lead_queries.any_received_before(session=session, at=period.bounds(self._config.tz)[1]):
                return None  # a week before the first lead (a new install): nothing to review, not "0 MQLs 🎉"
        title, lines = await self.content(period)
        async with self._db.session() as session:
            row = kinds.announcement(key, title, lines, "Weekly digest · the agenda of the pipeline review")
            if not await kinds.announce_once(session, row, mark=key, now=now):
                return None
        log.info("weekly digest queued (%s)", key)
        return key

    async def content(self, period: Period) -> tuple[str, list[str]]:
        by_campaign = await self._metrics.groups(period, "campaign")
        total = GroupMetrics.total_of(by_campaign)  # the campaigns add up to the whole cohort: one pass, not two
        start, end = period.bounds(self._config.tz)
        async with self._db.session() as session:
            breaches = await queries.breaches_by_owner(session=session, start=start, end=end)
            wins = await lead_queries.wins_between(session=session, start=start, end=end, limit=20)
        lines = [
            f"*Funnel:* {count(total.mqls, 'MQL')} · {percent(total.accept_rate)} accepted · {total.accepted:,} SAL → "
            f"{total.sqls:,} SQL → {count(total.opportunities, 'opportunity', 'opportunities')} → {total.won:,} won · "
            f"{money(total.won_cents)} won"
        ]
        rejected = sorted((g for g in by_campaign if g.reasons), key=lambda g: (-g.rejected, g.group))[:5]
        if rejected:
            lines.append(
                "*Top rejection reasons by campaign:*\n"
                + "\n".join(
                    f"• {inline(g.group, 80)}: {inline(top[0], 80)} ({top[1]} of {g.rejected} rejected)"
                    for g in rejected
                    if (top := g.top_reason)
                )
            )
        if breaches:
            lines.append("*SLA breaches:*\n" + "\n".join(breach_lines(breaches)[:10]))
        else:
            lines.append("*SLA breaches:* none last week 🎉")
        if wins:
            lines.append(
                "*Wins* 🎉\n"
                + "\n".join(
                    f"• *{inline(w.company or w.name or w.external_id, 80)}* {money(w.amount_cents)} — "
                    f"{mention(w.owner)} with {inline(w.campaign or w.source or 'marketing', 80)}"
                    for w in wins
                )
            )
        reps = await self._metrics.reps(period)
        if reps:
            ranked = sorted(reps.values(), key=lambda r: (-r.assignments, r.rep))[:15]
            lines.append("*By rep:*\n" + "\n".join(f"• {mention(r.rep)} — {rep_line(r)}" for r in ranked))
        return f"📬 Weekly digest: {period.span()}", lines
