"""Presenters: turn stored state into the small view models templates render. Templates never do arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.team import Team
from bot.errors import UserError
from bot.ids import Action
from bot.lifecycle.stages import MOVE_TARGETS, Stage
from bot.views.crm_links import RecordLink
from message_templates import as_plain, escape_mrkdwn, mentioned, mrkdwn
from message_templates.wording import humanize, mention, money
from storage.models import Lead


@dataclass(frozen=True)
class Button:
    text: str
    action_id: str
    style: str | None = None


@dataclass(frozen=True)
class LeadCard:
    id: int
    headline: str
    fallback: str
    person: str
    company: str
    source: str
    campaign: str
    email: str | None
    score_text: str
    activity: list[str]
    status: str | None
    note: str | None
    actions: list[Button] = field(default_factory=list)
    meta: str = ""
    clocks: list[str] = field(default_factory=list)
    history_action: str = Action.HISTORY
    known: str | None = None
    record: RecordLink | None = None
    record_action: str = Action.OPEN_RECORD
    """The lead's record in the CRM it came from (its post's "Open in HubSpot / Salesforce")."""


@dataclass(frozen=True)
class Assignment:
    """A manager gave the lead to `to` (its latest `assigned` or `reassigned` event); `previous` owned it before."""

    to: str | None
    by: str | None
    previous: str | None = None


def known_person(earlier: list[Lead], tz: ZoneInfo) -> str | None:
    """What the team already knows about this person from their earlier leads (same email), or None."""
    if not earlier:
        return None

    def day(at: datetime) -> str:
        return at.astimezone(tz).strftime("%b %-d")

    wins = [lead for lead in earlier if lead.won_at is not None]
    if wins:
        return f"🔁 Known person: already Won ({day(wins[0].won_at or wins[0].received_at)})"
    last = earlier[0]
    outcome = {
        "mql": "still open",
        "sal": f"accepted by {mention(last.owner)}",
        "rejected": f"rejected: {escape_mrkdwn(last.reject_reason or 'no reason')}",
        "lost": f"lost: {escape_mrkdwn(last.lost_reason or 'no reason')}",
        "recycled": "recycled to nurture",
    }.get(last.stage, f"now {escape_mrkdwn(last.stage.upper())}, owner {mention(last.owner)}")
    more = f" and {len(earlier) - 1} more time{'s' if len(earlier) > 2 else ''}" if len(earlier) > 1 else ""
    return f"🔁 Known person: also an MQL on {day(last.received_at)} ({outcome}){more}"


# What the post's header says the lead is now: "New MQL" only while nobody has decided.
HEADLINES = {"mql": "New MQL", "sal": "Accepted MQL", "sql": "SQL", "opportunity": "Opportunity", "won": "🏆 Won",
             "lost": "Lost", "rejected": "Rejected MQL", "recycled": "Recycled to nurture"}  # fmt: skip


def headline(lead: Lead) -> str:
    """The lead in one line, as a modal's header shows it: who, and where they work."""
    return f"{lead.name or lead.email or lead.external_id} — {lead.company or 'unknown company'}"


async def named(team: Team, text: str) -> str:
    """mrkdwn `text` for a plain-text place (a modal error): each mention becomes the person's name."""
    names = {user_id: await team.name(user_id) for user_id in mentioned(text)}
    return as_plain(text, {user_id: name for user_id, name in names.items() if name})


def error_mrkdwn(error: UserError) -> str:
    """What a `UserError` tells the person in a message: each person it names as a mention."""
    return error.text(mention)


def score_band(score: int | None) -> str:
    if score is None:
        return "unscored"
    if score >= 80:
        return "🔥 hot"
    if score >= 50:
        return "warm"
    return "cool"


def _activity_line(item: dict[str, Any], tz: ZoneInfo) -> str:
    kind = mrkdwn(item.get("kind") or "activity", 60)
    detail = mrkdwn(item.get("detail") or "", 200)
    when = ""
    at = item.get("at")
    if isinstance(at, str):
        try:
            when = datetime.fromisoformat(at).astimezone(tz).strftime("%b %-d, %H:%M")
        except ValueError:
            when = ""
    parts = [f"*{kind}*"] + ([detail] if detail else []) + ([when] if when else [])
    return " · ".join(parts)


def latest_activity(activity: list[Any], tz: ZoneInfo, limit: int = 3) -> list[str]:
    items = [a for a in activity if isinstance(a, dict)]
    items.sort(key=lambda a: str(a.get("at") or ""), reverse=True)
    return [_activity_line(a, tz) for a in items[:limit]]


