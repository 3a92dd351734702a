"""A content request's SLA clock, [sla.content_request]: the same semantics as a lead's clocks (bot/sla/clocks.py)
on the request's own columns. Working time counts when `business_hours` (a "2d" target is two working days); the
heads-up fires once at `warn_at` (never after the breach: the escalation says it); at the breach each step of the
chain fires once, `after` its delay. A delivery before the deadline is "met", after it "missed"; a decline stops
the clock as "cancelled" (an answer, but not the content: compliance leaves it out and counts it apart).

Who hears: the heads-up goes to whoever took the request, or to marketing while nobody has; a "manager" step goes
to the taker's manager (`[team] manager_of`), else `[team] marketing_head`, else marketing's managers in
manager_of, else every manager; "owner" is the taker (marketing while untaken); a user id is that person; a user
group is expanded before the sweep's transaction; "channel" is the request's thread in the requests channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.content_request import ContentRequestClock
from bot.config.fields import GROUP_ID
from bot.config.team_file import HandoffConfig
from message_templates.wording import humanize
from storage.content_models import ContentRequest

CHANNEL = "channel"


@dataclass(frozen=True)
class Fire:
    kind: str  # warn, breach
    step: int | None = None
    notify: str | None = None


def start(request: ContentRequest, config: HandoffConfig, clock: ContentRequestClock, at: datetime) -> None:
    """Set the clock's columns of a new request asked at `at`."""
    time = config.working_time(clock.business_hours)
    target = time.span(clock.target)
    request.business_hours = clock.business_hours
    request.target_seconds = int(target.total_seconds())
    request.due_at = time.add(at, target)
    request.warn_at = time.add(at, target * clock.warn_at) if clock.warn_at is not None else None
    request.clock_state, request.steps_fired = "running", 0
    request.next_at = request.warn_at or request.due_at


def stop(request: ContentRequest, config: HandoffConfig, at: datetime, *, cancel: bool) -> None:
    time = config.working_time(request.business_hours)
    request.elapsed_seconds = int(time.elapsed(request.requested_at, at).total_seconds())
    late = request.clock_state == "breached" or at > request.due_at
    request.clock_state = "cancelled" if cancel else ("missed" if late else "met")
    request.stopped_at, request.next_at = at, None


def advance(request: ContentRequest, config: HandoffConfig, clock: ContentRequestClock, now: datetime) -> list[Fire]:
    """Move a claimed request's clock to `now`: what it owes, each step once (catching up fires a missed step once)."""
    fires: list[Fire] = []
    time = config.working_time(request.business_hours)
    if request.clock_state == "running":
        if request.warn_at is not None and request.warned_at is None and now >= request.warn_at:
            request.warned_at = now
            if now < request.due_at:
                fires.append(Fire("warn"))
        if now >= request.due_at:
            request.clock_state, request.breached_at = "breached", request.due_at
    next_step: datetime | None = None
    if request.clock_state == "breached" and request.breached_at is not None:
        while request.steps_fired < len(clock.escalate):
            step = clock.escalate[request.steps_fired]
            at = time.add(request.breached_at, time.span(step.after))
            if at > now:
                next_step = at
                break
            fires.append(Fire("breach", request.steps_fired, step.notify))
            request.steps_fired += 1
    pending = [
        t
        for t in (
            request.warn_at if request.clock_state == "running" and request.warned_at is None else None,
            request.due_at if request.clock_state == "running" else None,
            next_step,
        )
        if t is not None
    ]
    request.next_at = min(pending) if pending else None
    return fires


def marketing_people(config: HandoffConfig, groups: dict[str, frozenset[str]]) -> list[str]:
    out: list[str] = []
    for entry in config.team.marketing:
        out.extend(sorted(groups.get(entry, frozenset())) if GROUP_ID.match(entry) else [entry])
    return list(dict.fromkeys(out))


def managers_of_marketing(config: HandoffConfig, taker: str | None, groups: dict[str, frozenset[str]]) -> list[str]:
    team = config.team
    if taker and taker in team.manager_of:
        return [team.manager_of[taker]]
    if team.marketing_head:
        return [team.marketing_head]
    found = [team.manager_of[m] for m in marketing_people(config, groups) if m in team.manager_of]
    return list(dict.fromkeys(found)) or [m for m in team.managers if not GROUP_ID.match(m)]


def recipients(
    config: HandoffConfig, request: ContentRequest, fire: Fire, groups: dict[str, frozenset[str]]
) -> list[str]:
    """Whom a fire reaches: user ids, or [CHANNEL] for the request's thread."""
    doer = [request.taken_by] if request.taken_by else marketing_people(config, groups)
    if fire.kind == "warn" or fire.notify == "owner":
        return doer or [CHANNEL]
    if fire.notify == "manager":
        return managers_of_marketing(config, request.taken_by, groups)
    if fire.notify == CHANNEL or fire.notify is None:
        return [CHANNEL]
    if GROUP_ID.match(fire.notify):
        return sorted(groups.get(fire.notify, frozenset())) or [CHANNEL]
    return [fire.notify]


@dataclass(frozen=True)
class Compliance:
    met: int
    missed: int  # delivered late, or breached and still waiting
    declined: int
    open: int  # still on time
    median_seconds: int | None  # working time from request to delivery, of the delivered ones

    @property
    def settled(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.settled if self.settled else None


def compliance(requests: list[ContentRequest], now: datetime) -> Compliance:
    """Met ÷ settled over requests asked in a period: met = delivered by the deadline; settled = met + missed,
    where a request still waiting past its deadline counts as missed (swept or not); declined requests are
    counted apart, as are those still on time."""
    states = ["breached" if r.clock_state == "running" and now >= r.due_at else r.clock_state for r in requests]
    times = sorted(r.elapsed_seconds or 0 for r in requests if r.state == "delivered")
    median = None
    if times:
        mid = len(times) // 2
        median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) // 2
    return Compliance(
        met=states.count("met"),
        missed=states.count("missed") + states.count("breached"),
        declined=states.count("cancelled"),
        open=states.count("running"),
        median_seconds=median,
    )


def working_duration(config: HandoffConfig, business_hours: bool, seconds: int) -> timedelta:
    """Counted seconds as people read them (a working day is "1d")."""
    return config.working_time(business_hours).unspan(timedelta(seconds=seconds))


def compliance_text(c: Compliance, config: HandoffConfig) -> str:
    """ "*67%* on time (2 of 3 settled) · 1 declined · 1 open · median 5 h to delivery"; "—" while none settled."""
    rate = f"*{c.met / c.settled * 100:.0f}%*" if c.settled else "—"
    said = [f"{rate} on time ({c.met} of {c.settled} settled)"]
    if c.declined:
        said.append(f"{c.declined} declined")
    if c.open:
        said.append(f"{c.open} open")
    if c.median_seconds is not None:
        working = " of working time" if config.sla.content_request.business_hours else ""
        said.append(f"median {humanize(timedelta(seconds=c.median_seconds))}{working} to delivery")
    return " · ".join(said)
