"""The marketing calendar (issue 16): on a campaign's start day sales hears, in the leads channel, what to expect
and what to say, with the library's live assets tagged with the campaign attached; `/campaigns` lists what runs.

When a launch is announced: on its *launch day*, the first working day on or after `starts` (a campaign starting on
a Saturday is announced on Monday's opening), at the first scheduled check (every 10 min, `Services.run_reviews`)
inside that day's business hours in the team's timezone. A check before the opening waits; a check after the
closing, or on a later day, announces nothing: news of a launch days late is noise, so an app down for the whole
launch day stays silent (the campaign is still listed by `/campaigns`). A launch day after the campaign's last day
(a weekend-only campaign) announces nothing either. The mark `campaign_launch:<key's digest>:<starts>` is made in the
transaction that queues the post (`kinds.announce_once`), so it is posted once across checks, restarts and replicas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from bot.clock import Clock
from bot.config.campaigns import CampaignConfig, display_name
from bot.config.team_file import HandoffConfig
from bot.content.assets import KINDS, fold
from bot.delivery import outbox_kinds as kinds
from bot.ids import Action
from message_templates import inline, mrkdwn
from storage import campaigns as queries
from storage.content_models import ContentAsset
from storage.db import Database
from storage.outbox import Outgoing

MAX_ASSETS: Final = 10  # attached to a launch (one section each)


@dataclass(frozen=True)
class Campaign:
    key: str
    name: str
    owner: str
    starts: date | None
    ends: date | None
    summary: str
    leads: int = 0

    @classmethod
    def of(cls, key: str, config: CampaignConfig, leads: int = 0) -> Campaign:
        name = display_name(key, config)
        return cls(key, name, config.owner, config.starts, config.last_day, config.summary, leads)


def tagged(assets: Sequence[ContentAsset], campaign: Campaign) -> list[ContentAsset]:
    """The assets whose tags include the campaign's key or name, case- and accent-insensitively."""
    wanted = {fold(campaign.key).strip(), fold(campaign.name).strip()}
    return [a for a in assets if wanted & {fold(str(tag)).strip() for tag in a.tags or []}]


def _day(day: date) -> str:
    return f"{day:%a %b} {day.day} {day.year}"


def dates(campaign: Campaign) -> str:
    if campaign.starts is None:
        return "no dates"
    if campaign.ends is None or campaign.ends == campaign.starts:
        return _day(campaign.starts)
    return f"{_day(campaign.starts)} – {_day(campaign.ends)}"


def launch(config: HandoffConfig, campaign: Campaign, assets: Sequence[ContentAsset], today: date) -> Outgoing:
    """ "Q4 Ops Webinar starts today: expect leads from it; what to say: …", the dates and owner, the assets. Announced
    on the next working day after a weekend or holiday start, it says when it started ("started Sat Nov 28")."""
    say = f"what to say: {mrkdwn(campaign.summary, 600)}" if campaign.summary else "ask its owner what to say"
    starts = campaign.starts
    year = f" {starts.year}" if starts is not None and starts.year != today.year else ""
    when = "starts today" if starts is None or starts >= today else f"started {starts:%a %b} {starts.day}{year}"
    lines = [
        f"*{inline(campaign.name, 120)}* {when}: expect leads from it; {say}",
        f"Runs {dates(campaign)} · owner <@{campaign.owner}>",
    ]
    if not assets:
        lines.append("No asset in the library is tagged with it yet.")
    links = [
        {
            "line": f"• {KINDS.get(a.kind, inline(a.kind, 30))}: *{inline(a.title, 200)}*",
            "text": "Open",
            "action_id": Action.CAMPAIGN_ASSET,
            "url": a.url,
        }
        for a in assets[:MAX_ASSETS]
    ]
    footer = "Campaigns running and coming up: `/campaigns`"
    title = f"📣 {campaign.name[:100]} {when}"
    return kinds.announcement(mark_of(campaign), title, lines, footer, config.slack.leads_channel, links=links)


def mark_of(campaign: Campaign) -> str:
    """ "campaign_launch:<digest of the key>:<starts>": a key may be as long as a lead's campaign (200), a mark
    may not, so the key is digested; a new start day is a new launch."""
    digest = hashlib.sha256(campaign.key.encode()).hexdigest()[:24]
    return f"campaign_launch:{digest}:{campaign.starts}"


class Calendar:
    def __init__(self, db: Database, config: HandoffConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def launch_day(self, campaign: Campaign) -> date | None:
        """The working day its launch is announced on, or None when there is none while it runs."""
        if campaign.starts is None:
            return None
        day = self._config.calendar.first_working_day(campaign.starts)
        return day if campaign.ends is None or day <= campaign.ends else None

    def _open_now(self, day: date, now: datetime) -> bool:
        calendar = self._config.calendar
        closes = datetime.combine(day, calendar.ranges[-1][1], calendar.tz).astimezone(UTC)
        return calendar.opening(day) <= now < closes

    async def run(self) -> list[str]:
        """Announce every campaign whose launch is due now and was not announced; the keys announced."""
        now = self._clock.now()
        today = now.astimezone(self._config.tz).date()
        everyone = [Campaign.of(key, c) for key, c in self._config.campaigns.items()]
        due = [c for c in everyone if self.launch_day(c) == today and self._open_now(today, now)]
        if not due:
            return []
        posted = []
        async with self._db.session() as session:
            assets = await queries.live_assets(session=session, today=today)
            for campaign in due:
                row = launch(self._config, campaign, tagged(assets, campaign), today)
                if await kinds.announce_once(session, row, mark=mark_of(campaign), now=now):
                    posted.append(campaign.key)
        return posted

    async def listing(self, *, everything: bool = False) -> list[Campaign]:
        """Campaigns running or coming up (every one with `everything`), soonest first, with their lead counts.
        Campaigns without dates are listed last, as always running."""
        today = self._clock.now().astimezone(self._config.tz).date()
        chosen = [
            (key, c)
            for key, c in self._config.campaigns.items()
            if everything or c.last_day is None or c.last_day >= today
        ]
        names = {name for key, c in chosen for name in (key, display_name(key, c))}
        async with self._db.reading() as session:
            counts = await queries.leads_per_campaign(session=session, campaigns=names)
        found = [
            Campaign.of(key, c, counts.get(key, 0) + (counts.get(c.name, 0) if c.name and c.name != key else 0))
            for key, c in chosen
        ]
        return sorted(found, key=lambda c: (c.starts is None, c.starts or date.max, c.name.casefold()))
