"""Log attempt: the write path of the follow-up cadence ([sla.follow_up], bot/config/follow_up.py).

Each attempt to reach an accepted lead (a call, an email, a LinkedIn message, a meeting) is one row in
`contact_attempts` and one "attempt" event on the timeline, in one transaction with what it changes. A connected or
replied attempt is the first contact: it stops the first-touch clock, as Log contact did, and meets the follow-up
clock. Any other outcome (voicemail, no answer, bounced) is an attempt only; the follow-up clock is met once the
promised number is logged. Only the lead's owner or a manager may log one, and only while the lead is accepted and
has not connected yet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.follow_up import FollowUpConfig
from bot.config.team import Team
from bot.config.team_file import SlaConfig
from bot.content.used import read_used
from bot.delivery import outbox_kinds as kinds
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.lifecycle.stages import Stage
from bot.sla.clocks import SlaService
from storage import attempts as queries
from storage import leads as lead_queries
from storage import outbox, rollups
from storage import sla as sla_queries
from storage.db import Database
from storage.models import Lead

CHANNELS: Final = {"call": "Call", "email": "Email", "linkedin": "LinkedIn", "meeting": "Meeting", "other": "Other"}
OUTCOMES: Final = {
    "connected": "Connected",
    "replied": "Replied",
    "voicemail": "Voicemail",
    "no_answer": "No answer",
    "bounced": "Bounced",
}
CONNECTED: Final = frozenset({"connected", "replied"})  # the first contact: the lead answered
NOTE_MAX: Final = 1000
FOLLOW_UP: Final = "follow_up"


@dataclass(frozen=True)
class Logged:
    lead_id: int
    first_contact: bool
    attempts: int  # logged while the follow-up clock ran (every attempt of the lead when none runs)
    promised: int | None  # [sla.follow_up] attempts, when set


@dataclass(frozen=True)
class Progress:
    lead: Lead
    attempts: int
    promised: int | None

    def text(self) -> str:
        """ "1 of 3 attempts logged so far." for the modal."""
        if self.promised is None:
            return f"{self.attempts} attempt{'' if self.attempts == 1 else 's'} logged so far."
        return f"{self.attempts} of {self.promised} attempts logged so far (until one connects)."


def check_note(note: str | None) -> str | None:
    """A note as stored: at most NOTE_MAX characters, no NUL or other control character (newlines and tabs are
    fine), no lone surrogate. Anything else is the person's to fix, named under the note."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise UserError(f"Keep the note to {NOTE_MAX:,} characters (it has {len(text):,}).", field="note")
    for char in text:
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs"):
            raise UserError("The note has a control character Handoff cannot store: retype it.", field="note")
    return text or None


async def refuse_early_close(
    session: AsyncSession, sla: SlaConfig, lead: Lead, *, to: str, reason: str | None, via: str
) -> None:
    """A person closing a lead that never connected as Lost for a no-response reason (see
    `FollowUpConfig.means_no_response`), or as Recycled (without a connection the rep cannot have learned it is
    not ready), before the promised attempts of the lead's agreement (`sla`): refused, saying how many are left. A
    CRM reports what happened there and is never refused."""
    cadence = sla.follow_up
    if cadence is None or via != "slack" or lead.contacted_at is not None:
        return
    if not (to == Stage.RECYCLED or (to == Stage.LOST and cadence.means_no_response(reason))):
        return
    timer = await sla_queries.active_timer(session=session, lead_id=lead.id, clock=FOLLOW_UP)
    if timer is None:  # met already, or the lead was accepted before the cadence was set
        return
    done = await queries.count_since(session=session, lead_id=lead.id, since=timer.started_at)
    left = cadence.attempts - done
    if left > 0:
        attempts = "attempt" if left == 1 else "attempts"
        raise Conflict(
            f"{done} of {cadence.attempts} attempts logged: log {left} more {attempts} before closing this lead "
            "for no response.",
            field="reason",
        )


