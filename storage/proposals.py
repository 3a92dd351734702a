"""Queries of proposals to change the agreement (agreement_proposals), their term locks and their heads' DMs.

Every change of a proposal's state is a conditional UPDATE (`WHERE state = 'open' …`): a replayed click, a stale
button or two replicas expiring the same proposal change it once, and the caller learns whether it was theirs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_for
from storage.models import AgreementProposal, AgreementProposalDm, AgreementTermLock

OPEN = "open"


def add(
    session: AsyncSession,
    *,
    proposer: str,
    base_version: int,
    changes: dict[str, Any],
    rationale: str,
    origin: str,
    at: datetime,
    expires_at: datetime,
) -> AgreementProposal:
    row = AgreementProposal(
        proposer=proposer, base_version=base_version, changes=changes, rationale=rationale, origin=origin,
        state=OPEN, created_at=at, expires_at=expires_at,
    )  # fmt: skip
    session.add(row)
    return row


def lock_terms(session: AsyncSession, *, proposal_id: int, terms: Collection[str]) -> None:
    """One lock row per term: flushing raises IntegrityError when another open proposal holds one of them."""
    session.add_all(AgreementTermLock(term=term, proposal_id=proposal_id) for term in sorted(terms))


async def holders(session: AsyncSession, terms: Collection[str]) -> list[tuple[str, AgreementProposal]]:
    """The open proposals holding any of `terms`: (term, proposal), in the terms' order."""
    rows = await session.execute(
        select(AgreementTermLock.term, AgreementProposal)
        .join(AgreementProposal, AgreementProposal.id == AgreementTermLock.proposal_id)
        .where(AgreementTermLock.term.in_(list(terms)))
        .order_by(AgreementTermLock.term)
    )
    return [(term, proposal) for term, proposal in rows]


async def release(session: AsyncSession, proposal_id: int) -> None:
    await session.execute(delete(AgreementTermLock).where(AgreementTermLock.proposal_id == proposal_id))


async def get(session: AsyncSession, proposal_id: int) -> AgreementProposal | None:
    return await session.get(AgreementProposal, proposal_id, populate_existing=True)


async def approve_side(session: AsyncSession, *, proposal_id: int, side: str, user_id: str, at: datetime) -> bool:
    """Record one head's approval (`side`: "sales" or "marketing") of an open proposal not yet approved on that side;
    False when it was not open or that side had already approved."""
    by = getattr(AgreementProposal, f"{side}_approved_by")
    result = await session.execute(
        update(AgreementProposal)
        .where(AgreementProposal.id == proposal_id, AgreementProposal.state == OPEN, by.is_(None))
        .values({f"{side}_approved_by": user_id, f"{side}_approved_at": at})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def close(session: AsyncSession, *, proposal_id: int, state: str, at: datetime, **values: Any) -> bool:
    """Move an open proposal to `state` (approved, declined, expired) with `values`; False when it was not open."""
    result = await session.execute(
        update(AgreementProposal)
        .where(AgreementProposal.id == proposal_id, AgreementProposal.state == OPEN)
        .values(state=state, closed_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_to_expire(session: AsyncSession, *, now: datetime, limit: int = 100) -> list[int]:
    rows = await session.scalars(
        select(AgreementProposal.id)
        .where(AgreementProposal.state == OPEN, AgreementProposal.expires_at <= now)
        .order_by(AgreementProposal.id)
        .limit(limit)
    )
    return list(rows)


async def record_post(session: AsyncSession, *, proposal_id: int, channel: str, ts: str) -> None:
    await session.execute(
        update(AgreementProposal)
        .where(AgreementProposal.id == proposal_id)
        .values(slack_channel=channel, slack_ts=ts)
        .execution_options(synchronize_session=False)
    )


async def dm_of(session: AsyncSession, *, proposal_id: int, recipient: str) -> AgreementProposalDm | None:
    return await session.get(AgreementProposalDm, (proposal_id, recipient))


async def record_dm(session: AsyncSession, *, proposal_id: int, recipient: str, channel: str, ts: str) -> None:
    statement = upsert_for(session)(AgreementProposalDm).values(
        proposal_id=proposal_id, recipient=recipient, slack_channel=channel, slack_ts=ts
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["proposal_id", "recipient"], set_={"slack_channel": channel, "slack_ts": ts}
        )
    )
