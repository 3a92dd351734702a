"""Joint wins: a won deal credits the rep *and* the marketing side that brought the lead (source, campaign, the
campaign's owner), with the lead's journey from first touch to won."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config.fields import USER_ID
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.delivery import outbox_kinds as kinds
from bot.errors import UserError
from bot.lifecycle.leads import LeadService
from bot.lifecycle.money import parse_amount
from bot.lifecycle.stages import OPEN, Stage
from message_templates import mrkdwn
from message_templates.wording import humanize, mention, money
from storage import leads as lead_queries
from storage import outbox, rollups
from storage.db import Database
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


def won_after(delta: timedelta) -> str:
    """ "6 h" within a day, then whole days: "1 day", "10 days"."""
    if delta < timedelta(days=1):
        return humanize(delta)
    days = round(delta / timedelta(days=1))
    return f"{days} day" if days == 1 else f"{days} days"


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
        journey.append(f"won in {won_after(lead.won_at - lead.received_at)}")
    journey.append(amount)
    return WinCard(
        fallback=mrkdwn(f"Joint win: {company} — {amount}", 300),
        headline=f"🏆 Joint win: {company} — {amount}",
        credit=credit,
        journey=[" → ".join(journey)],
    )


@dataclass(frozen=True)
class Celebrated:
    """What a /win recorded: the lead that now holds the win, and what the person is told (mrkdwn, escaped)."""

    lead_id: int
    confirmation: str


def celebrated(company: str, cents: int, *, won: Lead | None, left: Lead | None) -> str:
    """The ephemeral answer: which lead the win landed on, or why the open lead of that company was left alone."""
    said = f"🏆 Celebrated *{mrkdwn(company, 150)}* — {money(cents)}"
    if won is not None:
        who, at = mrkdwn(won.name or won.external_id, 100), mrkdwn(won.company or company, 150)
        return f"{said}: the open lead *{who}* at *{at}* is now Won, for {mention(won.owner)}."
    said += ", recorded as a won deal of its own"
    if left is None:
        return f"{said} (no open lead has that company)."
    may = f"its owner ({mention(left.owner)})" if left.owner else "sales"
    return f"{said}. The open lead for that company is unchanged: only {may} or a manager can mark it Won."


def may_win(user_id: str, lead: Lead, *, manager: bool, sales: bool) -> bool:
    """May `user_id` mark this lead Won? What a move from the post allows (its owner, a manager), and for a lead
    nobody accepted yet anyone in sales (who could accept it first)."""
    return manager or lead.owner == user_id or (lead.owner is None and sales)


class ManualWins:
    """`/win`: anyone celebrates a deal by hand (one Handoff did not see close), crediting the rep and marketers.

    The deal counts in every shared number. If an open lead has that company and the person could mark it Won
    themselves (its owner, a manager, or anyone in sales while nobody has accepted it), that lead is won (by the
    rep, with the amount); otherwise the deal is stored as a won deal of its own (origin "win"): won revenue,
    /funnel wins, the leaderboards and the digest see it, the MQL count does not. So a marketer's or a stranger's
    celebration never flips a rep's lead. The celebration post goes out in the same transaction."""

    def __init__(self, db: Database, team: Team, clock: Clock, leads: LeadService) -> None:
        self._db = db
        self._team = team
        self._config = team.config
        self._clock = clock
        self._leads = leads

    async def celebrate(
        self, *, by: str, company: str, amount: str, rep: str, marketers: list[str], campaign: str
    ) -> Celebrated:
        company, campaign = company.strip(), campaign.strip()
        if not 1 <= len(company) <= 150:
            raise UserError("Name the company (1 to 150 characters).", field="company")
        cents = parse_amount(amount)
        if not rep:
            raise UserError("Pick the rep who closed it.", field="rep")
        await self._team.check_sales_rep(rep, field="rep")
        if len(marketers) > 10 or not all(USER_ID.match(m) for m in marketers):
            raise UserError("Pick at most ten people from marketing.", field="marketers")
        credit = f"🤝 Closed by {mention(rep)}"
        if marketers or campaign:
            who = ", ".join(mention(m) for m in marketers)
            with_campaign = f"campaign *{mrkdwn(campaign, 150)}*" if campaign else ""
            credit += ", with marketing: " + " · ".join(p for p in (with_campaign, who) if p)
        now = self._clock.now()
        row = kinds.announcement(
            f"win:{uuid.uuid4().hex}",
            f"🏆 Joint win: {company} — {money(cents)}",
            [credit],
            f"Celebrated by {mention(by)} with /win",
            channel=self._config.slack.wins_channel or self._config.slack.leads_channel,
        )
        # Asked before the lead's row is locked: either may ask Slack for a user group's members.
        manager, sales = await self._team.is_manager(by), await self._team.is_sales(by)
        async with self._db.session() as session:
            lead = await lead_queries.find_open_lead_by_company(session=session, company=company, stages=OPEN)
            mine = lead is not None and may_win(by, lead, manager=manager, sales=sales)
            matched = lead if mine else None
            if matched is not None:
                lead_id = matched.id
                await self._leads.move(
                    lead_id, to=Stage.WON, actor=by, via="win", amount_cents=cents, session=session, owner=rep
                )
            else:
                won = await lead_queries.add_manual_win(
                    session=session,
                    values={"external_id": f"win:{uuid.uuid4().hex}", "company": company, "campaign": campaign or None,
                            "owner": rep, "received_at": now, "won_at": now, "decided_by": by,
                            "amount_cents": cents},
                )  # fmt: skip
                lead_id = won.id
                await rollups.add_leads(session=session, lead_ids=[lead_id])
                await lead_queries.add_event(
                    session=session, lead_id=lead_id, kind="won_by_hand", actor=by, at=now, rep=rep,
                    marketers=marketers, amount_cents=cents, campaign=campaign or None,
                )  # fmt: skip
            await outbox.enqueue_many(session=session, rows=[row], now=now)
            confirmation = celebrated(company, cents, won=matched, left=lead if matched is None else None)
        return Celebrated(lead_id, confirmation)
