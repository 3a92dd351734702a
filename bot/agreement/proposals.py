"""Renegotiating the agreement: a proposal, both heads' approvals, a decline with its reason, expiry after 7 days.

Each step is one transaction, and Slack hears of it through the outbox: the proposal's post in the leads channel
and each head's DM (re-rendered from the proposal's state, so they always show where it stands), and one-off
announcements (the new version in force, a decline, an expiry). Two open proposals never touch the same term:
each term an open proposal changes is a row of `agreement_term_locks`, whose primary key refuses the second.

- **Approving.** Each head approves their side; one person who is both heads approves both sides with one click.
  Every approval is a conditional UPDATE, so a replayed or stale click changes nothing. The approval that
  completes the pair, in the same transaction, stores the new version (the newest + 1: two writers racing for the
  number collide on its primary key), releases the locks and closes the proposal.
- **The version it applies to.** A proposal changes the terms it names, applied to the version in force when it
  is approved: no other proposal can have changed those terms meanwhile (the locks), but an edit of the team file
  may have, and the edit then gives way to the proposal both heads approved. Terms the proposal does not name
  keep their values in force. A proposal whose terms are all in force by then closes approved without a new
  version.
- **Expiry.** The scheduled reviews job expires proposals 7 days after they were made, once across replicas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agreement.registry import Agreements
from bot.agreement.terms_input import BY_TERM, change_lines, check_rationale, initial_values, proposed_changes
from bot.clock import Clock
from bot.config.agreement import diff, flatten, sla_with, terms_of, with_changes
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.delivery import outbox_kinds as kinds
from bot.errors import ConfigError, Conflict, Forbidden, NotFound, UserError
from message_templates import mrkdwn
from message_templates.wording import mention
from storage import agreements as versions
from storage import outbox
from storage import proposals as store
from storage.db import Database
from storage.models import AgreementProposal

log = logging.getLogger(__name__)

EXPIRY = timedelta(days=7)
CHANNEL = "channel"  # a proposal post's audience: the leads channel (else a head's user id)
SIDES = ("sales", "marketing")
FOOTER = "Handoff · the agreement between sales and marketing"
NO_HEADS = (
    "Nobody can approve a change to the agreement yet: name both heads in the team file, "
    "`[team] sales_head` and `marketing_head`."
)


@dataclass(frozen=True)
class Heads:
    sales: str
    marketing: str

    def sides_of(self, user_id: str) -> list[str]:
        return [side for side in SIDES if getattr(self, side) == user_id]

    def people(self) -> list[str]:
        return list(dict.fromkeys([self.sales, self.marketing]))


@dataclass(frozen=True)
class Form:
    """What the proposal modal shows: each field's initial text, and the version in force it starts from."""

    values: dict[str, str]
    version: int


def closed_text(proposal: AgreementProposal) -> str:
    if proposal.state == "approved":
        return f"Proposal #{proposal.id} was already approved by both heads."
    if proposal.state == "declined":
        return f"Proposal #{proposal.id} was declined; it changes nothing."
    return f"Proposal #{proposal.id} expired; it changes nothing."


