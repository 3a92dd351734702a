"""Joint wins: a won deal credits the rep *and* the marketing side that brought the lead (source, campaign, the
campaign's owner), with the lead's journey from first touch to won."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cards import humanize, mention
from bot.config import HandoffConfig
from bot.funnel import money
from message_templates import mrkdwn
from storage.models import Lead


@dataclass(frozen=True)
class WinCard:
    fallback: str
    headline: str
    credit: str
    journey: list[str]


def first_touch(lead: Lead) -> datetime:
    times = []
    for item in lead.activity or []:
        if isinstance(item, dict) and isinstance(item.get("at"), str):
            try:
                times.append(datetime.fromisoformat(item["at"]))
            except ValueError:
                continue
    return min([*times, lead.received_at])


def win_card(lead: Lead, config: HandoffConfig) -> WinCard:
    tz = config.tz
    company = lead.company or lead.name or lead.external_id
    amount = money(lead.amount_cents) if lead.amount_cents is not None else "an undisclosed amount"
    campaign_owner = config.campaigns.get(lead.campaign or "")
    marketing = " · ".join(
        part
        for part in (
            f"*{mrkdwn(lead.source, 100)}*" if lead.source else None,
            f"campaign *{mrkdwn(lead.campaign, 150)}*" if lead.campaign else None,
            f"run by {mention(campaign_owner.owner)}" if campaign_owner else None,
        )
        if part
    )
    rep = mention(lead.owner) if lead.owner else "the sales team"
    credit = f"🤝 Closed by {rep}, sourced by marketing: {marketing or 'an unknown source'}"
    journey = [f"First touch {first_touch(lead).astimezone(tz):%b %-d, %Y}",
               f"MQL {lead.received_at.astimezone(tz):%b %-d}"]  # fmt: skip
    if lead.decided_at is not None:
        journey.append(f"accepted in {humanize(lead.decided_at - (lead.posted_at or lead.received_at))}")
    if lead.won_at is not None:
        days = max((lead.won_at - lead.received_at) / timedelta(days=1), 0)
        journey.append(f"won in {days:.0f} days")
    journey.append(amount)
    return WinCard(
        fallback=mrkdwn(f"Joint win: {company} — {amount}", 300),
        headline=f"🏆 Joint win: {company} — {amount}",
        credit=credit,
        journey=[" → ".join(journey)],
    )
