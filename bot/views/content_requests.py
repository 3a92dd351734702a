"""What people see of a content request: the request modal, the Delivered… and Decline… modals, and the request's
post (in the requests channel, a reply in its thread, or a DM about it), rendered from its current state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.config.business_time import format_duration
from bot.config.team_file import HandoffConfig
from bot.content.assets import KINDS
from bot.content.request_clock import working_duration
from bot.content.request_ids import DECLINE_BLOCKS, DELIVER_BLOCKS, REQUEST_BLOCKS, RequestAction, RequestCallback
from bot.content.requests import NEED_MAX
from bot.views.lead_cards import Button
from message_templates import Renderer, cut, inline, mrkdwn
from message_templates.wording import humanize, mention
from storage.content_models import ContentAsset, ContentRequest
from storage.models import Lead

OPTIONS_MAX = 100  # Slack's limit for a static select's options


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    action_id: str = RequestAction.OPEN_LINK


def _when(at: datetime, config: HandoffConfig, now: datetime) -> str:
    """ "Thu Nov 26, 09:05 CST", with the year when it is not `now`'s."""
    local = at.astimezone(config.tz)
    year = f" {local.year}" if local.year != now.astimezone(config.tz).year else ""
    return f"{local:%a %b} {local.day}{year}, {local:%H:%M %Z}"


def _day(day: date, config: HandoffConfig, now: datetime) -> str:
    year = f" {day.year}" if day.year != now.astimezone(config.tz).year else ""
    return f"{day:%a %b} {day.day}{year}"


def lead_label(lead: Lead) -> str:
    who = " · ".join(str(p) for p in (lead.company, lead.name) if p) or "a lead"
    return f"{who} (#{lead.id})"


def request_modal(renderer: Renderer, leads: list[Lead], channel: str) -> dict[str, Any]:
    options = [{"text": lead_label(lead)[:75], "value": str(lead.id)} for lead in leads[:OPTIONS_MAX]]
    return renderer.render(
        "modals/content_request.json.j2", callback=RequestCallback.REQUEST, metadata=channel, leads=options,
        blocks=REQUEST_BLOCKS, actions=RequestAction, need_max=NEED_MAX,
        summary="Marketing hears of it in its channel and answers on the content-request clock of the agreement "
                "(`/sla` shows it).",
    )  # fmt: skip


def deliver_modal(renderer: Renderer, request: ContentRequest, assets: list[ContentAsset]) -> dict[str, Any]:
    options = [
        {"text": f"{a.title} ({KINDS.get(a.kind, a.kind)})"[:75], "value": str(a.id)} for a in assets[:OPTIONS_MAX]
    ]
    return renderer.render(
        "modals/content_deliver.json.j2", callback=RequestCallback.DELIVER, metadata=str(request.id),
        assets=options, blocks=DELIVER_BLOCKS, actions=RequestAction, kinds=list(KINDS.items()),
        summary=f"*Deliver request #{request.id}* from {mention(request.requested_by)}: "
                f"{mrkdwn(request.need, 1500)}\nThey get the link by DM.",
    )  # fmt: skip


def decline_modal(renderer: Renderer, request: ContentRequest) -> dict[str, Any]:
    return renderer.render(
        "modals/content_decline.json.j2", callback=RequestCallback.DECLINE, metadata=str(request.id),
        blocks=DECLINE_BLOCKS, actions=RequestAction,
        summary=f"*Decline request #{request.id}* from {mention(request.requested_by)}\n"
                "They read your reason; the clock stops.",
    )  # fmt: skip


def state_line(request: ContentRequest, config: HandoffConfig, asset: ContentAsset | None, now: datetime) -> str:
    """Where the request stands, clock included (escaped mrkdwn)."""
    if request.state == "delivered":
        took = humanize(timedelta(seconds=request.elapsed_seconds or 0))
        on_time = "on time" if request.clock_state == "met" else "late"
        what = f": {inline(asset.title, 200)}" if asset else ""
        working = " of working time" if request.business_hours else ""
        return f"✅ Delivered by {mention(request.delivered_by)}{what} · {on_time}, in {took}{working}"
    if request.state == "declined":
        return f"❌ Declined by {mention(request.declined_by)}: {mrkdwn(request.decline_reason or '', 1500)}"
    who = f"Taken by {mention(request.taken_by)}" if request.taken_by else "Waiting for marketing to take it"
    if request.clock_state == "breached" or now >= request.due_at:
        return f"{who} · 🚨 late: it was due {_when(request.due_at, config, now)}"
    target = format_duration(working_duration(config, request.business_hours, request.target_seconds))
    time = "working time" if request.business_hours else "around the clock"
    return f"{who} · due {_when(request.due_at, config, now)} ({target} of {time})"


def buttons_for(request: ContentRequest) -> list[Button]:
    if request.state in ("delivered", "declined"):
        return []
    take = [] if request.taken_by else [Button("Take it", RequestAction.TAKE, "primary")]
    return [*take, Button("Delivered…", RequestAction.DELIVER), Button("Decline…", RequestAction.DECLINE, "danger")]


HEADLINES = {
    "post": "📝 *Content request #{id}* from {who}",
    "warn": "⏰ *Content request #{id}* from {who} is due soon",
    "delivered": "📦 *Your content request #{id}* was delivered",
    "declined": "*Your content request #{id}* was declined",
    "lead_delivered": "📦 *Content for this lead*: request #{id} from {who} was delivered",
}


def request_message(
    renderer: Renderer,
    request: ContentRequest,
    config: HandoffConfig,
    *,
    event: str,
    lead: Lead | None,
    asset: ContentAsset | None,
    now: datetime,
) -> dict[str, Any]:
    template = HEADLINES.get(event, "🚨 *Content request #{id}* from {who} is late")
    headline = template.format(id=request.id, who=mention(request.requested_by))
    facts = []
    if lead is not None:
        facts.append(f"for {inline(lead_label(lead), 200)}")
    if request.wanted_by:
        facts.append(f"wanted by {_day(request.wanted_by, config, now)}")
    if facts:
        headline += " · " + " · ".join(facts)
    need = mrkdwn(request.need, 2900)
    state = state_line(request, config, asset, now)
    link = Link("Open the asset", request.delivered_url) if request.delivered_url else None
    buttons = buttons_for(request) if event == "post" else []
    fallback = cut(f"{headline}: {need}", 2900)
    return renderer.render(
        "channel/content_request.json.j2", text=fallback, headline=headline, need=need, state=state,
        buttons=buttons, link=link, value=str(request.id),
    )  # fmt: skip
