"""`/funnel content [period]`: what marketing should make next. For the leads won or lost in the period, which
library assets were used on them (shared to the lead, or named on a logged attempt), each counted once per lead:
leads won using it, leads lost using it, its win rate. And the content sales asked for in the period
(`/content request`), grouped by the need's folded text, with how many are still open and how many were delivered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from bot.content.assets import fold
from bot.reports.periods import Period
from storage import content_insight as queries
from storage.db import Database

OPEN_STATES: Final = frozenset({"open", "taken"})


@dataclass(frozen=True)
class AssetUse:
    asset_id: int
    title: str
    kind: str
    won: int  # leads won using it
    lost: int

    @property
    def leads(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float:
        return self.won / self.leads if self.leads else 0.0


@dataclass(frozen=True)
class Asked:
    need: str  # as most recently asked (the group's text)
    times: int


@dataclass(frozen=True)
class ContentReport:
    period: Period
    assets: list[AssetUse]  # most used first
    asked: list[Asked]  # most asked first
    requests: int
    open: int
    delivered: int
    declined: int


def _need_key(text: str) -> str:
    return " ".join(fold(text).split()).rstrip(".!?")


async def content_report(db: Database, tz: ZoneInfo, period: Period) -> ContentReport:
    start, end = period.bounds(tz)
    async with db.reading() as session:
        uses = await queries.uses_on_closed_leads(session=session, start=start, end=end)
        named = await queries.assets_named(session=session, ids={a for a, _, _ in uses})
        requests = await queries.requests_in(session=session, start=start, end=end)
    outcomes: dict[int, dict[int, str]] = {}
    for asset_id, lead_id, stage in uses:
        outcomes.setdefault(asset_id, {})[lead_id] = stage
    assets = [
        AssetUse(
            asset_id,
            named[asset_id].title,
            named[asset_id].kind,
            won=sum(stage == "won" for stage in leads.values()),
            lost=sum(stage == "lost" for stage in leads.values()),
        )
        for asset_id, leads in outcomes.items()
        if asset_id in named
    ]
    assets.sort(key=lambda a: (-a.leads, -a.won, a.title.casefold(), a.asset_id))
    groups: Counter[str] = Counter()
    newest: dict[str, str] = {}
    for need, _ in requests:  # oldest first: the last spelling of a need is the one shown
        key = _need_key(need)
        groups[key] += 1
        newest[key] = " ".join(need.split())
    asked = sorted((Asked(newest[k], n) for k, n in groups.items()), key=lambda a: (-a.times, fold(a.need)))
    states = Counter(state for _, state in requests)
    return ContentReport(
        period,
        assets,
        asked,
        requests=len(requests),
        open=sum(n for s, n in states.items() if s in OPEN_STATES),
        delivered=states["delivered"],
        declined=states["declined"],
    )
