"""Presenters for SLA messages: alarms (DMs and thread replies), the clock lines on a lead's post, announcements.

Rendered at delivery time from current state, so an alarm about a lead someone has since acted on says so instead of
ringing on. Templates receive finished, escaped strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.fields import GROUP_ID, USER_ID
from bot.config.team_file import HandoffConfig, SlaConfig
from bot.delivery import outbox_kinds as kinds
from bot.ids import Action
from bot.lifecycle.stages import Stage
from bot.sla.clocks import DOER_KINDS, SNOOZE
from bot.sla.plan import Nudged
from bot.views.lead_cards import Button
from message_templates import mrkdwn
from message_templates.wording import clock_name, humanize, mention
from storage.models import Lead, SlaNotice, SlaTimer
from storage.outbox import Outgoing
from storage.sla import NoticeItem

MAX_ITEMS = 20  # two blocks each: stays well inside Slack's 50 blocks per message
GOAL = {"accept": "accept", "first_touch": "log first contact", "follow_up": "log the promised attempts"}
CONTACT_CLOCKS = ("first_touch", "follow_up")  # the owner meets them with Log attempt


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
    if timer.state == "cancelled" and lead.stage in (Stage.LOST, Stage.RECYCLED):
        return f"↪️ Closed: {lead.stage}"
    if timer.state == "cancelled":
        return f"↪️ Reassigned to {mention(lead.owner)}"
    took = humanize(timedelta(seconds=timer.elapsed_seconds or 0))
    late = " (late)" if timer.state == "missed" else ""
    if timer.clock == "accept":
        if timer.state == "breached" and lead.owner is None:  # routing moved the offer on (`reassign_unaccepted`)
            target = humanize(timedelta(seconds=timer.target_seconds))
            return f"↪️ Reassigned from {mention(timer.owner)} to {mention(lead.assignee)}: not accepted in {target}"
        if lead.stage == Stage.REJECTED:
            return f"✅ Resolved: rejected by {mention(lead.decided_by)} after {took}{late}"
        return f"✅ Resolved: {mention(lead.owner)} owns it, after {took}{late}"
    if timer.clock == "follow_up" and lead.contacted_at is None:
        return f"✅ Resolved: the promised attempts logged after {took}{late}"
    return f"✅ Resolved: first contact logged after {took}{late}"


def span(delta: timedelta) -> str:
    """A cadence's window in words: "5 days" for whole days, else as `humanize` says it."""
    days, rest = divmod(int(delta.total_seconds()), 86400)
    return f"{days} day{'' if days == 1 else 's'}" if days and not rest else humanize(delta)


def cadence_shortfall(timer: SlaTimer, attempts: int, sla: SlaConfig) -> str:
    """What a breached follow-up clock's alarm says: "2 of 3 attempts in 5 days" (as the lead's agreement promised)."""
    promised = sla.follow_up.attempts if sla.follow_up else attempts
    return f"{attempts} of {promised} attempts in {span(timedelta(seconds=timer.target_seconds))}"


def audience(notice: SlaNotice, lead: Lead) -> str:
    """Who reads an alarm, which decides what it may offer: "public" (a message in the channel, read by everyone in
    it), "owner" (the lead's owner), "doer" (a rep asked to pick up a lead nobody owns) or "chain" (a manager or
    someone else on the escalation chain, who may reassign, nudge and snooze)."""
    if not notice.recipient.startswith(("U", "W")):
        return "public"
    if notice.recipient == lead.owner:
        return "owner"
    return "doer" if notice.kind in DOER_KINDS else "chain"


def goal_buttons(timer: SlaTimer, lead: Lead, who: str) -> list[Button]:
    """What the reader may do about the lead itself: anyone in sales may accept a lead nobody owns; only its owner
    (or a manager, from the post) logs first contact."""
    if timer.clock == "accept" and lead.owner is None and lead.stage == Stage.MQL:
        return [Button("Accept", Action.ACCEPT, "primary")]
    if timer.clock in CONTACT_CLOCKS and who == "owner":
        return [Button("Log attempt", Action.LOG_CONTACT, "primary")]
    return []


def chain_buttons(timer: SlaTimer, lead: Lead, config: HandoffConfig) -> list[Button]:
    buttons = [
        Button("Reassign", Action.SLA_REASSIGN, "primary"),
        Button("Nudge owner" if lead.owner else "Nudge sales", Action.SLA_NUDGE),
    ]
    if timer.state == "breached" and (timer.snoozes or 0) < config.sla.max_snoozes:
        buttons.append(Button(f"Snooze {humanize(SNOOZE)}", Action.SLA_SNOOZE))
    return buttons


