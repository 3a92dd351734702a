"""/win: anyone may celebrate a deal, but only someone who could mark a lead Won may have /win win it.

A celebration by a marketer, a stranger or another rep never flips someone else's open lead: the deal is stored as
a won deal of its own (origin 'win') and the person is told, ephemerally, what was recorded and why the lead was
left as it was. The lead's owner or a manager wins the lead itself; a lead nobody accepted yet, anyone in sales."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import Lead
from tests import slack_requests as sr
from tests.conftest import LEADS, MANAGER, MARKETER, OUTSIDER, REP1, REP2, START, Harness, text_of


async def open_win(app: Harness, user: str) -> str:
    """/win typed in the leads channel; the private_metadata of the modal it opened."""
    body = sr.slash_command(user_id=user, command="/win", text="", channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=user),
                            trigger_id=app.slack.issue_trigger_id(user))  # fmt: skip
    status, _ = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    assert status == 200
    view: dict[str, Any] = app.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == Callback.WIN
    return str(view.get("private_metadata", ""))


async def win(app: Harness, user: str, company: str, amount: str, rep: str) -> list[str]:
    """`user` celebrates through the modal; what they were told in the channel, ephemerally."""
    metadata = await open_win(app, user)
    values = {
        Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": company}},
        Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": amount}},
        Block.WIN_REP: {Action.WIN_REP: {"selected_user": rep}},
        Block.WIN_MARKETERS: {Action.WIN_MARKETERS: {"selected_users": [MARKETER]}},
        Block.WIN_CAMPAIGN: {Action.WIN_CAMPAIGN: {"value": ""}},
    }
    assert await app.submit(Callback.WIN, user, metadata, values) == (200, "")
    await app.settle()
    return [m.text for m in app.slack.ephemerals.get(user, []) if m.channel == LEADS]


async def rows(app: Harness) -> list[tuple[str | None, str | None, str, str | None, int | None]]:
    async with app.svc.db.session() as session:
        leads = await session.scalars(select(Lead).order_by(Lead.id))
        return [(lead.origin, lead.company, lead.stage, lead.owner, lead.amount_cents) for lead in leads]


async def hooli(app: Harness) -> int:
    """Gavin at Hooli Inc, accepted by REP2."""
    lead_id = await app.new_lead(external_id="h-1", name="Gavin", company="Hooli Inc", campaign="Q4 Ops Webinar")
    await app.click(Action.ACCEPT, lead_id, REP2)
    await app.settle()
    return lead_id


@pytest.mark.parametrize("who", [MARKETER, OUTSIDER, REP1], ids=["marketer", "stranger", "another rep"])
async def test_a_win_by_someone_who_cannot_win_the_lead_is_a_deal_of_its_own(app: Harness, who: str) -> None:
    lead_id = await hooli(app)
    post_before = text_of((await app.post_of(lead_id)).blocks)

    said = await win(app, who, "  hooli inc ", "5000", REP1)

    assert await rows(app) == [(None, "Hooli Inc", "sal", REP2, None), ("win", "hooli inc", "won", REP1, 500_000)]
    assert said == [
        "🏆 Celebrated *hooli inc* — $5,000, recorded as a won deal of its own. The open lead for that company is "
        f"unchanged: only its owner (<@{REP2}>) or a manager can mark it Won."
    ]
    assert [e.kind for e in await app.events(lead_id)] == ["mql_received", "posted", "accepted"]
    assert text_of((await app.post_of(lead_id)).blocks) == post_before
    [celebration] = [m for m in app.slack.messages[LEADS] if "Joint win" in m.text]
    assert f"Celebrated by <@{who}> with /win" in text_of(celebration.blocks)


@pytest.mark.parametrize(("who", "rep"), [(REP2, REP2), (MANAGER, REP1)], ids=["owner", "manager"])
async def test_the_owner_or_a_manager_wins_the_open_lead_of_that_company(app: Harness, who: str, rep: str) -> None:
    lead_id = await hooli(app)

    said = await win(app, who, "  hooli inc ", "5000", rep)

    assert said == [
        f"🏆 Celebrated *hooli inc* — $5,000: the open lead *Gavin* at *Hooli Inc* is now Won, for <@{rep}>."
    ]
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.amount_cents, lead.owner, lead.won_at) == ("won", 500_000, rep, START)
    [moved] = [e for e in await app.events(lead_id) if e.kind == "moved"]
    assert (moved.actor, moved.data["via"], moved.data["to"]) == (who, "win", "won")
    assert "🏆 *Won* · $5,000" in text_of((await app.post_of(lead_id)).blocks)
    celebrations = [m for m in app.slack.messages[LEADS] if "Joint win" in m.text]
    assert len(celebrations) == 1 and "Celebrated by" in text_of(celebrations[0].blocks)  # one post, not two
    assert len(await rows(app)) == 1


async def test_a_lead_nobody_accepted_is_won_by_sales_but_not_by_marketing(app: Harness) -> None:
    lead_id = await app.new_lead(external_id="p-1", name="Peter", company="Pied Piper")

    told = await win(app, MARKETER, "Pied Piper", "900", REP1)
    assert told == [
        "🏆 Celebrated *Pied Piper* — $900, recorded as a won deal of its own. The open lead for that company is "
        "unchanged: only sales or a manager can mark it Won."
    ]
    assert (await app.lead(lead_id)).stage == "mql"

    told = await win(app, REP1, "Pied Piper", "900", REP1)
    assert (
        told[-1]
        == f"🏆 Celebrated *Pied Piper* — $900: the open lead *Peter* at *Pied Piper* is now Won, for <@{REP1}>."
    )
    assert [r[2:] for r in await rows(app)] == [("won", REP1, 90_000), ("won", REP1, 90_000)]


async def test_a_win_no_lead_matches_says_it_is_a_deal_of_its_own(app: Harness) -> None:
    said = await win(app, OUTSIDER, "Initech <!channel>", "24,000", REP1)

    assert said == [
        "🏆 Celebrated *Initech &lt;!channel&gt;* — $24,000, recorded as a won deal of its own (no open lead has that "
        "company)."
    ]
    assert await rows(app) == [("win", "Initech <!channel>", "won", REP1, 2_400_000)]
    assert json.dumps(said).count("<!channel>") == 0