class Proposals:
    def __init__(self, db: Database, config: HandoffConfig, team: Team, clock: Clock, agreements: Agreements) -> None:
        self._db = db
        self._config = config
        self._team = team
        self._clock = clock
        self._agreements = agreements

    def heads(self) -> Heads:
        sales, marketing = self._config.team.sales_head, self._config.team.marketing_head
        if not sales or not marketing:
            raise Forbidden(NO_HEADS)
        return Heads(sales, marketing)

    async def check_can_propose(self, user_id: str) -> Heads:
        heads = self.heads()
        if user_id in heads.people() or await self._team.is_manager(user_id) or await self._team.is_marketing(user_id):
            return heads
        raise Forbidden(
            "Only managers, marketing and the two heads can propose a change to the agreement. "
            "Ask sales-ops to add you to the team file."
        )

    async def form(self, user_id: str, prefill: dict[str, object] | None = None) -> Form:
        await self.check_can_propose(user_id)
        async with self._db.reading() as session:
            version, sla = await self._agreements.in_force(session)
        return Form(initial_values(terms_of(sla), prefill), version)

    async def submit(self, user_id: str, entered: dict[str, str], rationale: str, origin: str = "command") -> int:
        """Store the proposal, lock its terms and tell both heads and the channel; a UserError naming the field
        (a term, "rationale") when it cannot be."""
        heads = await self.check_can_propose(user_id)
        why = check_rationale(rationale)
        now = self._clock.now()
        try:
            async with self._db.session() as session:
                version, sla = await self._agreements.in_force(session)
                changes = proposed_changes(self._agreements.file_sla, terms_of(sla), entered)
                await self._check_free(session, changes)
                row = store.add(
                    session, proposer=user_id, base_version=version, changes=changes, rationale=why,
                    origin=origin if origin in ("command", "review") else "command", at=now, expires_at=now + EXPIRY,
                )  # fmt: skip
                await session.flush()
                store.lock_terms(session, proposal_id=row.id, terms=changes)
                await session.flush()
                await self._show(session, row.id, heads, now)
                return row.id
        except IntegrityError:  # another proposal locked one of these terms between the check and the insert
            async with self._db.reading() as session:
                await self._check_free(session, changes)
            raise

    async def _check_free(self, session: AsyncSession, changes: dict[str, Any]) -> None:
        for term, holder in await store.holders(session, changes):
            label = BY_TERM[term].label.lower() if term in BY_TERM else term
            raise Conflict(
                f"Another open proposal (#{holder.id} by {{proposer}}) changes {label}: it is decided, or expires, "
                "first.",
                field=term,
                people={"proposer": holder.proposer},
            )

    async def _show(self, session: AsyncSession, proposal_id: int, heads: Heads, now: datetime) -> None:
        rows = [kinds.proposal_post(proposal_id, to) for to in (CHANNEL, *heads.people())]
        await outbox.enqueue_many(session=session, rows=rows, now=now)

    async def _load(self, session: AsyncSession, proposal_id: int) -> AgreementProposal:
        proposal = await store.get(session, proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal #{proposal_id}.")
        if proposal.state != store.OPEN:
            raise Conflict(closed_text(proposal))
        if proposal.expires_at <= self._clock.now():  # past its 7 days, before the reviews job closes it
            raise Conflict(f"Proposal #{proposal.id} expired; it changes nothing.")
        return proposal

    def _sides(self, user_id: str) -> tuple[Heads, list[str]]:
        heads = self.heads()
        sides = heads.sides_of(user_id)
        if not sides:
            raise Forbidden(
                "Only the two heads decide a change to the agreement: {sales} for sales, {marketing} for marketing.",
                people={"sales": heads.sales, "marketing": heads.marketing},
            )
        return heads, sides

    async def approve(self, proposal_id: int, user_id: str) -> str:
        """One head's approval (both sides', for one person who is both); the second makes the new version."""
        heads, sides = self._sides(user_id)
        for _ in range(3):
            try:
                async with self._db.session() as session:
                    return await self._approve(session, proposal_id, user_id, heads, sides)
            except IntegrityError:  # the version number was taken meanwhile (a start-up recording a file edit)
                continue
        raise RuntimeError(f"could not store the version proposal #{proposal_id} makes")

    async def _approve(
        self, session: AsyncSession, proposal_id: int, user_id: str, heads: Heads, sides: list[str]
    ) -> str:
        await self._load(session, proposal_id)
        now = self._clock.now()
        took = [s for s in sides if await store.approve_side(session, proposal_id=proposal_id, side=s, user_id=user_id,
                                                             at=now)]  # fmt: skip
        proposal = await self._load(session, proposal_id)  # as it is now, with the other head's approval
        if not took:
            raise Conflict(f"You already approved proposal #{proposal_id}; it waits for the other head.")
        await self._show(session, proposal_id, heads, now)
        if not (proposal.sales_approved_by and proposal.marketing_approved_by):
            waiting = heads.marketing if proposal.sales_approved_by else heads.sales
            return f"✅ You approved proposal #{proposal_id}. It takes effect when {mention(waiting)} approves too."
        number = await self._adopt(session, proposal, now)
        if number is None:
            return f"✅ Approved: proposal #{proposal_id}'s terms were already the agreement's; nothing changed."
        return f"✅ Approved by both heads: agreement version {number} is in force from now."

    async def _adopt(self, session: AsyncSession, proposal: AgreementProposal, now: datetime) -> int | None:
        """Both approved: the new version, the locks released, the proposal closed, everyone told."""
        newest = await versions.newest(session)
        base_terms = newest.terms if newest else terms_of(self._agreements.file_sla)
        try:
            terms = terms_of(sla_with(self._agreements.file_sla, with_changes(base_terms, proposal.changes)))
        except ConfigError as exc:  # the team file changed under it so that it no longer holds together
            raise Conflict(f"Proposal #{proposal.id} cannot take effect as the agreement now stands: {exc}") from None
        changes = diff(base_terms, terms)
        number: int | None = None
        if changes:
            number = (newest.version if newest else 0) + 1
            versions.add_version(
                session, number=number, terms=terms, file_terms=newest.file_terms if newest else terms,
                changes=[c.as_dict() for c in changes], source="proposal", at=now, proposal_id=proposal.id,
                approved_by=[b for b in (proposal.sales_approved_by, proposal.marketing_approved_by) if b],
                rationale=proposal.rationale,
            )  # fmt: skip
            await session.flush()
        await store.release(session, proposal.id)
        await store.close(session, proposal_id=proposal.id, state="approved", at=now,
                          version=number if number is not None else (newest.version if newest else None))  # fmt: skip
        before = flatten(base_terms)
        changed = change_lines(base_terms, {t: v for t, v in proposal.changes.items() if before.get(t) != v})
        said = (
            f"{mention(proposal.proposer)}'s proposal #{proposal.id}, approved by "
            f"{mention(proposal.sales_approved_by)} and {mention(proposal.marketing_approved_by)}:"
        )
        why = f"*Why:* {mrkdwn(proposal.rationale, 2900)}"
        rows = []
        if number is not None:
            rows.append(kinds.announcement(
                f"agreement_version:{number}", f"📜 Agreement version {number} is in force from now",
                [said, *changed, why, "Leads arriving from now run on it; leads that arrived before keep theirs."],
                FOOTER,
            ))  # fmt: skip
        told = f"It is agreement version {number}, in force from now." if number else "Its terms were already in force."
        rows.append(kinds.announcement(
            f"proposal_outcome:{proposal.id}", f"✅ Your proposal #{proposal.id} was approved", [told, *changed],
            FOOTER, channel=proposal.proposer,
        ))  # fmt: skip
        await outbox.enqueue_many(session=session, rows=rows, now=now)
        log.info("proposal %d approved: agreement version %s", proposal.id, number)
        return number

    async def check_can_decline(self, proposal_id: int, user_id: str) -> AgreementProposal:
        self._sides(user_id)
        async with self._db.reading() as session:
            return await self._load(session, proposal_id)

    async def decline(self, proposal_id: int, user_id: str, reason: str) -> None:
        heads, _ = self._sides(user_id)
        if "\x00" in reason:
            raise UserError("The reason holds a NUL character: type it again.", field="reason")
        if not reason.strip():
            raise UserError("Say why you decline: the proposer and the channel read it.", field="reason")
        if len(reason := reason.strip()) > 1000:
            raise UserError(f"Keep the reason to 1000 characters (it has {len(reason)}).", field="reason")
        now = self._clock.now()
        async with self._db.session() as session:
            proposal = await self._load(session, proposal_id)
            if not await store.close(session, proposal_id=proposal_id, state="declined", at=now, declined_by=user_id,
                                     decline_reason=reason):  # fmt: skip
                raise Conflict(closed_text(proposal))
            await store.release(session, proposal_id)
            await self._show(session, proposal_id, heads, now)
            base = await versions.version(session, proposal.base_version)
            lines = [
                f"{mention(user_id)} declined {mention(proposal.proposer)}'s proposal #{proposal_id}:",
                *change_lines(base.terms if base else {}, proposal.changes),
                f"*Reason:* {mrkdwn(reason, 2900)}",
                "The agreement is unchanged.",
            ]
            title = f"Proposal #{proposal_id} to change the agreement was declined"
            await outbox.enqueue_many(session=session, rows=[
                kinds.announcement(f"proposal_declined:{proposal_id}", title, lines, FOOTER),
                kinds.announcement(f"proposal_outcome:{proposal_id}", title, lines, FOOTER, channel=proposal.proposer),
            ], now=now)  # fmt: skip

    async def expire_due(self) -> int:
        """Expire the open proposals past their 7 days (the scheduled reviews job): each once, across replicas."""
        now, expired = self._clock.now(), 0
        async with self._db.session() as session:
            for proposal_id in await store.due_to_expire(session, now=now):
                proposal = await store.get(session, proposal_id)
                if proposal is None or not await store.close(session, proposal_id=proposal_id, state="expired",
                                                             at=now):  # fmt: skip
                    continue
                await store.release(session, proposal_id)
                expired += 1
                rows = [kinds.proposal_post(proposal_id, to) for to in (CHANNEL, *self._heads_or_none())]
                rows.append(kinds.announcement(
                    f"proposal_outcome:{proposal_id}", f"⌛ Your proposal #{proposal_id} expired",
                    ["Nobody finished answering it within 7 days, so the agreement is unchanged. Its terms are free "
                     "for a new proposal: `/sla propose`."], FOOTER, channel=proposal.proposer,
                ))  # fmt: skip
                await outbox.enqueue_many(session=session, rows=rows, now=now)
        return expired

    def _heads_or_none(self) -> list[str]:
        try:
            return self.heads().people()
        except UserError:
            return []
