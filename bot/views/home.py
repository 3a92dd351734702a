"""App Home: a rep sees their open leads with the time left on each clock and the next action; a manager sees the
team's breaches; everyone sees this month's funnel. Published when the tab is opened (views.publish).

A list on Home shows its first `MAX_ITEMS`, most urgent first, and says how many it leaves out, with a "Show all"
button that opens every item in a modal, `PAGE` at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.errors import Forbidden, UserError
from bot.ids import HOME_LIST_IDS, Action
from bot.lifecycle.stages import OWNED, Stage
from bot.reports.metrics import Metrics
from bot.reports.periods import parse_period
from bot.views.away import AwayToggle, TeamLoad, team_load, toggle
from bot.views.lead_cards import Button
from bot.views.sla_cards import chain_buttons, lead_line, when
from message_templates import Renderer
from message_templates.wording import clock_name, humanize, mention, money, percent
from storage import routing as routing_queries
from storage import sla as sla_queries
from storage.away import away_now
from storage.db import Database
from storage.models import Lead, SlaTimer
from storage.sla import BreachCounts

MAX_ITEMS = 15  # per list on Home: each item takes up to three blocks, and a Home tab holds 100
PAGE = 40  # items per page of the "Show all" modal: one block each, and a modal holds 100

URGENCY = ("accept", "first_touch")
"""The order of the managers' breach list, most urgent first, which is what decides what Home shows:

1. Not snoozed before snoozed: a snooze is a manager's decision to wait until a time they chose.
2. By clock, in this order: an unaccepted lead (accept) first, since nobody is working it at all; then a missed
   first contact, which at least has an owner to nudge; any other clock after.
3. Within a clock, the longest overdue first: that lead has waited longest and is the likeliest to be lost, and a
   newer breach cannot keep it off the list for good.