def reached(notify: str, lead: Lead, config: HandoffConfig) -> str:
    """Who an escalation step told, in the words of the thread everyone reads: the managers by role, not by name (a
    later reply would notify them again for what their DM already said); the people and groups the team file names."""
    if notify == "manager":
        return "the owner's manager" if lead.owner and lead.owner in config.team.manager_of else "the managers"
    if notify == "owner" and lead.owner:
        return "the owner"
    if notify in ("owner", "channel"):
        return "sales by DM" if lead.owner is None and config.sla.unowned_notify == "dm" else "the channel"
    if USER_ID.match(notify):
        return mention(notify)
    return f"<!subteam^{notify}>" if GROUP_ID.match(notify) else mrkdwn(notify, 40)


def escalated(timer: SlaTimer, lead: Lead, config: HandoffConfig, now: datetime, sla: SlaConfig) -> str | None:
    """Whom the breach has reached so far, and when: the lead's thread then shows the whole chain, DMs included
    ("📣 Escalated: the managers at 09:30 CST · the channel at 10:30 CST")."""
    cfg = sla.clocks().get(timer.clock)  # the chain of the timer's version of the agreement
    if cfg is None or timer.breached_at is None or not timer.steps_fired:
        return None
    time = config.working_time(timer.business_hours)
    steps = cfg.escalate[: timer.steps_fired]
    told = [
        f"{reached(step.notify, lead, config)} at {when(at, config.tz, now)}"
        for step in steps
        if (at := time.add(timer.breached_at, time.span(step.after)))
    ]
    return "📣 Escalated: " + " · ".join(told)


def _open_item(
    notice: SlaNotice, item: NoticeItem, config: HandoffConfig, now: datetime, attempts: dict[int, int], sla: SlaConfig
) -> AlarmItem:
    """An open clock, in absolute times so the text stays true however long the message sits unread; it is
    re-rendered when the clock's state changes (breached, snoozed, snooze over, handled)."""
    timer, lead = item.timer, item.lead
    tz = config.tz
    owner = mention(lead.owner) if lead.owner else "nobody yet"
    if lead.owner is None and lead.assignee:  # routing offered it: whom the clock waits for
        owner = f"{mention(lead.assignee)} (assigned, not accepted yet)"
    who = audience(notice, lead)
    if timer.state == "running":
        text = f"⏳ *Due {when(timer.due_at, tz, now)}* to {GOAL.get(timer.clock, 'act')} · owner {owner}"
    elif timer.clock == "follow_up":
        text = f"🚨 *{cadence_shortfall(timer, attempts.get(timer.id, 0), sla)}* · owner {owner}"
    else:
        text = f"🚨 *Breached at {when(timer.due_at, tz, now)}* · owner {owner}"
    if timer.snoozed_until is not None and timer.snoozed_until > now:
        text += f"\n😴 Snoozed by {mention(timer.snoozed_by)} until {when(timer.snoozed_until, tz, now)}"
    if timer.snoozes and who == "chain":
        text += f" · snoozed {timer.snoozes} of {config.sla.max_snoozes} times"
    chain = escalated(timer, lead, config, now, sla) if who == "public" and timer.state == "breached" else None
    if chain:
        text += "\n" + chain
    if who == "chain" and timer.state == "breached":
        return AlarmItem(text, chain_buttons(timer, lead, config), str(timer.id))
    return AlarmItem(text, goal_buttons(timer, lead, who), str(lead.id))


def _leads(n: int, public: bool) -> str:
    if n == 1:
        return "this lead" if public else "a lead"
    return f"{n} leads"


def _channel_step(items: list[NoticeItem], leads: str, open_count: int) -> tuple[str, str]:
    """The title of an escalation step that lands in the lead's thread: the channel is who is told now, which the
    heads-up above it (by then reading "SLA breached") did not say. A lead nobody owns asks sales to take it."""
    if open_count and all(item.lead.owner is None for item in items if item.timer.stopped_at is None):
        them = "it" if len(items) == 1 else "them"
        return "📣", f"Escalated to the channel: nobody has accepted {leads} — can someone in sales take {them}?"
    return "📣", f"Escalated to the channel: SLA breached on {leads}"


