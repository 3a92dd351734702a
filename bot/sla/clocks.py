"""SLA clocks: start, stop, warn, breach, escalate — each step exactly once, however many processes sweep.

A clock is a row (`sla_timers`) with the next moment the sweep must look at it (`next_at`, indexed). The sweep
claims due rows inside one transaction, decides what each owes (a heads-up, a breach, escalation steps, the end
of a snooze), records that on the row and the lead's timeline, and queues the Slack messages in the outbox — all
in the same commit. A step recorded is a step sent; a step not recorded is still due. Nothing lives in memory.

Notifications to one person in one sweep become one DM listing every lead (grouped by clock in the message), and
every DM remembers which timers it was about, so acting on a lead updates the alarms already sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agreement.registry import Agreements
from bot.clock import Clock
from bot.config.fields import GROUP_ID
from bot.config.team import Team
from bot.config.team_file import ClockConfig, HandoffConfig, SlaConfig
from bot.delivery import outbox_kinds as kinds
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.ids import TimerId
from bot.sla.plan import Nudged, Queued, SweepReport, event_row, plan_timer
from bot.sla.recipients import Fire, Recipients, expand_groups
from storage import leads as lead_queries
from storage import outbox, rollups
from storage import sla as queries
from storage.away import away_now
from storage.db import Database
from storage.models import Lead, SlaTimer
from storage.sla import LeadRef, NewNotice

log = logging.getLogger(__name__)

SNOOZE = timedelta(hours=1)
DOER_KINDS = ("warn", "nudge", "pickup")  # alarms that ask the reader to act on the lead itself


class SlaService:
    def __init__(
        self,
        db: Database,
        team: Team,
        clock: Clock,
        agreements: Agreements,
        *,
        batch: int = 500,
        on_recorded: Callable[[str, str], None] | None = None,
    ) -> None:
        self._db = db
        self._team = team
        self._clock = clock
        self._agreements = agreements  # the terms each lead's clocks run on: its version of the agreement
        self._on_recorded = on_recorded or (lambda event, clock: None)  # (event kind, clock) after each commit
        self.after_advance: Callable[[AsyncSession, list[SlaTimer], datetime], Awaitable[None]] | None = None  # routing
        self.batch = batch

    @property
    def config(self) -> HandoffConfig:
        return self._team.config

    def terms(self, version: int | None) -> SlaConfig:
        """The SLA of agreement `version` (a lead's or a timer's; None: version 1)."""
        return self._agreements.sla(version)

    def clock_config(self, clock: str, version: int | None) -> ClockConfig | None:
        return self.terms(version).clocks().get(clock)

    # --- starting and stopping (inside the caller's transaction) ---------------------------------------------

    def plan(self, *, lead: Lead, clock: str, at: datetime, owner: str | None) -> SlaTimer | None:
        """The clock `start` would start at `at`, not stored: what a post shows before it lands (its deadline is
        then the very one the stored clock runs to). None when the lead's agreement does not set `clock`. The
        lead's version must be loaded (`load_terms`)."""
        return plan_timer(self.config, self.terms(lead.agreement_version), lead=lead, clock=clock, at=at, owner=owner)

    async def lead_terms(self, session: AsyncSession, lead: Lead) -> SlaConfig:
        """The SLA of the lead's version of the agreement, read if this process does not know it yet."""
        await self.load_terms(session, [lead.agreement_version])
        return self.terms(lead.agreement_version)

    async def load_terms(self, session: AsyncSession, versions: Iterable[int | None]) -> None:
        """Read the agreement versions not known to this process yet (another replica may have made one)."""
        await self._agreements.load(session, versions)

    async def start(
        self, session: AsyncSession, *, lead: Lead, clock: str, at: datetime, owner: str | None
    ) -> SlaTimer | None:
        """Start `clock` for `lead` at `at` if the lead's agreement sets it; the target may depend on its score."""
        await self.load_terms(session, [lead.agreement_version])
        timer = self.plan(lead=lead, clock=clock, at=at, owner=owner)
        return None if timer is None else await queries.add_timer(session=session, timer=timer)

    async def stop(
        self, session: AsyncSession, *, lead_id: int, clock: str, at: datetime, actor: str | None, cancel: bool = False
    ) -> SlaTimer | None:
        """The step the clock waits for was reached (or, with `cancel`, no longer applies): record how long it took
        on the timeline and refresh every alarm already sent about the lead."""
        timer = await queries.active_timer(session=session, lead_id=lead_id, clock=clock)
        if timer is None:
            return None
        time = self.config.working_time(timer.business_hours)
        elapsed = int(time.unspan(time.elapsed(timer.started_at, at)).total_seconds())
        late = timer.state == "breached" or at > timer.due_at
        timer.state = "cancelled" if cancel else ("missed" if late else "met")
        timer.stopped_at, timer.next_at, timer.elapsed_seconds = at, None, elapsed
        timer.snoozed_until = timer.snoozed_by = None
        await lead_queries.add_event(
            session=session,
            lead_id=lead_id,
            kind="sla_stopped",
            actor=actor,
            at=at,
            clock=clock,
            outcome=timer.state,
            elapsed_seconds=elapsed,
            target_seconds=timer.target_seconds,
            business_hours=timer.business_hours,
        )
        return timer

    async def refresh_notices(self, session: AsyncSession, *, lead_id: int) -> None:
        """Queue an update of every SLA message that mentions the lead (rendered from current state)."""
        ids = await queries.notice_ids_for_lead(session=session, lead_id=lead_id)
        if ids:
            await outbox.enqueue_many(session=session, rows=[kinds.sla_notice(i) for i in ids], now=self._clock.now())

    # --- the sweep -------------------------------------------------------------------------------------------

    async def sweep(self) -> SweepReport:
        """Claim every timer whose next step has come (at most `batch`), fire what each owes, once."""
        now = self._clock.now()
        # Slack calls happen before the transaction, never inside it
        reps = await self._team.available_reps() if self.config.sla.unowned_notify == "dm" else []
        async with self._db.reading() as session:  # every version's chain: a group only a later version names
            terms = await self._agreements.load_all(session)
        recipients = Recipients(self.config, await expand_groups(self._team, terms), reps)
        queued = Queued()
        async with self._db.session() as session:
            due = await queries.claim_due(session=session, now=now, limit=self.batch)
            recipients = recipients.during(await away_now(session=session, now=now))  # their alarms: the manager's
            await self.load_terms(session, {timer.agreement_version for timer, _ in due})
            claimed = [timer.id for timer, _ in due]
            counted = await rollups.snapshot(session=session, timer_ids=claimed)  # /funnel's clocks, as claimed
            fires: list[Fire] = []
            for timer, lead in due:
                fires.extend(self._advance(timer, lead, now, queued))
            if self.after_advance is not None:  # routing: a breached offer moves on to the next rep
                await self.after_advance(session, [timer for timer, _ in due], now)
            notices = self._group(fires, recipients, queued, now)
            sent = await queries.notice_ids_for_leads(session=session, lead_ids=sorted(queued.changed))
            ids = await queries.add_notices(session=session, notices=notices, at=now)
            queued.rows.extend(kinds.sla_notice(i) for i in [*sent, *ids])
            await lead_queries.add_event_rows(session=session, rows=queued.events)
            await outbox.enqueue_many(session=session, rows=queued.rows, now=now)
            await rollups.settle(session=session, before=counted)
        for event in queued.events:
            self._on_recorded(event["kind"], event["data"]["clock"])
        report = SweepReport(
            timers=len(due),
            warnings=sum(f.kind == "warn" for f in fires),
            breaches=sum(e["kind"] == "sla_breached" for e in queued.events),
            steps=sum(f.kind == "breach" for f in fires),
            notices=len(ids),
        )
        if fires:
            log.info("SLA sweep: %s", report)
        return report

    def _advance(self, timer: SlaTimer, lead: LeadRef, now: datetime, queued: Queued) -> list[Fire]:
        """Move one claimed timer forward to `now`; returns what it owes. Catching up after downtime fires each
        missed step once, never once per missed tick."""
        cfg = self.clock_config(timer.clock, timer.agreement_version)
        if cfg is None:  # the clock is not in the timer's agreement (any more): nothing more to do
            timer.next_at = None
            return []
        if timer.snoozed_until is not None and now < timer.snoozed_until:
            timer.next_at = timer.snoozed_until
            return []
        fires: list[Fire] = []
        if timer.snoozed_until is not None:
            fires.append(Fire("snooze_over", timer, lead, to=timer.snoozed_by))
            timer.snoozed_until = timer.snoozed_by = None
            queued.changed.add(lead.id)
        time = self.config.working_time(timer.business_hours)
        if timer.state == "running":
            if timer.warn_at is not None and timer.warned_at is None and now >= timer.warn_at:
                timer.warned_at = now
                if now < timer.due_at:  # a heads-up after the breach is noise: the escalation says it
                    fires.append(Fire("warn", timer, lead))
                    queued.events.append(event_row(lead, "sla_warned", now, clock=timer.clock))
            if now >= timer.due_at:
                timer.state, timer.breached_at = "breached", timer.due_at
                queued.events.append(
                    event_row(
                        lead, "sla_breached", timer.due_at, clock=timer.clock, target_seconds=timer.target_seconds
                    )
                )
                queued.rows.append(kinds.lead_post(lead.id))
                queued.changed.add(lead.id)
        next_step_at: datetime | None = None
        if timer.state == "breached" and timer.breached_at is not None:
            while timer.steps_fired < len(cfg.escalate):
                step = cfg.escalate[timer.steps_fired]
                at = time.add(timer.breached_at, time.span(step.after))
                if at > now:
                    next_step_at = at
                    break
                fires.append(Fire("breach", timer, lead, step=timer.steps_fired, notify=step.notify))
                timer.steps_fired += 1
        pending = [
            t
            for t in (
                timer.warn_at if timer.state == "running" and timer.warned_at is None else None,
                timer.due_at if timer.state == "running" else None,
                next_step_at,
            )
            if t is not None
        ]
        timer.next_at = min(pending) if pending else None
        return fires

    def _group(self, fires: list[Fire], recipients: Recipients, queued: Queued, now: datetime) -> list[NewNotice]:
        """One DM per person and kind (listing every lead of this sweep), one thread reply per lead and kind."""
        buckets: dict[tuple[str, str, str | None], dict[int, tuple[int, int, int | None]]] = {}
        for fire in fires:
            people = recipients.of(fire)
            if fire.kind == "breach":
                queued.events.append(
                    event_row(
                        fire.lead,
                        "sla_escalated",
                        now,
                        clock=fire.timer.clock,
                        step=fire.step,
                        notify=fire.notify,
                        to=people or [fire.lead.slack_channel or self.config.slack.leads_channel],
                    )
                )
            kind = "pickup" if fire.kind == "breach" and fire.notify == "channel" and people else fire.kind
            keys: list[tuple[str, str, str | None]] = [(kind, person, None) for person in people]
            if not people:
                channel = fire.lead.slack_channel or self.config.slack.leads_channel
                keys = [(fire.kind, channel, fire.lead.slack_ts)]
            for key in keys:
                items = buckets.setdefault(key, {})
                # catching up may fire two steps of one timer to the same person: list the lead once
                items[fire.timer.id] = (fire.timer.id, fire.lead.id, fire.step)
        return [
            NewNotice(kind=kind, recipient=recipient, thread_ts=thread_ts, items=list(items.values()))
            for (kind, recipient, thread_ts), items in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        ]

    # --- acting on an alarm ----------------------------------------------------------------------------------

    async def _active(
        self, session: AsyncSession, timer_id: int, user_id: str, *, snooze: bool = False
    ) -> tuple[SlaTimer, Lead]:
        """The timer and lead an alarm button is about, if the clicker may act on it (`snooze`: checked later)."""
        timer = await queries.get_timer(session=session, timer_id=timer_id, for_update=True)
        if timer is None:
            raise NotFound("This alarm no longer exists.")
        lead = await lead_queries.get_lead(session=session, lead_id=timer.lead_id)
        if lead is None:
            raise NotFound("This lead no longer exists.")
        may = snooze or await self._team.is_manager(user_id) or await self._on_chain(session, timer_id, lead, user_id)
        if not may:
            raise Forbidden("Only managers and the people this lead escalates to can act on its alarm.")
        if timer.stopped_at is not None:
            raise Conflict("Someone already acted on this lead: the alarm is over.")
        await self.load_terms(session, [timer.agreement_version])
        return timer, lead

    @staticmethod
    async def _on_chain(session: AsyncSession, timer_id: int, lead: Lead, user_id: str) -> bool:
        """Was `user_id` told about this clock as someone it escalates to? An alarm that asks its reader to act on
        the lead itself (a heads-up, a nudge, a pick-up) offers no alarm buttons, and the owner never has them: a
        click forged with the timer's id is no licence to nudge everyone."""
        if user_id == lead.owner:
            return False
        return await queries.was_told_about(
            session=session, timer_id=timer_id, user_id=user_id, except_kinds=DOER_KINDS
        )

    async def _may_snooze(self, timer: SlaTimer, lead: Lead, user_id: str) -> None:
        """A snooze holds every later escalation step, so only the people those steps reach may snooze: managers,
        and the people (or user groups) the clock escalates to by name. Never the owner: a rep cannot silence
        their own escalation. And only `sla.max_snoozes` times per clock."""
        chain = False
        if user_id != lead.owner:
            chain = await self._team.is_manager(user_id)
            cfg = self.clock_config(timer.clock, timer.agreement_version)
            for step in cfg.escalate if cfg and not chain else ():
                if step.notify == user_id or (
                    GROUP_ID.match(step.notify) and user_id in await self._team.members(step.notify)
                ):
                    chain = True
                    break
        if not chain:
            raise Forbidden("Only managers and the people this lead escalates to can snooze its alarm.")
        if timer.state != "breached":
            raise Conflict("This clock has not breached: there is nothing to snooze yet.")
        most = self.config.sla.max_snoozes
        if timer.snoozes >= most:
            raise Conflict(
                f"This alarm was already snoozed {timer.snoozes} times, the most `sla.max_snoozes` allows: "
                "reassign the lead or nudge."
            )

    async def check_can_snooze(self, timer_id: TimerId, *, user_id: str) -> Lead:
        """Before the snooze modal opens: refuse early if the submission could not succeed."""
        async with self._db.session() as session:
            timer, lead = await self._active(session, timer_id, user_id, snooze=True)
            await self._may_snooze(timer, lead, user_id)
            return lead

    async def check_can_reassign(self, timer_id: TimerId, *, user_id: str) -> Lead:
        if not await self._team.is_manager(user_id):
            raise Forbidden("Only a manager can reassign leads.")
        async with self._db.session() as session:
            _timer, lead = await self._active(session, timer_id, user_id)
            return lead

    async def snooze(self, timer_id: TimerId, *, user_id: str, why: str) -> datetime:
        """Hold the escalation for an hour; the person who snoozed hears again if the lead is still waiting."""
        why = why.strip()
        if len(why) < 3:
            raise UserError("Say why: the snooze is recorded on the lead's timeline.", field="why")
        now = self._clock.now()
        async with self._db.session() as session:
            timer, lead = await self._active(session, timer_id, user_id, snooze=True)
            await self._may_snooze(timer, lead, user_id)
            until = now + SNOOZE
            timer.snoozed_until, timer.snoozed_by = until, user_id
            timer.snoozes += 1
            timer.next_at = until  # at its end the sweep reminds whoever snoozed, then fires any step now due
            await lead_queries.add_event(
                session=session, lead_id=lead.id, kind="sla_snoozed", actor=user_id, at=now,
                clock=timer.clock, until=until.isoformat(), why=why, count=timer.snoozes,
            )  # fmt: skip
            await self.refresh_notices(session, lead_id=lead.id)
        return until

    async def nudge(self, timer_id: TimerId, *, user_id: str) -> Nudged:
        """Remind the owner (or, for a lead nobody owns, the reps, as `[sla] unowned_notify` says) about this lead;
        returns who was nudged."""
        now = self._clock.now()
        mode = self.config.sla.unowned_notify
        reps = await self._team.available_reps() if mode == "dm" else []
        async with self._db.session() as session:
            timer, lead = await self._active(session, timer_id, user_id)
            item = [(timer.id, lead.id, None)]
            if lead.owner or reps:
                people = [lead.owner] if lead.owner else reps
                notices = [NewNotice("nudge", person, item, actor=user_id) for person in people]
                nudged = Nudged(tuple(people), dm=not lead.owner, mode=mode)
            else:
                channel = lead.slack_channel or self.config.slack.leads_channel
                notices = [NewNotice("nudge", channel, item, thread_ts=lead.slack_ts, actor=user_id)]
                nudged = Nudged((), dm=False, mode=mode)
            notice_ids = await queries.add_notices(session=session, notices=notices, at=now)
            await lead_queries.add_event(
                session=session, lead_id=lead.id, kind="nudged", actor=user_id, at=now, clock=timer.clock,
                to=lead.owner or reps or None,
            )  # fmt: skip
            await outbox.enqueue_many(session=session, rows=[kinds.sla_notice(i) for i in notice_ids], now=now)
        return nudged