Home's header counts every breach by clock and the list ends with what it leaves out, by clock, so a breach further
down (a fresh first contact behind fifteen unaccepted leads) is never cut without a trace."""
BREACH_KINDS = {"accept": "unaccepted", "first_touch": "first contact"}
BREACH_ORDER = (
    "Most urgent first: unaccepted leads, then missed first contacts, each longest overdue first; snoozed last."
)
LEAD_ORDER = "Soonest due first (a breached clock first), then leads with no clock running, newest first."
LISTS = {"mine": "Your open leads", "breaches": "Team SLA breaches"}


@dataclass(frozen=True)
class HomeItem:
    text: str
    status: str
    actions: list[Button] = field(default_factory=list)
    value: str = ""


@dataclass(frozen=True)
class HomeList:
    name: str  # a key of LISTS: what its "Show all" opens
    title: str
    items: list[HomeItem]
    more: str = ""  # what the list leaves out ("…and 8 more: …"), when it is cut


@dataclass(frozen=True)
class HomeView:
    mine: HomeList | None  # None: not in sales
    breaches: HomeList | None  # None: not a manager
    funnel: list[str]
    footer: str
    away: AwayToggle | None = None  # a rep's "I'm away" / "I'm back" (bot/views/away.py)
    load: TeamLoad | None = None  # a manager's: each rep's open load, and who is away
    offered: HomeList | None = None  # routing: leads assigned to this rep and not yet accepted, shown first


@dataclass(frozen=True)
class ListPage:
    """One page of a list in the "Show all" modal."""

    name: str
    title: str
    summary: str
    items: list[HomeItem]
    start: int
    total: int

    @property
    def previous(self) -> int | None:
        return max(self.start - PAGE, 0) if self.start > 0 else None

    @property
    def next(self) -> int | None:
        return self.start + PAGE if self.start + PAGE < self.total else None

    @property
    def showing(self) -> str:
        if not self.items:
            return "Nothing here any more." if self.total == 0 else f"Only {self.total} now: go back to page 1."
        shown = f"Showing {self.start + 1}–{self.start + len(self.items)} of {self.total}"
        return f"{shown} · act on one with its buttons on Home (the first {MAX_ITEMS}), its post or its alarm"


def _by_clock(by_clock: dict[str, int]) -> str:
    """ "9 unaccepted, 14 first contact": clocks in the order of `URGENCY`, any other after."""
    clocks = sorted(by_clock, key=lambda c: (URGENCY.index(c) if c in URGENCY else len(URGENCY), c))
    return ", ".join(f"{by_clock[c]} {BREACH_KINDS.get(c, clock_name(c).lower())}" for c in clocks)


def breach_counts(counts: BreachCounts) -> str:
    """ "23: 9 unaccepted, 14 first contact · 2 snoozed"."""
    snoozed = f" · {counts.snoozed} snoozed" if counts.snoozed else ""
    return f"{counts.total}: {_by_clock(counts.by_clock)}{snoozed}"


def left_out(counts: BreachCounts, shown: list[str]) -> str:
    """What a cut breach list leaves out, by clock: "…and 8 more: 3 unaccepted, 5 first contact"."""
    hidden = {c: n - shown.count(c) for c, n in counts.by_clock.items() if n > shown.count(c)}
    return f"…and {sum(hidden.values())} more: {_by_clock(hidden)}" if hidden else ""


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
        due = when(timer.due_at, tz, now)
        if timer.state == "breached":
            return f"🚨 {name}: {humanize(time.unspan(time.elapsed(timer.due_at, now)))} late (was due {due})"
        return f"⏱ {name}: {humanize(time.unspan(time.elapsed(now, timer.due_at)))} left (due {due})"

    def _snoozed(self, timer: SlaTimer) -> str:
        """A snooze is shown to the managers: by whom, until when, and how many of the allowed were used."""
        now, most = self._clock.now(), self.config.sla.max_snoozes
        if timer.snoozed_until is not None and timer.snoozed_until > now:
            until = when(timer.snoozed_until, self.config.tz, now)
            return f"\n😴 Snoozed by {mention(timer.snoozed_by)} until {until} ({timer.snoozes} of {most})"
        return f"\nSnoozed {timer.snoozes} of {most} times" if timer.snoozes else ""

    def _lead_item(self, lead: Lead, timers: list[SlaTimer]) -> HomeItem:
        timers = sorted(timers, key=lambda t: t.due_at)
        status = " · ".join(self._clock_status(t) for t in timers) or "No clock running"
        actions = [] if lead.contacted_at else [Button("Log attempt", Action.LOG_CONTACT, "primary")]
        next_step = "Next: log first contact" if not lead.contacted_at else f"Stage: {lead.stage.upper()}"
        return HomeItem(lead_line(lead), f"{status}\n{next_step}", actions, str(lead.id))

    def _breach_item(self, timer: SlaTimer, lead: Lead) -> HomeItem:
        owner = f" · owner <@{lead.owner}>" if lead.owner else " · no owner yet"
        status = self._clock_status(timer) + owner + self._snoozed(timer)
        return HomeItem(lead_line(lead), status, chain_buttons(timer, lead, self.config), str(timer.id))

    async def _mine(self, session: AsyncSession, user_id: str, limit: int, start: int) -> list[HomeItem]:
        found = await sla_queries.open_leads_of(session=session, owner=user_id, stages=OWNED, limit=limit, offset=start)
        return [self._lead_item(lead, timers) for lead, timers in found]

    async def _breaches(self, session: AsyncSession, limit: int, start: int) -> list[tuple[SlaTimer, Lead]]:
        now = self._clock.now()
        return await sla_queries.open_breaches(session=session, now=now, urgency=URGENCY, limit=limit, offset=start)

    async def _my_list(self, session: AsyncSession, user_id: str) -> HomeList:
        total = await sla_queries.count_open_leads_of(session=session, owner=user_id, stages=OWNED)
        items = await self._mine(session, user_id, MAX_ITEMS, 0)
        more = f"…and {total - len(items)} more open leads" if total > len(items) else ""
        return HomeList("mine", f"{LISTS['mine']} — {total}" if total else LISTS["mine"], items, more)

    async def _offered_list(self, session: AsyncSession, user_id: str) -> HomeList:
        """Leads routing assigned to the rep that they have not accepted yet, oldest offer first, each with the
        time left on its accept clock (theirs) and Accept / Pass."""
        leads = await routing_queries.offered_to(session=session, user_id=user_id, stage=Stage.MQL)
        timers = await sla_queries.timers_of_leads(session=session, lead_ids=[lead.id for lead in leads])
        items = []
        for lead in leads[:MAX_ITEMS]:
            mine = [t for t in timers[lead.id] if t.clock == "accept" and t.owner == user_id and t.stopped_at is None]
            status = self._clock_status(mine[-1]) if mine else "Waiting for its post to go out"
            actions = [Button("Accept", Action.ACCEPT, "primary"), Button("Pass", Action.PASS)]
            items.append(
                HomeItem(lead_line(lead), f"{status}\nAssigned to you: accept or pass it", actions, str(lead.id))
            )
        title = (
            f"Assigned to you, not yet accepted — {len(leads)}"  # the first MAX_ITEMS shown, the rest in the channel
        )
        return HomeList("offered", title, items)

    async def _breach_list(self, session: AsyncSession) -> HomeList:
        counts = await sla_queries.count_open_breaches(session=session, now=self._clock.now())
        found = await self._breaches(session, MAX_ITEMS, 0)
        title = f"{LISTS['breaches']} — {breach_counts(counts)}" if counts.total else LISTS["breaches"]
        items = [self._breach_item(timer, lead) for timer, lead in found]
        return HomeList("breaches", title, items, left_out(counts, [timer.clock for timer, _ in found]))

    async def view(self, user_id: str) -> HomeView:
        mine: HomeList | None = None
        breaches: HomeList | None = None
        away: AwayToggle | None = None
        load: TeamLoad | None = None
        offered: HomeList | None = None
        async with self._db.session() as session:
            out = await away_now(session=session, now=self._clock.now())
            if await self._team.is_sales(user_id):
                mine = await self._my_list(session, user_id)
                away = toggle(user_id, out, self.config)
                offered = await self._offered_list(session, user_id)
            if await self._team.is_manager(user_id):
                breaches = await self._breach_list(session)
                load = await team_load(session, self._team, out)
        month = parse_period("this month", self._metrics.today())
        total = await self._metrics.total(month)
        funnel = [
            f"*MQLs*\n{total.mqls:,}",
            f"*Acceptance rate*\n{percent(total.accept_rate)}",
            f"*SAL → SQL → Opp → Won*\n{total.accepted:,} → {total.sqls:,} → {total.opportunities:,} → {total.won:,}",
            f"*Won revenue*\n{money(total.won_cents)}",
        ]
        now = self._clock.now().astimezone(self.config.tz)
        footer = f"Updated {now:%b %-d, %H:%M %Z} · `/funnel` for the full picture"
        return HomeView(
            mine, breaches, funnel, footer, away=away, load=load, offered=offered if offered and offered.items else None
        )

    async def page(self, user_id: str, name: str, start: int) -> ListPage:
        """A page of one of the person's Home lists, for the "Show all" modal: the same people may see it as on
        Home (their own leads for sales, the team's breaches for managers)."""
        start = max(start, 0)
        async with self._db.session() as session:
            if name == "mine":
                return await self._my_page(session, user_id, start)
            if name == "breaches":
                return await self._breach_page(session, user_id, start)
        raise UserError("This button is from an older version of Handoff; reopen Home.")

    async def _my_page(self, session: AsyncSession, user_id: str, start: int) -> ListPage:
        if not await self._team.is_sales(user_id):
            raise Forbidden("Only people in sales have open leads to show.")
        total = await sla_queries.count_open_leads_of(session=session, owner=user_id, stages=OWNED)
        items = await self._mine(session, user_id, PAGE, start)
        return ListPage("mine", LISTS["mine"], f"{total} open leads\n{LEAD_ORDER}", items, start, total)

    async def _breach_page(self, session: AsyncSession, user_id: str, start: int) -> ListPage:
        if not await self._team.is_manager(user_id):
            raise Forbidden("Only managers see the team's SLA breaches.")
        counts = await sla_queries.count_open_breaches(session=session, now=self._clock.now())
        items = [self._breach_item(timer, lead) for timer, lead in await self._breaches(session, PAGE, start)]
        summary = f"Open breaches — {breach_counts(counts)}\n{BREACH_ORDER}" if counts.total else BREACH_ORDER
        return ListPage("breaches", LISTS["breaches"], summary, items, start, counts.total)

    async def publish(self, user_id: str) -> None:
        view: dict[str, Any] = self._renderer.render(
            "home/home.json.j2", view=await self.view(user_id), ids=HOME_LIST_IDS
        )
        await self._client.views_publish(user_id=user_id, view=view)

    def list_modal(self, page: ListPage) -> dict[str, Any]:
        return self._renderer.render("modals/home_list.json.j2", page=page, ids=HOME_LIST_IDS)
