"""Queries of the agreement's versions (agreement_versions). Versions are only ever added: the newest is in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AgreementVersion, SlaTimer
from storage.sla import ClockCompliance


async def newest(session: AsyncSession) -> AgreementVersion | None:
    """The version in force (the highest number), or None before the first is stored."""
    return await session.scalar(select(AgreementVersion).order_by(AgreementVersion.version.desc()).limit(1))


async def newest_number(session: AsyncSession) -> int | None:
    return await session.scalar(select(func.max(AgreementVersion.version)))


async def versions(session: AsyncSession) -> list[AgreementVersion]:
    """Every version, oldest first."""
    return list(await session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)))


async def version(session: AsyncSession, number: int) -> AgreementVersion | None:
    return await session.get(AgreementVersion, number)


def add_version(
    session: AsyncSession,
    *,
    number: int,
    terms: dict[str, Any],
    file_terms: dict[str, Any],
    changes: list[dict[str, Any]],
    source: str,
    at: datetime,
    approved_by: list[str] | None = None,
    proposal_id: int | None = None,
    rationale: str | None = None,
) -> AgreementVersion:
    """Add version `number` (the caller's newest + 1): two writers racing for one number collide on the primary key,
    so exactly one of them commits."""
    row = AgreementVersion(
        version=number,
        terms=terms,
        file_terms=file_terms,
        changes=changes,
        source=source,
        proposal_id=proposal_id,
        approved_by=approved_by or [],
        rationale=rationale,
        effective_at=at,
    )
    session.add(row)
    return row


async def compliance_by_version(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[int, list[ClockCompliance]]:
    """Per agreement version, then per clock, for the clocks started in [start, end): kept, missed, breached and
    still open (a clock stored before versions ran on version 1)."""
    version = func.coalesce(SlaTimer.agreement_version, 1)
    rows = await session.execute(
        select(version, SlaTimer.clock, SlaTimer.state, func.count())
        .where(SlaTimer.started_at >= start, SlaTimer.started_at < end)
        .group_by(version, SlaTimer.clock, SlaTimer.state)
    )
    counts: dict[int, dict[str, dict[str, int]]] = {}
    for number, clock, state, count in rows:
        counts.setdefault(int(number), {}).setdefault(str(clock), {})[str(state)] = int(count)
    return {
        number: [
            ClockCompliance(clock, c.get("met", 0), c.get("missed", 0), c.get("breached", 0))
            for clock, c in sorted(clocks.items())
        ]
        for number, clocks in sorted(counts.items())
    }
