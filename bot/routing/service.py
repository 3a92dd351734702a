"""Routing's user intents and hooks: who may accept an offered lead, Pass (the assignee hands it on, saying why),
and the SLA sweep's hook that moves an unaccepted lead on when its accept clock breaches (`reassign_unaccepted`).
Each is one transaction with the lead's timeline, its clocks and what Slack must hear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team import Team
from bot.delivery import outbox_kinds as kinds
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.lifecycle.leads import not_sales
from bot.routing.router import Router
from bot.sla.clocks import SlaService
from storage import leads as lead_queries
from storage import outbox, rollups
from storage import routing as queries
from storage.db import Database
from storage.models import Lead, SlaTimer, Stage

ACCEPT = "accept"


class RoutingService:
    def __init__(self, db: Database, team: Team, clock: Clock, router: Router, sla: SlaService) -> None:
        self._db = db
        self._team = team
        self._clock = clock
        self._router = router
        self._sla = sla

    @property
    def router(self) -> Router:
        return self._router

    async def check_decide(self, session: AsyncSession, lead_id: int, user_id: str, verb: str) -> str | None:
        """Inside Accept's or Reject's transaction (the lead locked): a lead offered to a rep is theirs to decide, or
        a manager's; anyone else is told whose it is. Returns the owner an accept gives the lead: its assignee when a
        manager outside sales accepts it for them (None: whoever clicked)."""
        lead = await lead_queries.get_lead(session=session, lead_id=lead_id, for_update=True)
        if lead is None or lead.stage != Stage.MQL:
            return None  # the decision itself says what happened
        in_sales = await self._team.is_sales(user_id)
        if lead.assignee is None:
            if not in_sales:  # a manager outside sales decides offered leads only
                raise not_sales(verb)
            return None
        if lead.assignee == user_id:
            return None
        if not await self._team.is_manager(user_id):
            raise Forbidden(
                "This lead is assigned to {assignee}: only they or a manager can " + verb + " it.",
                people={"assignee": lead.assignee},
            )
        return None if in_sales else lead.assignee

    async def _offered(self, session: AsyncSession, lead_id: int, user_id: str, *, lock: bool) -> Lead:
        lead = await lead_queries.get_lead(session=session, lead_id=lead_id, for_update=lock)
        if lead is None:
            raise NotFound(f"Lead #{lead_id} does not exist (any more).")
        if lead.stage != Stage.MQL or lead.owner is not None:
            raise Conflict("This lead was already decided: there is nothing to pass.")
        if lead.assignee != user_id:
            if lead.assignee is None:
                raise Conflict("This lead is not assigned to anyone: accept or reject it instead.")
            raise Forbidden(
                "This lead is assigned to {assignee}: only they can pass it.", people={"assignee": lead.assignee}
            )
        return lead

    async def check_can_pass(self, lead_id: int, *, user_id: str) -> Lead:
        """Before the Pass modal opens: refuse early (privately) if the submission could not succeed."""
        async with self._db.session() as session:
            return await self._offered(session, lead_id, user_id, lock=False)

    async def pass_lead(self, lead_id: int, *, user_id: str, reason: str) -> str | None:
        """The assignee passes the lead on, saying why: it goes to the next rep of its pool (never back to them
        while another is available), whose accept clock starts now. Returns the new assignee (None: nobody else
        could take it, so it is open to claim and the managers are told)."""
        reason = reason.strip()
        if len(reason) < 3:
            raise UserError("Say why you pass it, so the next rep and your manager know.", field="reason")
        if len(reason) > 300:
            raise UserError("Keep the reason under 300 characters.", field="reason")
        roster = await self._router.prepare()  # Slack (user groups) before the transaction
        if roster is None:
            raise Conflict('Routing is off (`[routing] mode = "claim"`): there is no rotation to pass to.')
        now = self._clock.now()
        async with self._db.session() as session, rollups.recount(session=session, lead_ids=[lead_id]):
            lead = await self._offered(session, lead_id, user_id, lock=True)
            await lead_queries.add_event(
                session=session, lead_id=lead_id, kind="passed", actor=user_id, at=now, reason=reason
            )
            await self._sla.stop(session, lead_id=lead_id, clock=ACCEPT, at=now, actor=user_id, cancel=True)
            passers = await self._passers(session, lead_id)
            to = await self._router.reroute(session, lead, why="pass", actor=user_id, roster=roster, passed=passers)
            if lead.posted_at is not None:  # a lead not yet posted starts its clock (for `to`) when it is
                await self._sla.start(session, lead=lead, clock=ACCEPT, at=now, owner=to)
            await outbox.enqueue_many(session=session, rows=[kinds.lead_post(lead_id)], now=now)
            await self._sla.refresh_notices(session, lead_id=lead_id)
        return to

    async def after_sweep(self, session: AsyncSession, timers: list[SlaTimer], now: datetime) -> None:
        """The SLA sweep's hook, in its transaction: with `reassign_unaccepted`, each breached accept clock of a
        lead still offered to that clock's owner moves the lead to the next available rep. The breached clock stays
        breached and owned by the first rep (compliance counts it against them; its escalation due now still goes
        out, once) and ends there; a new accept clock starts for the new rep. A lead goes round its pool once: never
        to a rep who already had it or passed it, so when nobody else is available, or everyone has had it, the
        lead stays with its rep and escalates as usual (not a new hop, clock and escalation every breach)."""
        routing = self._team.config.routing
        roster = self._router.last_roster()
        if not routing.reassign_unaccepted or roster is None:
            return
        for timer in timers:
            if timer.clock != ACCEPT or timer.state != "breached" or timer.stopped_at is not None:
                continue
            lead = await self._locked_or_later(session, timer, now)
            if lead is None or lead.stage != Stage.MQL or lead.owner or not lead.assignee:
                continue
            if lead.assignee != timer.owner:
                continue
            had = [*await self._passers(session, lead.id), *await self._offered_before(session, lead.id)]
            to = await self._router.reroute(session, lead, why="breach", roster=roster, keep_if_alone=True, passed=had)
            if to is None:
                continue
            timer.stopped_at, timer.next_at = now, None
            started = await self._sla.start(session, lead=lead, clock=ACCEPT, at=now, owner=to)
            if started is not None:
                await rollups.add_clocks(session=session, timer_ids=[started.id])
            await outbox.enqueue_many(session=session, rows=[kinds.lead_post(lead.id)], now=now)

    @staticmethod
    async def _passers(session: AsyncSession, lead_id: int) -> list[str]:
        events = await lead_queries.events_of_leads(session=session, lead_ids=[lead_id], kinds=("passed",))
        return [event.actor for event in events[lead_id] if event.actor]

    @staticmethod
    async def _offered_before(session: AsyncSession, lead_id: int) -> list[str]:
        events = await lead_queries.events_of_leads(session=session, lead_ids=[lead_id], kinds=("assigned",))
        return [str(event.data["to"]) for event in events[lead_id] if (event.data or {}).get("to")]

    async def _locked_or_later(self, session: AsyncSession, timer: SlaTimer, now: datetime) -> Lead | None:
        """The timer's lead, locked; when someone is acting on it right now (PostgreSQL: its row is locked), None,
        and the timer is looked at again on the next sweep (waiting here could deadlock with that action, which
        locks the lead and then its clocks)."""
        rows = await session.scalars(
            select(Lead)
            .where(Lead.id == timer.lead_id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        lead = rows.first()
        if lead is None:
            timer.next_at = now
        return lead

    async def offered_to(self, user_id: str) -> list[Lead]:
        """The leads offered to `user_id` and not yet accepted (their App Home lists them first)."""
        async with self._db.reading() as session:
            return await queries.offered_to(session=session, user_id=user_id, stage=Stage.MQL)
