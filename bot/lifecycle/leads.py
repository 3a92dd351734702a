"""The lead lifecycle's write path. Each public method is one user intent and one transaction: it checks the rule,
changes the lead, appends to the timeline and queues what Slack must hear, all or nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team import Team
from bot.delivery import outbox_kinds as kinds
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.ids import BANT
from bot.lifecycle.attempts import refuse_early_close
from bot.lifecycle.outcomes import Outcomes
from bot.lifecycle.stages import (
    LIFECYCLE,
    MOVE_TARGETS,
    Need,
    Stage,
    check_reported_at,
    move_problem,
    on_post,
    starting,
    stopping,
)
from bot.sla.clocks import SlaService
from storage import leads as lead_queries
from storage import outbox, rollups
from storage import sla as sla_queries
from storage.db import Database
from storage.models import Lead, SlaTimer


@dataclass(frozen=True)
class Moved:
    lead_id: int
    stage: str
    changed: bool  # False: the lead was already there (a repeated CRM update), nothing happened


@dataclass(frozen=True)
class _Step:
    """One move as asked: where to, by whom, through which surface, with what it brought."""

    to: Stage
    actor: str
    via: str  # "slack", "crm" (the stage API), "hubspot", "salesforce", "win"
    amount_cents: int | None
    reason: str | None
    at: datetime | None
    checks: dict[str, bool] | None
    owner: str | None


@dataclass(frozen=True)
class Decision:
    lead_id: int
    owner: str | None


Handover = Callable[..., list[outbox.Outgoing]]  # a reassignment's DMs, worded by bot.views.sla_cards.handover


def not_sales(verb: str) -> Forbidden:
    return Forbidden(f"Only the sales team can {verb} leads. Ask sales-ops to add you to `team.sales`.")


class LeadService:
    def __init__(
        self, db: Database, team: Team, clock: Clock, sla: SlaService, handover: Handover, outcomes: Outcomes
    ) -> None:
        self._handover = handover
        # routing's offer check (lead, user, "accept" | "reject"): refuses, or names the owner an accept gives the lead
        self.may_decide: Callable[[AsyncSession, int, str, str], Awaitable[str | None]] | None = None
        self._outcomes = outcomes
        self._db = db
        self._team = team
        self._clock = clock
        self._sla = sla

    async def _queue_post(self, session: AsyncSession, lead: Lead) -> None:
        """The lead changed: its post and its SLA alarms show the new state (a quiet lead has no post, gets none)."""
        if not lead.quiet or lead.slack_ts is not None:
            await outbox.enqueue_many(session=session, rows=[kinds.lead_post(lead.id)], now=self._clock.now())
        await self._sla.refresh_notices(session, lead_id=lead.id)

    # --- the post in the channel ----------------------------------------------------------------------------

    async def load_terms(self, session: AsyncSession, leads: Sequence[Lead]) -> None:  # before `clocks_on_post`
        await self._sla.load_terms(session, {lead.agreement_version for lead in leads})

    def clocks_on_post(self, lead: Lead, at: datetime) -> list[SlaTimer]:
        """The clocks the lead's first post starts if it goes out `at`, as the post shows them (not stored)."""
        offered = lead.assignee  # routing offered the lead to a rep: the accept clock is theirs
        planned = (self._sla.plan(lead=lead, clock=name, at=at, owner=offered) for name in on_post(Stage(lead.stage)))
        return [timer for timer in planned if timer is not None]  # a clock the team file does not set: none

    async def posted(self, session: AsyncSession, lead_ids: list[int], *, channel: str, ts: str, at: datetime) -> None:
        """Delivery saw the leads' post land (one lead's, or a batch's): once for each, it goes on the timeline and
        the clocks a post starts run from then (reps cannot act on what they cannot see). Set-based."""
        recorded = await lead_queries.record_post(session=session, lead_ids=lead_ids, channel=channel, ts=ts, at=at)
        leads = await lead_queries.leads_by_ids(session=session, ids=[i for i in lead_ids if i in recorded])
        await lead_queries.add_event_rows(session=session, rows=[
            {"lead_id": lead.id, "kind": "posted", "actor": None, "at": at,
             "data": {"channel": channel, "ts": ts, "lag_seconds": int((at - lead.received_at).total_seconds())}}
            for lead in leads
        ])  # fmt: skip
        await self.load_terms(session, leads)
        timers = [timer for lead in leads for timer in self.clocks_on_post(lead, at)]
        await sla_queries.add_timers(session=session, timers=timers)
        await rollups.add_clocks(session=session, timer_ids=[timer.id for timer in timers])  # /funnel's figures
        decided = [lead.id for lead in leads if lead.stage != Stage.MQL and lead.decided_at is not None]
        await rollups.add_times(session=session, lead_ids=decided, which="accept")  # the CRM decided before

    # --- decisions ------------------------------------------------------------------------------------------

    async def _require_sales(self, user_id: str, verb: str) -> None:
        if await self._team.is_sales(user_id):
            return
        if self.may_decide is not None and await self._team.is_manager(user_id):
            return  # routing: a manager may decide a lead offered to a rep (may_decide refuses any other)
        raise not_sales(verb)

    @staticmethod
    def _already_decided(lead: Lead) -> Conflict:
        if lead.stage == Stage.REJECTED:
            return Conflict("This lead was already rejected by {by}.", people={"by": lead.decided_by})
        return Conflict("This lead was already accepted by {by}.", people={"by": lead.owner})

    async def _get(self, session: AsyncSession, lead_id: int, *, for_update: bool = False) -> Lead:
        lead = await lead_queries.get_lead(session=session, lead_id=lead_id, for_update=for_update)
        if lead is None:
            raise NotFound(f"Lead #{lead_id} does not exist (any more).")
        return lead

    async def accept(self, lead_id: int, *, user_id: str) -> Decision:
        """MQL → SAL: the first sales rep to click owns the lead; everyone after is told who did."""
        await self._require_sales(user_id, "accept")
        now = self._clock.now()
        async with self._db.session() as session, rollups.recount(session=session, lead_ids=[lead_id]):
            owner = user_id
            if self.may_decide is not None:  # a lead routing offered to a rep: theirs (or a manager's) to accept
                owner = await self.may_decide(session, lead_id, user_id, "accept") or user_id
            values = {"stage": Stage.SAL, "owner": owner, "decided_by": user_id, "decided_at": now}
            won = await lead_queries.claim_decision(
                session=session, lead_id=lead_id, from_stage=Stage.MQL, values=values
            )
            lead = await self._get(session, lead_id)
            if not won:
                raise self._already_decided(lead)
            started = lead.posted_at or lead.received_at
            await lead_queries.add_event(
                session=session,
                lead_id=lead_id,
                kind="accepted",
                actor=user_id,
                at=now,
                seconds_to_accept=int((now - started).total_seconds()),
            )
            await self._enter(session, lead, Stage.MQL, Stage.SAL, at=now, actor=user_id)
            await self._queue_post(session, lead)
            await self._outcomes.queue(session, lead, "accepted", by=user_id)
        return Decision(lead_id, user_id)

    async def check_can_reject(self, lead_id: int, *, user_id: str) -> Lead:
        """Before the modal opens: refuse early if the click cannot succeed."""
        await self._require_sales(user_id, "reject")
        async with self._db.session() as session:
            lead = await self._get(session, lead_id)
            if lead.stage != Stage.MQL:
                raise self._already_decided(lead)
            if self.may_decide is not None:
                await self.may_decide(session, lead_id, user_id, "reject")
            return lead

    async def reject(self, lead_id: int, *, user_id: str, reason: str, note: str | None) -> Decision:
        """MQL → Rejected with a reason from the catalog; the reason flows back to marketing."""
        await self._require_sales(user_id, "reject")
        if reason not in self._team.config.reject.reasons:
            raise UserError("Pick one of the listed reasons.", field="reason")
        now = self._clock.now()
        note = (note or "").strip() or None
        if note is None and reason.casefold() == "other":
            raise UserError("Say what the other reason is: marketing cannot act on “Other” alone.", field="note")
        async with self._db.session() as session, rollups.recount(session=session, lead_ids=[lead_id]):
            if self.may_decide is not None:
                await self.may_decide(session, lead_id, user_id, "reject")
            won = await lead_queries.claim_decision(
                session=session,
                lead_id=lead_id,
                from_stage=Stage.MQL,
                values={
                    "stage": Stage.REJECTED,
                    "decided_by": user_id,
                    "decided_at": now,
                    "reject_reason": reason,
                    "reject_note": note,
                },
            )
            lead = await self._get(session, lead_id)
            if not won:
                raise self._already_decided(lead)
            await lead_queries.add_event(
                session=session, lead_id=lead_id, kind="rejected", actor=user_id, at=now, reason=reason, note=note
            )
            await self._enter(session, lead, Stage.MQL, Stage.REJECTED, at=now, actor=user_id)
            await self._queue_post(session, lead)
            await self._outcomes.queue(session, lead, "rejected", reason=reason, note=note, by=user_id)
        return Decision(lead_id, None)

    async def reassign(self, lead_id: int, *, by: str, to: str, why: str) -> None:
        """A manager gives the lead to another rep, saying why. An MQL nobody accepted is assigned (the accept
        clock stops); an accepted lead changes owner and, until contact is logged, the first-touch clock starts
        again for the new owner."""
        if not await self._team.is_manager(by):
            raise Forbidden("Only a manager can reassign leads.")
        await self._team.check_sales_rep(to, field="rep")
        why = why.strip()
        if len(why) < 3:
            raise UserError("Say why, so the rep and marketing know.", field="why")
        now = self._clock.now()
        async with self._db.session() as session, rollups.recount(session=session, lead_ids=[lead_id]):
            lead = await self._get(session, lead_id, for_update=True)
            previous = lead.owner
            if lead.stage == Stage.MQL:
                values = {"stage": Stage.SAL, "owner": to, "decided_by": by, "decided_at": now}
                if not await lead_queries.claim_decision(
                    session=session, lead_id=lead_id, from_stage=Stage.MQL, values=values
                ):
                    raise self._already_decided(await self._get(session, lead_id))
                lead = await self._get(session, lead_id)
                await lead_queries.add_event(
                    session=session, lead_id=lead_id, kind="assigned", actor=by, at=now, to=to, why=why
                )
                clock = await self._enter(session, lead, Stage.MQL, Stage.SAL, at=now, actor=by)
            elif lead.stage == Stage.SAL:
                if lead.owner == to:
                    raise UserError("{rep} already owns this lead.", field="rep", people={"rep": to})
                lead.owner = to
                await lead_queries.add_event(
                    session=session, lead_id=lead_id, kind="reassigned", actor=by, at=now,
                    **{"from": previous, "to": to, "why": why},
                )  # fmt: skip
                clock = None
                if lead.contacted_at is None:  # the new owner gets the whole first-touch time
                    for name in starting(Stage.SAL):
                        await self._sla.stop(session, lead_id=lead_id, clock=name, at=now, actor=by, cancel=True)
                        clock = await self._sla.start(session, lead=lead, clock=name, at=now, owner=to)
            else:
                raise Conflict(f"This lead is closed ({lead.stage}): there is nothing to reassign.")
            await self._queue_post(session, lead)
            await self._outcomes.queue(session, lead, "reassigned", by=by, why=why)
            told = self._handover(
                lead, by=by, to=to, previous=previous, why=why, first_touch=clock, tz=self._team.config.tz, now=now
            )
            await outbox.enqueue_many(session=session, rows=told, now=now)

    # --- the rest of the lifecycle ----------------------------------------------------------------------------

    async def _enter(
        self, session: AsyncSession, lead: Lead, previous: Stage, to: Stage, *, at: datetime, actor: str
    ) -> SlaTimer | None:
        """The clocks of the table for a lead going from `previous` to `to`: those it leaves stop (as cancelled where
        the step no longer applies), those it enters start for its owner. Returns the clock that started, if any."""
        for name, cancel in stopping(previous, to):
            await self._sla.stop(session, lead_id=lead.id, clock=name, at=at, actor=actor, cancel=cancel)
        started = None
        for name in starting(to):
            started = await self._sla.start(session, lead=lead, clock=name, at=at, owner=lead.owner)
        return started

    async def move(
        self,
        lead_id: int,
        *,
        to: str,
        actor: str,
        via: str,
        amount_cents: int | None = None,
        reason: str | None = None,
        at: datetime | None = None,
        checks: dict[str, bool] | None = None,
        session: AsyncSession | None = None,
        owner: str | None = None,
    ) -> Moved:
        """Move a lead forward (SQL, Opportunity, Won) or out (Lost, Recycled), as the table of stages allows. From
        Slack only the owner or a manager may; the CRM may skip steps (SAL → Won) and even leave MQL directly (it
        accepted the lead). Moving to where the lead already is changes nothing, so a repeated CRM update is
        harmless."""
        if to not in MOVE_TARGETS:
            raise UserError(f"{to!r} is not a stage to move to: use {', '.join(MOVE_TARGETS)}", field="stage")
        if amount_cents is not None and amount_cents < 0:
            raise UserError("An amount cannot be negative.", field="amount")
        step = _Step(Stage(to), actor, via, amount_cents, reason, at, checks, owner)
        if session is not None:  # part of the caller's transaction (a /win that matched this lead)
            return await self._move_in(session, lead_id, step)
        async with self._db.session() as own:
            moved = await self._move_in(own, lead_id, step)
        return moved

    async def _move_in(self, session: AsyncSession, lead_id: int, step: _Step) -> Moved:
        async with rollups.recount(session=session, lead_ids=[lead_id]):  # /funnel's figures follow the lead
            return await self._moving(session, lead_id, step)

    async def _moving(self, session: AsyncSession, lead_id: int, step: _Step) -> Moved:
        """The move inside the caller's transaction. Via "win" (a /win that matched this lead) the celebration is
        the caller's own post, so no win card is queued."""
        to, actor, via = step.to, step.actor, step.via
        now = self._clock.now()
        when = step.at or now
        lead = await self._get(session, lead_id, for_update=True)
        if lead.stage == to and via in ("crm", "hubspot", "salesforce"):  # a CRM repeats itself
            return Moved(lead_id, to, False)
        await self._check_move(lead, to=to, actor=actor, via=via)
        if step.at is not None:
            check_reported_at(lead, step.at, now)
        if via == "slack":
            self._check_needs(step)
        sla = await self._sla.lead_terms(session, lead)  # the cadence of the lead's agreement
        await refuse_early_close(session, sla, lead, to=to, reason=step.reason, via=via)
        previous = Stage(lead.stage)
        if previous == Stage.MQL:  # the CRM qualified it before anyone clicked Accept: that is the decision
            lead.decided_at, lead.decided_by = when, actor
        await self._enter(session, lead, previous, to, at=when, actor=actor)
        column = LIFECYCLE[to].reached_at
        if column is not None:
            setattr(lead, column, when)
        if step.amount_cents is not None:
            lead.amount_cents = step.amount_cents
        data_owner: dict[str, object] = {}
        if step.owner is not None and step.owner != lead.owner:
            data_owner = {"owner_from": lead.owner, "owner": step.owner}
            lead.owner = step.owner
        if to == Stage.LOST:
            lead.lost_reason = (step.reason or "not given")[:100]
        lead.stage = to
        data: dict[str, object] = {"from": previous, "to": to, "via": via, "amount_cents": step.amount_cents,
                                   "reason": step.reason, "checks": step.checks, **data_owner}  # fmt: skip
        await lead_queries.add_event(
            session=session, lead_id=lead_id, kind="moved", actor=actor, at=when,
            **{k: v for k, v in data.items() if v is not None},
        )  # fmt: skip
        await self._queue_post(session, lead)
        await self._outcomes.queue(
            session, lead, "stage_changed", **{"from": previous, "to": to, "amount": _dollars(step.amount_cents),
                                               "reason": step.reason, "via": via}
        )  # fmt: skip
        if to == Stage.WON and via != "win":
            await outbox.enqueue_many(session=session, rows=[kinds.win_post(lead_id)], now=now)
        return Moved(lead_id, to, True)

    def _check_needs(self, step: _Step) -> None:
        """What the table says a move asks of a person in Slack."""
        need = LIFECYCLE[step.to].needs
        if need == Need.AMOUNT and step.amount_cents is None:
            raise UserError("Enter the amount.", field="amount")
        if need == Need.LOST_REASON and step.reason not in self._team.config.lost.reasons:
            raise UserError("Pick one of the listed reasons.", field="reason")
        if need == Need.BANT:
            missing = [label for value, label in BANT if not (step.checks or {}).get(value)]
            if missing:
                raise UserError(f"An SQL has all four confirmed; still open: {', '.join(missing)}.", field="bant")

    async def _check_move(self, lead: Lead, *, to: str, actor: str, via: str) -> None:
        if via == "slack" and actor != lead.owner and not await self._team.is_manager(actor):
            raise Forbidden("Only the owner ({owner}) or a manager can move this lead.", people={"owner": lead.owner})
        problem = move_problem(Stage(lead.stage), Stage(to), from_slack=via == "slack")
        if problem is not None:
            raise Conflict(problem, field="stage")

    async def check_can_move(self, lead_id: int, *, to: str, user_id: str) -> Lead:
        """Before a move's modal opens: refuse early (ephemerally) if the move could not succeed."""
        async with self._db.session() as session:
            lead = await self._get(session, lead_id)
            await self._check_move(lead, to=to, actor=user_id, via="slack")
            return lead

    async def move_by_external_id(self, external_id: str, **kwargs: Any) -> Moved:
        async with self._db.session() as session:
            lead = await lead_queries.get_lead_by_external_id(session=session, external_id=external_id)
        if lead is None:
            raise NotFound(f"No lead has external_id {external_id!r}.")
        return await self.move(lead.id, **kwargs)

    async def move_by_record(self, crm: str, crm_ids: Sequence[str], **kwargs: Any) -> Moved:
        """Move the lead that came from the first of these CRM records one came from (a HubSpot deal's contacts)."""
        async with self._db.session() as session:
            lead_id = await lead_queries.lead_id_of_records(session=session, crm=crm, crm_ids=crm_ids)
        if lead_id is None:
            raise NotFound(f"No lead came from {crm} record {', '.join(crm_ids[:5])!r}.")
        return await self.move(lead_id, **kwargs)


def _dollars(cents: int | None) -> float | None:
    return None if cents is None else cents / 100
