"""Reading the record: a lead and its append-only timeline, as JSON for `GET /api/leads/{external_id}` and as the
lines of the History modal on its post. Sales, managers and marketing may read it in Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.team import Team
from bot.errors import Forbidden, NotFound
from bot.lifecycle.attempts import CHANNELS, OUTCOMES
from message_templates import mrkdwn
from message_templates.wording import clock_name, humanize, mention, money
from storage import leads as lead_queries
from storage.db import Database
from storage.models import Lead, LeadEvent

UTC_ZONE = ZoneInfo("UTC")
LEAD_FIELDS = ("id", "external_id", "email", "name", "company", "title", "source", "campaign", "score", "stage",
               "owner", "decided_by", "reject_reason", "reject_note", "lost_reason", "activity", "slack_channel",
               "slack_ts")  # fmt: skip
LEAD_TIMES = ("received_at", "posted_at", "decided_at", "contacted_at", "sql_at", "opportunity_at", "won_at",
              "lost_at", "recycled_at")  # fmt: skip
MAX_LINES = 200


def used_assets(assets: Any) -> str:
    """ " · using: Acme case study, ROI calculator" (titles as they were when the attempt was logged)."""
    if not isinstance(assets, list) or not assets:
        return ""
    titles = [mrkdwn(" ".join(str(a.get("title", "")).split()), 80) for a in assets[:10] if isinstance(a, dict)]
    return " · using: " + ", ".join(titles) if titles else ""


@dataclass(frozen=True)
class LeadTimeline:
    lead: Lead
    events: list[LeadEvent]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def lead_json(lead: Lead) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(lead, name) for name in LEAD_FIELDS}
    out.update({name: _iso(getattr(lead, name)) for name in LEAD_TIMES})
    out["amount"] = None if lead.amount_cents is None else lead.amount_cents / 100
    out["posted"] = lead.slack_ts is not None
    return out


def timeline_json(timeline: LeadTimeline) -> dict[str, Any]:
    events = [{"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "data": e.data} for e in timeline.events]
    return {"lead": lead_json(timeline.lead), "timeline": events}


def _who(actor: str | None) -> str:
    if actor in (None, "import", "crm", "intake"):
        return {"import": "the import", "crm": "the CRM", "intake": "marketing's platform"}.get(actor or "", "Handoff")
    return mention(actor)


ALARM_EVENTS = ("sla_warned", "sla_escalated", "nudged", "sla_snoozed")


def _people(to: Any) -> str:
    """Who an alarm went to: people by mention, a channel by link."""
    targets = to if isinstance(to, list) else [to] if to else []
    names = [f"<#{t}>" if str(t)[:1] in "CG" else mention(str(t)) for t in targets]
    return ", ".join(names) if names else "sales"


def alarm_line(kind: str, d: dict[str, Any], who: str, tz: ZoneInfo) -> str:
    clock = mrkdwn(clock_name(str(d.get("clock"))), 40)
    if kind == "sla_warned":
        return f"⏳ {clock} heads-up: due soon" + (", nobody has accepted yet" if d.get("clock") == "accept" else "")
    if kind == "sla_escalated":
        return f"📣 {clock} breach escalated to {_people(d.get('to'))}"
    if kind == "nudged":
        return f"👋 {who} nudged {_people(d.get('to'))}"
    try:
        until = f" until {datetime.fromisoformat(str(d.get('until'))).astimezone(tz):%b %-d, %H:%M %Z}"
    except ValueError:
        until = ""
    why = f": {mrkdwn(str(d.get('why') or ''), 200)}" if d.get("why") else ""
    return f"😴 {clock} alarm snoozed by {who}{until} (snooze {d.get('count') or 1}){why}"


def event_line(event: LeadEvent, tz: ZoneInfo = UTC_ZONE) -> str:
    """One event as a person reads it (mrkdwn, every piece of stored text escaped)."""
    d, who = event.data or {}, _who(event.actor)

    def text(key: str) -> str:
        return mrkdwn(str(d.get(key) or ""), 200)

    kind = event.kind
    if kind == "mql_received":
        line = f"MQL received from {text('source') or 'an unknown source'}" + (
            f" · campaign {text('campaign')}" if d.get("campaign") else ""
        )
        line += " (imported)" if event.actor == "import" else ""
    elif kind == "posted":
        line = "Posted in the channel"
    elif kind == "accepted":
        line = f"Accepted by {who}"
    elif kind == "rejected":
        line = f"Rejected by {who} — {text('reason')}" + (f" ({text('note')})" if d.get("note") else "")
    elif kind == "contacted":
        line = f"First contact logged by {who}"
    elif kind == "attempt":
        how, what = CHANNELS.get(str(d.get("channel")), "Contact"), OUTCOMES.get(str(d.get("outcome")), "logged")
        line = f"📞 {how} attempt by {who}: {what.lower()}"
        line += f" — {text('note')}" if d.get("note") else ""
        line += used_assets(d.get("assets"))
    elif kind == "assigned" and "from" in d:  # routing's offer: by rotation, a rule, a pass or a missed accept
        line = f"Assigned to {mention(d.get('to'))} by routing ({text('why')})"
    elif kind == "passed":
        line = f"Passed by {who}: {text('reason')}"
    elif kind in ("assigned", "reassigned"):
        line = f"{'Assigned' if kind == 'assigned' else 'Reassigned'} to {mention(d.get('to'))} by {who}: {text('why')}"
    elif kind == "moved":
        line = f"{mrkdwn(str(d.get('from', '')).upper(), 20)} → {mrkdwn(str(d.get('to', '')).upper(), 20)} by {who}"
        if d.get("amount_cents") is not None:
            line += f" · {money(d.get('amount_cents'))}"
        if d.get("reason"):
            line += f" · {text('reason')}"
    elif kind == "sla_stopped":
        took = humanize(timedelta(seconds=int(d.get("elapsed_seconds") or 0)))
        line = f"{mrkdwn(clock_name(str(d.get('clock'))), 40)} SLA {mrkdwn(str(d.get('outcome')), 20)} in {took}"
    elif kind == "sla_breached":
        line = f"🚨 {mrkdwn(clock_name(str(d.get('clock'))), 40)} SLA breached"
    elif kind in ALARM_EVENTS:
        line = alarm_line(kind, d, who, tz)
    elif kind == "won_by_hand":
        amount, rep = money(d.get("amount_cents")), mention(d.get("rep"))
        line = f"🏆 Celebrated as won with /win by {who}: {amount}, closed by {rep}"
        line += f" · campaign {text('campaign')}" if d.get("campaign") else ""
    elif kind == "content_shared":  # Share to a lead, from /content
        line = f"📎 {who} shared {text('title') or 'an asset'} from the content library"
    else:
        line = mrkdwn(kind.replace("_", " "), 60).capitalize() + (f" by {who}" if event.actor else "")
    if d.get("imported") and "(imported)" not in line:
        line += " (imported)"
    return line


def timeline_lines(events: list[LeadEvent], tz: ZoneInfo) -> list[str]:
    lines = [f"*{e.at.astimezone(tz):%b %-d, %Y %H:%M}* · {event_line(e, tz)}" for e in events[-MAX_LINES:]]
    if len(events) > MAX_LINES:
        lines.insert(0, f"_{len(events) - MAX_LINES} earlier events: see GET /api/leads/…_")
    return lines


class Timelines:
    def __init__(self, db: Database, team: Team) -> None:
        self._db = db
        self._team = team

    async def read(self, *, lead_id: int | None = None, external_id: str | None = None) -> LeadTimeline:
        async with self._db.session() as session:
            if external_id is not None:
                lead = await lead_queries.get_lead_by_external_id(session=session, external_id=external_id)
            else:
                lead = await lead_queries.get_lead(session=session, lead_id=lead_id or 0)
            if lead is None:
                raise NotFound(f"No lead has external_id {external_id!r}." if external_id else "No such lead.")
            return LeadTimeline(lead, await lead_queries.list_events(session=session, lead_id=lead.id))

    async def read_in_slack(self, lead_id: int, *, user_id: str) -> LeadTimeline:
        """The History modal: for the people the record is shared between (sales, managers, marketing)."""
        team = self._team
        if not (await team.is_sales(user_id) or await team.is_manager(user_id) or await team.is_marketing(user_id)):
            raise Forbidden("A lead's history is for sales, managers and marketing. Ask sales-ops to add you.")
        return await self.read(lead_id=lead_id)


def chunks(lines: list[str], limit: int = 2900) -> list[str]:
    """Lines joined into section texts of at most `limit` characters (a section holds 3,000)."""
    out: list[str] = []
    for line in lines:
        line = line[:limit]
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out or ["Nothing recorded yet."]
