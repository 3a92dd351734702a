"""Presenters for SLA messages: alarms (DMs and thread replies), the clock lines on a lead's post, announcements.

Rendered at delivery time from current state, so an alarm about a lead someone has since acted on says so instead of
ringing on. Templates receive finished, escaped strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards import Button, clock_name, humanize, mention
from bot.config import HandoffConfig
from bot.ids import Action
from message_templates import mrkdwn
from storage.models import Lead, SlaNotice, SlaTimer
from storage.sla import NoticeItem

MAX_ITEMS = 20  # two blocks each: stays well inside Slack's 50 blocks per message
GOAL = {"accept": "accept", "first_touch": "log first contact"}


@dataclass(frozen=True)
class AlarmItem:
    text: str
    actions: list[Button] = field(default_factory=list)
    value: str = ""


@dataclass(frozen=True)
class AlarmGroup:
    title: str
    items: list[AlarmItem]


@dataclass(frozen=True)
class AlarmView:
    id: int
    fallback: str
    title: str
    groups: list[AlarmGroup]
    footer: str


def clock_title(timer: SlaTimer) -> str:
    target = humanize(timedelta(seconds=timer.target_seconds))
    hours = " (working time)" if timer.business_hours else ""
    return f"{clock_name(timer.clock)} within {target}{hours}"


def when(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    local, today = at.astimezone(tz), now.astimezone(tz)
    return local.strftime("%H:%M %Z") if local.date() == today.date() else local.strftime("%a %b %-d, %H:%M %Z")


def lead_line(lead: Lead) -> str:
    name = mrkdwn(lead.name or lead.email or f"Lead {lead.external_id}", 150)
    parts = [mrkdwn(lead.company or "unknown company", 150)]
    if lead.source:
        parts.append(mrkdwn(lead.source, 100))
    if lead.score is not None:
        parts.append(f"score {lead.score}")
    where = f" · <#{lead.slack_channel}>" if lead.slack_channel and lead.slack_channel[0] in "CG" else ""
    return f"*{name}* — {' · '.join(parts)} · #{lead.id}{where}"


def resolution(timer: SlaTimer, lead: Lead) -> str:
    """What ended the clock, in words, for an alarm that is over."""
    if timer.state == "cancelled":
        return f"↪️ Reassigned to {mention(lead.owner)}"
    took = humanize(timedelta(seconds=timer.elapsed_seconds or 0))
    late = " (late)" if timer.state == "missed" else ""
    if timer.clock == "accept":
        if lead.stage == "rejected":
            return f"✅ Resolved: rejected by {mention(lead.decided_by)} after {took}{late}"
        return f"✅ Resolved: {mention(lead.owner)} owns it, after {took}{late}"
    return f"✅ Resolved: first contact logged after {took}{late}"


def _open_item(notice: SlaNotice, item: NoticeItem, config: HandoffConfig, now: datetime) -> AlarmItem:
    timer, lead = item.timer, item.lead
    tz = config.tz
    time = config.working_time(timer.business_hours)
    owner = mention(lead.owner) if lead.owner else "nobody yet"
    value = str(timer.id)
    if timer.state == "running":
        left = humanize(time.elapsed(now, timer.due_at))
        text = f"⏳ *{left} left* to {GOAL.get(timer.clock, 'act')} · due {when(timer.due_at, tz, now)} · owner {owner}"
        actions = []
        if timer.clock == "accept":
            actions = [Button("Accept", Action.ACCEPT, "primary")]
        elif timer.clock == "first_touch":
            actions = [Button("Log contact", Action.LOG_CONTACT, "primary")]
        return AlarmItem(text, actions, str(lead.id))
    late = humanize(time.elapsed(timer.due_at, now))
    text = f"🚨 *{late} late* · was due {when(timer.due_at, tz, now)} · owner {owner}"
    if timer.snoozed_until is not None and timer.snoozed_until > now:
        text += f"\n😴 Snoozed by {mention(timer.snoozed_by)} until {when(timer.snoozed_until, tz, now)}"
    if notice.kind == "nudge":  # the owner is asked to act, not to escalate
        goal = Button("Log contact", Action.LOG_CONTACT, "primary") if timer.clock == "first_touch" else None
        accept = Button("Accept", Action.ACCEPT, "primary") if timer.clock == "accept" else None
        return AlarmItem(text, [b for b in (goal, accept) if b], str(lead.id))
    actions = [
        Button("Reassign", Action.SLA_REASSIGN, "primary"),
        Button("Nudge owner" if lead.owner else "Nudge channel", Action.SLA_NUDGE),
        Button("Snooze 1 h", Action.SLA_SNOOZE),
    ]
    return AlarmItem(text, actions, value)


def alarm_view(notice: SlaNotice, items: list[NoticeItem], *, config: HandoffConfig, now: datetime) -> AlarmView:
    groups: dict[str, list[AlarmItem]] = {}
    open_count = 0
    order = {"accept": 0, "first_touch": 1}
    items = sorted(items, key=lambda i: (order.get(i.timer.clock, 9), i.timer.due_at, i.timer.id))
    for item in items[:MAX_ITEMS]:
        line = lead_line(item.lead)
        if item.timer.stopped_at is not None:
            entry = AlarmItem(f"{line}\n{resolution(item.timer, item.lead)}")
        else:
            open_count += 1
            opened = _open_item(notice, item, config, now)
            entry = AlarmItem(f"{line}\n{opened.text}", opened.actions, opened.value)
        groups.setdefault(clock_title(item.timer), []).append(entry)
    n = len(items)
    in_thread = notice.thread_ts is not None or not notice.recipient.startswith(("U", "W"))
    leads = "this lead" if in_thread else ("a lead" if n == 1 else f"{n} leads")
    titles = {
        "warn": ("⏳", f"Heads-up: the SLA clock is running out on {leads}"),
        "breach": ("🚨", f"SLA breached on {leads}"),
        "snooze_over": ("⏰", f"Snooze over: {leads} still waiting"),
        "nudge": ("👋", f"{mention(notice.actor)} nudged you about {leads}"),
    }
    icon, title = titles.get(notice.kind, ("⏱", f"SLA update on {leads}"))
    title = f"✅ Handled — {title}" if items and open_count == 0 else f"{icon} {title}"
    footer = f"{n - MAX_ITEMS} more not shown: see the leads channel" if n > MAX_ITEMS else "Handoff · SLA"
    return AlarmView(
        id=notice.id,
        fallback=title.replace("*", ""),
        title=title,
        groups=[AlarmGroup(t, g) for t, g in groups.items()],
        footer=footer,
    )


def clock_lines(timers: list[SlaTimer], *, tz: ZoneInfo, now: datetime) -> list[str]:
    """The SLA state a lead's channel post shows: breaches, and how each finished clock did against its target."""
    lines: list[str] = []
    for timer in timers:
        target = humanize(timedelta(seconds=timer.target_seconds))
        name = clock_name(timer.clock)
        if timer.state == "breached":
            lines.append(f"🚨 *{name} SLA breached* — was due {when(timer.due_at, tz, now)} ({target} target)")
        elif timer.state == "missed":
            took = humanize(timedelta(seconds=timer.elapsed_seconds or 0))
            lines.append(f"⚠️ {name} took {took}, over the {target} SLA")
        elif timer.state == "met":
            took = humanize(timedelta(seconds=timer.elapsed_seconds or 0))
            lines.append(f"⏱ {name} in {took}, within the {target} SLA")
        elif timer.state == "running":
            lines.append(f"⏱ {name} due {when(timer.due_at, tz, now)} ({target} SLA)")
    return lines
