"""Away reps: `/handoff away|back` and App Home's toggle write `away_reps`, one transaction each. While a rep is away
routing gives them no new leads and the SLA sends their open leads' alarms to their manager (both read
`storage.away.away_now`). A rep marks themselves; a manager may mark any rep."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.errors import Forbidden, UserError
from storage import away as queries
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Absence:
    rep: str
    until: datetime | None  # None: until they are back
    by: str  # who said so (the rep, or a manager)


class AwayService:
    def __init__(self, db: Database, team: Team, clock: Clock) -> None:
        self._db = db
        self._team = team
        self._clock = clock

    @property
    def config(self) -> HandoffConfig:
        return self._team.config

    async def _check_may_mark(self, actor: str, rep: str | None) -> str:
        """Whom `actor` marks: themselves when in sales, or, for a manager, the rep they named."""
        if rep is None or rep == actor:
            if not await self._team.is_sales(actor):
                raise Forbidden("Only people in sales are marked away: they are the ones leads go to.")
            return actor
        if not await self._team.is_manager(actor):
            raise Forbidden("Only a manager may mark someone else away or back.")
        if not await self._team.is_sales(rep):
            raise Forbidden("{rep} is not in sales: only reps are marked away.", people={"rep": rep})
        return rep

    async def away(self, actor: str, *, until: datetime | None, rep: str | None = None) -> Absence:
        """Mark `rep` (default: `actor`) away until `until` (None: until they are back), a moment to come that
        `read_command` checked."""
        now = self._clock.now()
        if until is not None and until <= now:  # checked when the command was read; the moment passed meanwhile
            raise UserError("That day has begun meanwhile: try `/handoff away` again with a later day.")
        who = await self._check_may_mark(actor, rep)
        async with self._db.session() as session:
            await queries.mark_away(session=session, user_id=who, since=now, until=until, set_by=actor)
        log.info("%s is away until %s (said by %s)", who, until.isoformat() if until else "back", actor)
        return Absence(who, until, actor)

    async def back(self, actor: str, *, rep: str | None = None) -> tuple[str, bool]:
        """Mark `rep` (default: `actor`) back; returns whom, and whether they had been away."""
        who = await self._check_may_mark(actor, rep)
        async with self._db.session() as session:
            was_away = await queries.mark_back(session=session, user_id=who, now=self._clock.now())
        if was_away:
            log.info("%s is back (said by %s)", who, actor)
        return who, was_away

    async def who(self) -> dict[str, datetime | None]:
        """Everyone away now, and until when."""
        async with self._db.reading() as session:
            return await queries.away_now(session=session, now=self._clock.now())

    async def names_away(self) -> frozenset[str]:
        """The people away now (Team.available_reps leaves them out)."""
        return frozenset(await self.who())
