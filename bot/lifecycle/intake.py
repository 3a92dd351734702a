"""Intake's write path: a batch of new MQLs stored in one transaction, each with its channel post queued (the
post's SLA clock starts when Slack has it). Known `external_id`s are answered with their id, unchanged, so a
marketing platform may send a lead again. Intake never calls Slack and needs no team: the CSV import runs it
without a Slack token."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agreement.registry import FIRST, Agreements
from bot.clock import Clock
from bot.delivery import outbox_kinds as kinds
from bot.lifecycle.backfill import History
from bot.lifecycle.intake_input import LeadFields
from bot.lifecycle.stages import Stage
from bot.routing.router import Router
from storage import agreements as store
from storage import leads as lead_queries
from storage import rollups
from storage.db import Database
from storage.models import AgreementVersion

NO_ACTIVITY: list[Any] = []  # never changed: shared by every lead without activity, so its JSON is written once


@dataclass(frozen=True)
class CrmRecord:
    """The CRM record a lead came from: `crm` is "hubspot" or "salesforce", `id` the record's id there."""

    crm: str
    id: str

    def columns(self) -> dict[str, str]:
        return {"crm": self.crm, "crm_id": self.id}


@dataclass(frozen=True)
class BelowBar:
    """A lead scoring below the MQL bar of the agreement in force: not an MQL, so nothing was stored."""

    score: int
    min_score: int
    version: int


@dataclass(frozen=True)
class Ingested:
    external_id: str
    id: int | None  # None: below the bar, not stored
    created: bool
    below_bar: BelowBar | None = None


class Intake:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        agreements: Agreements,
        router: Router | None = None,
        *,
        on_below_bar: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._agreements = agreements  # each lead is stamped with the version in force; its MQL bar refuses
        self._router = router  # the app's: each new MQL offered to one rep ([routing]); the CSV import has none
        self._on_below_bar = on_below_bar or (lambda: None)

    async def ingest(
        self,
        items: Sequence[LeadFields],
        *,
        actor: str = "intake",
        post: bool = True,
        history: Mapping[str, History] | None = None,
        records: Mapping[str, CrmRecord] | None = None,
        bar: bool = True,
    ) -> list[Ingested]:
        """Store new MQLs and queue their posts; known `external_id`s are answered with their id, unchanged.

        A lead with `history` (a backfill, by external_id) keeps its received time and its stage, with the decision
        on its timeline; it is quiet like a lead stored without `post`: never posted, no SLA clock, no feedback.
        A lead with a CRM record in `records` (by external_id) is written back to it (HubSpot's and Salesforce's
        intake give it).

        Each lead is stamped with the agreement version in force, read in the same transaction; with `bar`, a new
        lead scoring below that version's MQL bar is not stored (answered `below_bar`). A backfilled lead runs on
        the version that was in force when it was received (version 1 for anything older)."""
        now = self._clock.now()
        history = history or {}
        records = records or {}
        rows: dict[str, dict[str, Any]] = {}  # made before the transaction: SQLite's write lock is not held meanwhile
        for item in items:
            past = history.get(item.external_id)
            rows.setdefault(item.external_id, {
                "external_id": item.external_id, "email": item.email, "name": item.name,
                "company": item.company, "title": item.title, "source": item.source, "campaign": item.campaign,
                "score": item.score, "activity": item.activity_json() if item.activity else NO_ACTIVITY,
                "stage": Stage.MQL, "received_at": now,
                "version": 1, "quiet": not post, **(past.columns() if past else {}),
                **(record.columns() if (record := records.get(item.external_id)) else {}),
            })  # fmt: skip
        # one statement needs the same columns in every row (only a backfill's rows can differ)
        names = {name for row in rows.values() for name in row}
        uniform = [{name: row.get(name) for name in names} if len(row) < len(names) else row for row in rows.values()]
        roster = await self._router.prepare() if self._router is not None and post and not history else None
        below: dict[str, BelowBar] = {}
        async with self._db.session() as session:
            version, sla = await self._agreements.in_force(session)
            if bar:
                below = await self._below_bar(session, rows, sla.mql.min_score, version)
                rows = {e: row for e, row in rows.items() if e not in below}
                uniform = [row for row in uniform if row["external_id"] not in below]
            dated = await store.versions(session) if history else []
            for row in uniform:
                row["agreement_version"] = _arrived_under(dated, row["received_at"] or now) if dated else version
            fresh = await lead_queries.insert_new_leads(
                session=session, rows=uniform, actor=actor, post_kind=kinds.LEAD_POST if post else None
            )
            if roster is not None and self._router is not None and fresh:  # offered in the same transaction
                new = await lead_queries.leads_by_ids(session=session, ids=[fresh[e] for e in rows if e in fresh])
                await self._router.route_new(session, new, roster)
            just_received = not any(external_id in history for external_id in fresh)  # no backfilled decisions
            await rollups.add_leads(session=session, lead_ids=fresh.values(), just_received=just_received)
            decisions = [
                event
                for external_id, past in history.items()
                if external_id in fresh and (event := past.event(fresh[external_id])) is not None
            ]
            await lead_queries.add_event_rows(session=session, rows=decisions)
            known = await lead_queries.map_external_ids(
                session=session, external_ids=(e for e in rows if e not in fresh)
            )
        results: list[Ingested] = []
        seen: set[str] = set()
        for _ in below:
            self._on_below_bar()
        for item in items:
            if (refused := below.get(item.external_id)) is not None:
                results.append(Ingested(item.external_id, None, False, refused))
            elif item.external_id in fresh and item.external_id not in seen:
                results.append(Ingested(item.external_id, fresh[item.external_id], True))
            else:
                lead_id = known.get(item.external_id) or fresh[item.external_id]
                results.append(Ingested(item.external_id, lead_id, False))
            seen.add(item.external_id)
        return results

    @staticmethod
    async def _below_bar(
        session: AsyncSession, rows: Mapping[str, dict[str, Any]], min_score: int, version: int
    ) -> dict[str, BelowBar]:
        """The new leads scoring below the bar (a known lead sent again is answered as known, whatever its score)."""
        low = {e: row["score"] for e, row in rows.items() if row["score"] is not None and row["score"] < min_score}
        if not low:
            return {}
        known = await lead_queries.map_external_ids(session=session, external_ids=low)
        return {e: BelowBar(score, min_score, version) for e, score in low.items() if e not in known}


def _arrived_under(versions: Sequence[AgreementVersion], received_at: datetime) -> int:
    """The version in force when a lead was received: the newest that took effect by then, else version 1."""
    number = FIRST
    for row in versions:
        if row.effective_at <= received_at:
            number = row.version
    return number
