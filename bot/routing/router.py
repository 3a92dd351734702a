"""Routing's write path, always inside the caller's transaction: a new MQL offered to one rep of its pool (intake),
and an offer moved on to the next rep (a Pass, a breached accept clock). Each offer is a lead update, a timeline
event (`assigned`, data {"to", "from", "why"}), a move of the pool's rotation and a DM through the outbox, in the
same commit. Who is in a pool (user groups expanded) is read from Slack before the transaction (`prepare`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.fields import GROUP_ID
from bot.config.routing import RoutingConfig
from bot.config.team import Team
from bot.config.team_file import SlaConfig
from bot.lifecycle.stages import OWNED, Stage
from bot.routing.rotation import Seat, take_turn
from storage import away as away_queries
from storage import leads as lead_queries
from storage import outbox
from storage import routing as queries
from storage.models import Lead
from storage.outbox import Outgoing

WHY = ("rotation", "rule", "pass", "breach")


class Wording(Protocol):
    """The DMs an offer sends, worded by bot.views.routing_cards (the domain never words Slack messages)."""

    def offered(
        self, lead: Lead, *, to: str, previous: str | None, why: str, target: timedelta | None, now: datetime
    ) -> list[Outgoing]: ...

    def unrouted(
        self, leads: Sequence[Lead], *, managers: Sequence[str], previous: str | None, now: datetime
    ) -> list[Outgoing]: ...


@dataclass(frozen=True)
class Pool:
    key: str  # routing_turns.pool: names the pool's entries, so a changed pool starts a rotation of its own
    reps: tuple[str, ...]  # sales reps, user groups expanded, in the order listed
    why: str  # "rotation" (the pool) or "rule"


@dataclass(frozen=True)
class Roster:
    """Who routing may reach, read from Slack before a transaction: the default pool, each rule's, the managers."""

    pool: Pool
    rules: tuple[Pool, ...]
    managers: tuple[str, ...]


@dataclass
class _Moment:
    """What one transaction's routing reads once: who is away and each rep's open load, kept up to date as it
    assigns."""

    away: set[str]
    load: dict[str, int] = field(default_factory=dict)


def pool_key(kind: str, entries: Sequence[str]) -> str:
    named = f"{kind}:{','.join(sorted(set(entries)))}"
    return named if len(named) <= 200 else f"{kind}#{hashlib.sha256(named.encode()).hexdigest()}"


