"""Intake's write path: a batch of new MQLs stored in one transaction, each with its channel post queued (the
post's SLA clock starts when Slack has it). Known `external_id`s are answered with their id, unchanged, so a
marketing platform may send a lead again. Intake never calls Slack and needs no team: the CSV import runs it
without a Slack token."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.delivery import outbox_kinds as kinds
from bot.lifecycle.backfill import History
from bot.lifecycle.intake_input import LeadIn
from bot.lifecycle.stages import Stage
from storage import leads as lead_queries
from storage.db import Database


@dataclass(frozen=True)
class Ingested:
    external_id: str
    id: int
    created: bool


class Intake:
    def __init__(self, db: Database, clock: Clock, on_enqueued: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._on_enqueued = on_enqueued

    async def ingest(
        self,
        items: Sequence[LeadIn],
        *,
        actor: str = "intake",
        post: bool = True,
        history: Mapping[str, History] | None = None,
    ) -> list[Ingested]:
        """Store new MQLs and queue their posts; known `external_id`s are answered with their id, unchanged.

        A lead with `history` (a backfill, by external_id) keeps its received time and its stage, with the decision
        on its timeline; it is quiet like a lead stored without `post`: never posted, no SLA clock, no feedback."""
        now = self._clock.now()
        history = history or {}
        async with self._db.session() as session:
            rows: dict[str, dict[str, Any]] = {}
            for item in items:
                past = history.get(item.external_id)
                rows.setdefault(item.external_id, {
                    "external_id": item.external_id, "email": item.email, "name": item.name,
                    "company": item.company, "title": item.title, "source": item.source, "campaign": item.campaign,
                    "score": item.score, "activity": item.activity_json(), "stage": Stage.MQL, "received_at": now,
                    "version": 1, "quiet": not post, **(past.columns() if past else {}),
                })  # fmt: skip
            # one executemany needs the same columns in every row
            names = {name for row in rows.values() for name in row}
            uniform = [{name: row.get(name) for name in names} for row in rows.values()]
            fresh = await lead_queries.insert_new_leads(
                session=session, rows=uniform, actor=actor, post_kind=kinds.LEAD_POST if post else None
            )
            decisions = [
                event
                for external_id, past in history.items()
                if external_id in fresh and (event := past.event(fresh[external_id])) is not None
            ]
            await lead_queries.add_event_rows(session=session, rows=decisions)
            known = await lead_queries.map_external_ids(
                session=session, external_ids=(e for e in rows if e not in fresh)
            )
        if fresh and post:
            self._on_enqueued()
        results: list[Ingested] = []
        seen: set[str] = set()
        for item in items:
            if item.external_id in fresh and item.external_id not in seen:
                results.append(Ingested(item.external_id, fresh[item.external_id], True))
            else:
                lead_id = known.get(item.external_id) or fresh[item.external_id]
                results.append(Ingested(item.external_id, lead_id, False))
            seen.add(item.external_id)
        return results