class AttemptService:
    def __init__(self, db: Database, team: Team, clock: Clock, sla: SlaService, tz: ZoneInfo | None = None) -> None:
        self._tz = tz or ZoneInfo("UTC")  # the team's calendar: an asset's expiry day
        self._db = db
        self._team = team
        self._clock = clock
        self._sla = sla

    async def _may_log(self, lead: Lead, user_id: str) -> None:
        if lead.stage != Stage.SAL:
            raise Conflict("Contact can be logged once the lead is accepted.")
        if user_id != lead.owner and not await self._team.is_manager(user_id):
            raise Forbidden(
                "Only the owner ({owner}) or a manager can log contact on this lead.", people={"owner": lead.owner}
            )
        if lead.contacted_at is not None:
            raise Conflict("First contact is already logged for this lead.")

    async def _get(self, session: AsyncSession, lead_id: int, *, for_update: bool = False) -> Lead:
        lead = await lead_queries.get_lead(session=session, lead_id=lead_id, for_update=for_update)
        if lead is None:
            raise NotFound(f"Lead #{lead_id} does not exist (any more).")
        return lead

    async def _cadence(self, session: AsyncSession, lead: Lead) -> FollowUpConfig | None:
        """The follow-up cadence the lead's version of the agreement promises."""
        return (await self._sla.lead_terms(session, lead)).follow_up

    async def check_can_log(self, lead_id: int, *, user_id: str) -> Progress:
        """Before the modal opens: refuse early (ephemerally) if the submission could not succeed; else where the
        cadence stands, for the modal to say."""
        async with self._db.session() as session:
            lead = await self._get(session, lead_id)
            await self._may_log(lead, user_id)
            cadence = await self._cadence(session, lead)
            timer = await sla_queries.active_timer(session=session, lead_id=lead_id, clock=FOLLOW_UP)
            since = timer.started_at if timer is not None else lead.decided_at or lead.received_at
            done = await queries.count_since(session=session, lead_id=lead_id, since=since)
            return Progress(lead, done, cadence.attempts if cadence else None)

    async def log(
        self,
        lead_id: int,
        *,
        user_id: str,
        channel: str,
        outcome: str,
        note: str | None,
        assets: Iterable[str] = (),
    ) -> Logged:
        """One attempt on an accepted lead, in one transaction with the clocks it stops and the post it updates;
        `assets` (ids of live library assets, bot/content/used.py) are what the rep used, kept on both."""
        if channel not in CHANNELS:
            raise UserError("Pick how you reached out.", field="channel")
        if outcome not in OUTCOMES:
            raise UserError("Pick what happened.", field="outcome")
        note = check_note(note)
        now = self._clock.now()
        async with self._db.session() as session, rollups.recount(session=session, lead_ids=[lead_id]):
            lead = await self._get(session, lead_id, for_update=True)
            await self._may_log(lead, user_id)
            cadence = await self._cadence(session, lead)
            used = await read_used(session, assets, now.astimezone(self._tz).date())
            await queries.add_attempt(
                session=session, lead_id=lead_id, actor=user_id, channel=channel, outcome=outcome, note=note, at=now,
                assets=[a.id for a in used],
            )  # fmt: skip
            named = {"assets": [{"id": a.id, "title": a.title} for a in used]} if used else {}
            await lead_queries.add_event(
                session=session, lead_id=lead_id, kind="attempt", actor=user_id, at=now,
                channel=channel, outcome=outcome, **({"note": note} if note else {}), **named,
            )  # fmt: skip
            connected = outcome in CONNECTED
            if connected:
                await lead_queries.add_event(session=session, lead_id=lead_id, kind="contacted", actor=user_id, at=now)
                lead.contacted_at = now
                await self._sla.stop(session, lead_id=lead_id, clock="first_touch", at=now, actor=user_id)
            timer = await sla_queries.active_timer(session=session, lead_id=lead_id, clock=FOLLOW_UP)
            since = timer.started_at if timer is not None else lead.decided_at or lead.received_at
            done = await queries.count_since(session=session, lead_id=lead_id, since=since)
            if timer is not None and (connected or (cadence is not None and done >= cadence.attempts)):
                await self._sla.stop(session, lead_id=lead_id, clock=FOLLOW_UP, at=now, actor=user_id)
            if not lead.quiet or lead.slack_ts is not None:
                await outbox.enqueue_many(session=session, rows=[kinds.lead_post(lead.id)], now=now)
            await self._sla.refresh_notices(session, lead_id=lead.id)
        return Logged(lead_id, connected, done, cadence.attempts if cadence else None)
