"""App Home: a rep sees their open leads with the time left on each clock and the next action; a manager sees the
team's breaches; everyone sees this month's funnel. Published when the tab is opened (views.publish)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import Button, clock_name, humanize, mention, money, percent
from bot.clock import Clock
from bot.config import HandoffConfig
from bot.ids import Action
from bot.metrics import Metrics
from bot.periods import parse_period
from bot.sla_cards import chain_buttons, lead_line, when
from bot.team import Team
from message_templates import Renderer
from storage import sla as sla_queries
from storage.db import Database
from storage.models import SlaTimer

MAX_ITEMS = 15  # each takes up to three blocks; a Home tab holds 100


@dataclass(frozen=True)
class HomeItem:
    text: str
    status: str
    actions: list[Button] = field(default_factory=list)
    value: str = ""


@dataclass(frozen=True)
class HomeView:
    mine: list[HomeItem] | None  # None: not in sales
    breaches: list[HomeItem] | None  # None: not a manager
    funnel: list[str]
    footer: str


class HomeService:
    def __init__(
        self,
        db: Database,
        team: Team,
        metrics: Metrics,
        client: AsyncWebClient,
        renderer: Renderer,
        clock: Clock,
    ) -> None:
        self._db = db
        self._team = team
        self._metrics = metrics
        self._client = client
        self._renderer = renderer
        self._clock = clock

    @property
    def config(self) -> HandoffConfig:
        return self._team.config

    def _clock_status(self, timer: SlaTimer) -> str:
        now, tz = self._clock.now(), self.config.tz
        time = self.config.working_time(timer.business_hours)
        name = clock_name(timer.clock)
        if timer.state == "breached":
            return (
                f"🚨 {name}: {humanize(time.elapsed(timer.due_at, now))} late (was due {when(timer.due_at, tz, now)})"
            )
        return f"⏱ {name}: {humanize(time.elapsed(now, timer.due_at))} left (due {when(timer.due_at, tz, now)})"

    def _snoozed(self, timer: SlaTimer) -> str:
        """A snooze is shown to the managers: by whom, until when, and how many of the allowed were used."""
        now, most = self._clock.now(), self.config.sla.max_snoozes
        if timer.snoozed_until is not None and timer.snoozed_until > now:
            until = when(timer.snoozed_until, self.config.tz, now)
            return f"\n😴 Snoozed by {mention(timer.snoozed_by)} until {until} ({timer.snoozes} of {most})"
        return f"\nSnoozed {timer.snoozes} of {most} times" if timer.snoozes else ""

    async def view(self, user_id: str) -> HomeView:
        mine: list[HomeItem] | None = None
        breaches: list[HomeItem] | None = None
        async with self._db.session() as session:
            if await self._team.is_sales(user_id):
                mine = []
                for lead, timers in await sla_queries.open_leads_of(session=session, owner=user_id, limit=MAX_ITEMS):
                    status = " · ".join(self._clock_status(t) for t in timers) or "No clock running"
                    actions = [] if lead.contacted_at else [Button("Log contact", Action.LOG_CONTACT, "primary")]
                    next_step = "Next: log first contact" if not lead.contacted_at else f"Stage: {lead.stage.upper()}"
                    mine.append(HomeItem(lead_line(lead), f"{status}\n{next_step}", actions, str(lead.id)))
            if await self._team.is_manager(user_id):
                breaches = [
                    HomeItem(
                        lead_line(lead),
                        self._clock_status(timer)
                        + (f" · owner <@{lead.owner}>" if lead.owner else " · no owner yet")
                        + self._snoozed(timer),
                        chain_buttons(timer, lead, self.config),
                        str(timer.id),
                    )
                    for timer, lead in await sla_queries.open_breaches(session=session, limit=MAX_ITEMS)
                ]
        month = parse_period("this month", self._metrics.today())
        total = await self._metrics.total(month)
        funnel = [
            f"*MQLs*\n{total.mqls:,}",
            f"*Acceptance rate*\n{percent(total.accept_rate)}",
            f"*SAL → SQL → Opp → Won*\n{total.accepted:,} → {total.sqls:,} → {total.opportunities:,} → {total.won:,}",
            f"*Won revenue*\n{money(total.won_cents)}",
        ]
        now = self._clock.now().astimezone(self.config.tz)
        return HomeView(mine, breaches, funnel, f"Updated {now:%b %-d, %H:%M %Z} · `/funnel` for the full picture")

    async def publish(self, user_id: str) -> None:
        view: dict[str, Any] = self._renderer.render("home/home.json.j2", view=await self.view(user_id))
        await self._client.views_publish(user_id=user_id, view=view)