def alarm_view(
    notice: SlaNotice,
    items: list[NoticeItem],
    *,
    config: HandoffConfig,
    now: datetime,
    attempts: dict[int, int] | None = None,  # a follow-up clock's id: the attempts logged in its window
    terms: Callable[[int | None], SlaConfig] | None = None,  # the SLA of an agreement version (loaded)
) -> AlarmView:
    terms = terms or (lambda version: config.sla)
    groups: dict[str, list[AlarmItem]] = {}
    open_count = 0
    order = {"accept": 0, "first_touch": 1, "follow_up": 2}
    items = sorted(items, key=lambda i: (order.get(i.timer.clock, 9), i.timer.due_at, i.timer.id))
    for item in items[:MAX_ITEMS]:
        line = lead_line(item.lead)
        if item.timer.stopped_at is not None:
            entry = AlarmItem(f"{line}\n{resolution(item.timer, item.lead)}")
        else:
            open_count += 1
            sla = terms(item.timer.agreement_version)
            opened = _open_item(notice, item, config, now, attempts or {}, sla)
            entry = AlarmItem(f"{line}\n{opened.text}", opened.actions, opened.value)
        groups.setdefault(clock_title(item.timer), []).append(entry)
    n = len(items)
    public = not notice.recipient.startswith(("U", "W"))
    leads = _leads(n, public)
    owned = any(item.lead.owner == notice.recipient for item in items)
    nudge = "nudged you about" if owned else ("asks sales to pick up" if public else "asks you to pick up")
    titles = {
        "warn": ("⏳", f"Heads-up: the SLA clock is running out on {leads}"),
        "breach": (
            _channel_step(items, leads, open_count)
            # a step meant for the channel: not a heads-up that came true (it says it breached), nor a DM Slack
            # refused and the channel hears instead (its footer says whom it was meant for)
            if public and notice.kind == "breach" and not notice.meant_for
            else ("🚨", f"SLA breached on {leads}")
        ),
        "pickup": ("🚨", f"SLA breached on {leads} nobody has accepted: can you take it?"),
        "snooze_over": ("⏰", f"Snooze over: {leads} still waiting"),
        "nudge": ("👋", f"{mention(notice.actor)} {nudge} {leads}"),
    }
    kind = notice.kind
    if kind == "warn" and open_count and all(i.timer.state == "breached" for i in items if i.timer.stopped_at is None):
        kind = "breach"  # the heads-up came true: say so, not "running out"
    icon, title = titles.get(kind, ("⏱", f"SLA update on {leads}"))
    title = f"✅ Handled — {title}" if items and open_count == 0 else f"{icon} {title}"
    footer = f"{n - MAX_ITEMS} more not shown: see the leads channel" if n > MAX_ITEMS else "Handoff · SLA"
    if notice.meant_for:
        refused = mrkdwn(notice.refused or "refused", 64)
        footer = f"Meant for {mention(notice.meant_for)}, whom Slack would not let Handoff DM ({refused}) · {footer}"
    fallback = title.replace("*", "")
    if public and config.sla.unowned_notify == "group" and any(i.lead.owner is None for i in items):
        # a thread nobody follows: the sales user groups are mentioned, so they are notified (blocks only: the
        # fallback text stays free of markup)
        title = " ".join(f"<!subteam^{group}>" for group in config.sales_groups) + " " + title
    return AlarmView(
        id=notice.id,
        fallback=fallback,
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
        elif timer.state == "running":  # the first post already says it: the clock is planned before it lands
            hours = ", working time" if timer.business_hours else ""
            lines.append(f"⏱ {name} due {when(timer.due_at, tz, now)} ({target} SLA{hours})")
    return lines


def handover(
    lead: Lead, *, by: str, to: str, previous: str | None, why: str, first_touch: SlaTimer | None,
    tz: ZoneInfo, now: datetime,
) -> list[Outgoing]:  # fmt: skip
    """The DMs a reassignment sends: the new owner hears who gave them the lead, why and when contact is due; the
    rep it was taken from hears where it went. (The post's update mentions them, but an edit notifies nobody.)"""
    headline = f"{lead.name or lead.email or lead.external_id} ({lead.company or 'unknown company'})"
    reason = f"Why: {mrkdwn(why, 500)}"
    stamp = f"{lead.id}:{now.timestamp():.6f}"
    gained = [f"{mention(by)} assigned you {lead_line(lead)}" + (f" (from {mention(previous)})" if previous else "")]
    gained.append(reason)
    if first_touch is not None:
        target = humanize(timedelta(seconds=first_touch.target_seconds))
        gained.append(f"⏱ First contact due {when(first_touch.due_at, tz, now)} ({target} SLA): log it on the post")
    rows = [kinds.announcement(f"handover:{stamp}:{to}", f"📥 A lead for you: {headline}", gained,
                               "Handoff · reassigned by a manager", channel=to)]  # fmt: skip
    if previous and previous != to:
        lost = [f"{mention(by)} gave {lead_line(lead)} to {mention(to)}", reason]
        rows.append(kinds.announcement(f"handover:{stamp}:{previous}", f"📤 Reassigned: {headline}", lost,
                                       "Handoff · reassigned by a manager", channel=previous))  # fmt: skip
    return rows


def nudged_text(nudged: Nudged) -> str:
    """Who a nudge reached, for the person who nudged: "@Sam", "@A, @B and @C by DM", or the lead's thread."""
    if nudged.people:
        names = [mention(person) for person in nudged.people]
        named = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return named + (" by DM" if nudged.dm else "")
    if nudged.mode == "group":
        return "the sales user group in the lead's thread"
    return "sales: a reply in the lead's thread, also sent to the channel"
