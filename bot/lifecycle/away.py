"""Away reps: `/handoff away|back` and App Home's toggle write `away_reps`, one transaction each. While a rep is away
routing gives them no new leads and the SLA sends their open leads' alarms to their manager (both read
`storage.away.away_now`). A rep marks themselves; a manager may mark any rep."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.delivery import outbox_kinds as kinds
from bot.errors import Forbidden, UserError
from message_templates.wording import mention, until_phrase
from storage import away as queries
from storage.db import Database
from storage.outbox import enqueue_many

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Absence:
    rep: str
    until: datetime | None  # None: until they are back
    by: str  # who said so (the rep, or a manager)
    since: datetime


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
            if who != actor:
                until_said = until_phrase(until, self.config.tz, now=now, you=True)
                await self._tell(session, who, f"{mention(actor)} marked you away {until_said}: you get no new "
                                 "leads, and your open leads' alarms go to your manager. `/handoff back` when you "
                                 "are back.")  # fmt: skip
        log.info("%s is away until %s (said by %s)", who, until.isoformat() if until else "back", actor)
        return Absence(who, until, actor, now)

    async def back(self, actor: str, *, rep: str | None = None) -> tuple[str, bool]:
        """Mark `rep` (default: `actor`) back; returns whom, and whether they had been away."""
        who = await self._check_may_mark(actor, rep)
        async with self._db.session() as session:
            was_away = await queries.mark_back(session=session, user_id=who, now=self._clock.now())
            if was_away and who != actor:
                await self._tell(session, who, f"{mention(actor)} marked you back: new leads and your leads' "
                                 "alarms reach you again.")  # fmt: skip
        if was_away:
            log.info("%s is back (said by %s)", who, actor)
        return who, was_away

    async def _tell(self, session: AsyncSession, rep: str, line: str) -> None:
        """A DM to a rep a manager marked away or back, queued in the same transaction."""
        row = kinds.announcement(f"away:{rep}:{uuid.uuid4().hex}", "🌴 Away" if "away" in line else "👋 Back",
                                 [line], "/handoff · who is away, and until when", channel=rep)  # fmt: skip
        await enqueue_many(session=session, rows=[row], now=self._clock.now())

    async def who(self) -> dict[str, datetime | None]:
        """Everyone away now, and until when."""
        async with self._db.reading() as session:
            return await queries.away_now(session=session, now=self._clock.now())

    async def names_away(self) -> frozenset[str]:
        """The people away now (Team.available_reps leaves them out)."""
        return frozenset(await self.who())