class Router:
    def __init__(
        self, team: Team, clock: Clock, wording: Wording, *, terms: Callable[[int | None], SlaConfig] | None = None
    ) -> None:
        self._team = team
        self._terms = terms or (lambda version: team.config.sla)  # the SLA of a lead's agreement version
        self._clock = clock
        self._wording = wording
        self._roster: Roster | None = None  # the last one read: for the SLA sweep, which reads nothing from Slack

    @property
    def config(self) -> RoutingConfig:
        return self._team.config.routing

    async def _expand(self, entries: Sequence[str], sales: set[str]) -> tuple[str, ...]:
        reps: list[str] = []
        for entry in entries:
            reps.extend(sorted(await self._team.members(entry)) if GROUP_ID.match(entry) else [entry])
        return tuple(rep for rep in dict.fromkeys(reps) if rep in sales)  # never anyone outside sales

    async def prepare(self) -> Roster | None:
        """Read who is in each pool (Slack, for user groups); None when routing is off (`mode = "claim"`)."""
        if not self.config.routes:
            return None
        team = self._team.config.team
        sales = set(await self._team.sales_reps())
        entries = self.config.pool or team.sales
        pool = Pool(pool_key("pool", entries), await self._expand(entries, sales), "rotation")
        rules = [
            Pool(pool_key("rule", rule.assign), await self._expand(rule.assign, sales), "rule")
            for rule in self.config.rules
        ]
        managers: list[str] = []
        for entry in team.managers:
            managers.extend(sorted(await self._team.members(entry)) if GROUP_ID.match(entry) else [entry])
        self._roster = Roster(pool, tuple(rules), tuple(dict.fromkeys(managers)))
        return self._roster

    def last_roster(self) -> Roster | None:
        """The roster last read, for a transaction that must not call Slack; None before any was read."""
        return self._roster if self.config.routes else None

    def pool_for(self, roster: Roster, lead: Lead) -> Pool:
        for rule, pool in zip(self.config.rules, roster.rules, strict=True):
            if rule.matches(source=lead.source, campaign=lead.campaign, score=lead.score, email=lead.email):
                return pool
        return roster.pool

    async def _moment(self, session: AsyncSession, roster: Roster, now: datetime) -> _Moment:
        away = set(await away_queries.away_now(session=session, now=now))
        moment = _Moment(away)
        if self.config.max_open is not None:
            everyone = {rep for pool in (roster.pool, *roster.rules) for rep in pool.reps}
            moment.load = await queries.open_load(
                session=session, users=everyone, owned=[str(s) for s in OWNED], offered=Stage.MQL
            )
        return moment

    def _available(self, pool: Pool, moment: _Moment, passed: Sequence[str]) -> set[str]:
        most = self.config.max_open
        here = {rep for rep in pool.reps if rep not in moment.away and (most is None or moment.load.get(rep, 0) < most)}
        others = here - set(passed)
        return others or here  # never the same rep again while another is available

    def target(self, lead: Lead) -> timedelta | None:
        """The lead's accept target, as its post will say (None when the team file sets no accept clock)."""
        accept = self._terms(lead.agreement_version).accept
        return accept.for_score(lead.score)[0] if accept else None

    async def route_new(self, session: AsyncSession, leads: Sequence[Lead], roster: Roster) -> None:
        """Offer each new MQL to one rep, in the order received; a lead nobody in its pool can take stays open to
        claim, and the managers are told."""
        now = self._clock.now()
        moment = await self._moment(session, roster, now)
        unrouted: list[Lead] = []
        for lead in leads:
            if await self._offer(session, lead, roster, moment, previous=None, why=None, now=now) is None:
                unrouted.append(lead)
        if unrouted:  # one DM per manager for the whole batch, listing each lead nobody could take
            rows = self._wording.unrouted(unrouted, managers=roster.managers, previous=None, now=now)
            await outbox.enqueue_many(session=session, rows=rows, now=now)

    async def reroute(
        self,
        session: AsyncSession,
        lead: Lead,
        *,
        why: str,
        actor: str | None = None,
        roster: Roster | None = None,
        keep_if_alone: bool = False,
        passed: Sequence[str] = (),
    ) -> str | None:
        """Move the lead's offer on from its assignee to the next rep ("pass" or "breach"); returns the new
        assignee. When nobody else can take it: with `keep_if_alone` nothing changes (None), else the lead is open
        to claim and the managers are told (None). Reps who `passed` it are skipped while others are available."""
        roster = roster or self.last_roster()
        if roster is None:
            return None
        now = self._clock.now()
        moment = await self._moment(session, roster, now)
        return await self._offer(
            session, lead, roster, moment, previous=lead.assignee, why=why, now=now, actor=actor, keep=keep_if_alone,
            passed=passed,
        )  # fmt: skip

    async def _offer(
        self,
        session: AsyncSession,
        lead: Lead,
        roster: Roster,
        moment: _Moment,
        *,
        previous: str | None,
        why: str | None,
        now: datetime,
        actor: str | None = None,
        keep: bool = False,
        passed: Sequence[str] = (),
    ) -> str | None:
        pool = self.pool_for(roster, lead)
        gone = {*passed, *([previous] if previous else [])}  # never back to them while another rep is available
        available = self._available(pool, moment, sorted(gone))
        if previous is not None and not available - gone:  # nobody else: keep it, or open it to everyone
            if keep:
                return None
            available = set()
        turns = await queries.lock_pool(session=session, pool=pool.key, users=pool.reps, now=now)
        seats = [Seat(rep, self.config.weight(rep), turns[rep].credit) for rep in pool.reps]
        turn = take_turn(seats, available)
        chosen = turn.chosen
        rows: list[Outgoing] = []
        if chosen is None:
            lead.assignee, lead.assigned_at = None, None
            if previous is not None:  # a new lead's managers hear once for its whole batch (`route_new`)
                rows = self._wording.unrouted([lead], managers=roster.managers, previous=previous, now=now)
        else:
            for seat in turn.seats:
                row = turns[seat.user_id]
                row.credit, row.updated_at = seat.credit, now
            turns[chosen].assigned += 1
            lead.assignee, lead.assigned_at = chosen, now
            moment.load[chosen] = moment.load.get(chosen, 0) + 1
            reason = why or pool.why
            await lead_queries.add_event(
                session=session, lead_id=lead.id, kind="assigned", actor=actor, at=now,
                **{"to": chosen, "from": previous, "why": reason},
            )  # fmt: skip
            rows = self._wording.offered(
                lead, to=chosen, previous=previous, why=reason, target=self.target(lead), now=now
            )
        await outbox.enqueue_many(session=session, rows=rows, now=now)
        return chosen