def _held(lead: Lead, assignment: Assignment | None, started: datetime) -> str:
    """Who holds an accepted lead and how they came to: they accepted it, or a manager gave it to them."""
    if assignment is None or assignment.to != lead.owner:
        return f"✅ *Accepted* by {mention(lead.owner)} in {humanize((lead.decided_at or started) - started)}"
    line = f"↪️ *Assigned* to {mention(assignment.to)} by {mention(assignment.by)}"
    return line + (f" (reassigned from {mention(assignment.previous)})" if assignment.previous else "")


def _rejected(lead: Lead, tz: ZoneInfo, started: datetime) -> str:
    """Who rejected the lead, when and why: the post's last word on a lead sales turned down."""
    reason = escape_mrkdwn(lead.reject_reason or "no reason")
    when = ""
    if lead.decided_at is not None:
        local = lead.decided_at.astimezone(tz).strftime("%b %-d, %H:%M %Z")
        when = f" on {local}, {humanize(lead.decided_at - started)} after posting"
    return f"❌ *Rejected* by {mention(lead.decided_by)}{when} — {reason}"


# The stages of the handover from marketing to sales, the only ones whose post shows SLA clocks: past it (qualified,
# closed, rejected) a deadline or "accepted in 4 min" no longer applies, and the History modal keeps how it went.
HANDOVER = frozenset({Stage.MQL, Stage.SAL})


def lead_card(
    lead: Lead,
    *,
    tz: ZoneInfo,
    contacted_by: str | None = None,
    clocks: list[str] | None = None,
    earlier: list[Lead] | None = None,
    assignment: Assignment | None = None,
    attempts: int = 0,
    suppressed: bool = False,
) -> LeadCard:
    name = lead.name or lead.email or f"Lead {lead.external_id}"
    company = lead.company or "unknown company"
    person = name + (f", {lead.title}" if lead.title else "")
    status: str | None = None
    note: str | None = None
    actions: list[Button] = []
    started = lead.posted_at or lead.received_at
    if lead.stage == Stage.MQL:
        actions = [Button("Accept", Action.ACCEPT, "primary"), Button("Reject", Action.REJECT, "danger")]
    elif lead.stage == Stage.SAL and lead.decided_at is not None:
        status = _held(lead, assignment, started)
        if contacted_by:
            status += f"\n📞 First contact logged by {mention(contacted_by)}"
        else:
            if attempts:
                status += f"\n📞 {attempts} attempt{'' if attempts == 1 else 's'} logged, no connection yet"
            actions = [Button("Log attempt", Action.LOG_CONTACT, "primary")]
        actions += [Button("Qualified", Action.QUALIFY), Button("Lost", Action.LOST), Button("Recycle", Action.RECYCLE)]
    elif lead.stage in MOVE_TARGETS:
        amount = f" · {money(lead.amount_cents)}" if lead.amount_cents is not None else ""
        labels = {
            "sql": "🎯 *Sales qualified*",
            "opportunity": "💼 *Opportunity*" + amount,
            "won": "🏆 *Won*" + amount,
            "lost": "🪦 *Lost* — " + escape_mrkdwn(lead.lost_reason or "no reason"),
            "recycled": "♻️ *Recycled* to marketing nurture",
        }
        owner = f" · owner {mention(lead.owner)}" if lead.owner else ""
        status = labels[lead.stage] + owner
        following = {"sql": Button("Opportunity", Action.OPPORTUNITY, "primary"),
                     "opportunity": Button("Won", Action.WON, "primary")}  # fmt: skip
        if lead.stage in following:
            actions = [following[lead.stage], Button("Lost", Action.LOST), Button("Recycle", Action.RECYCLE)]
    elif lead.stage == Stage.REJECTED:
        status = _rejected(lead, tz, started) + (" · 🚫 suppressed from future campaigns" if suppressed else "")
        if lead.reject_note:
            note = "📝 " + mrkdwn(lead.reject_note, 1900)
    received = lead.received_at.astimezone(tz).strftime("%b %-d, %H:%M %Z")
    return LeadCard(
        id=lead.id,
        headline=f"{HEADLINES.get(lead.stage, 'Lead')}: {name} — {company}",
        fallback=mrkdwn(f"{HEADLINES.get(lead.stage, 'Lead')}: {name} ({company})", 300),
        person=person,
        company=company,
        source=lead.source or "unknown source",
        campaign=lead.campaign or "no campaign",
        email=lead.email,
        score_text=f"{lead.score}/100 · {score_band(lead.score)}" if lead.score is not None else "unscored",
        activity=latest_activity(lead.activity or [], tz),
        status=status,
        note=note,
        actions=actions,
        meta=f"Lead #{lead.id} · received {received}",
        clocks=(clocks or []) if lead.stage in HANDOVER else [],
        known=known_person(earlier or [], tz),
    )
