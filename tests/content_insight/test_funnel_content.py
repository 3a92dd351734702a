"""`/funnel content [period]` over signed slash commands, on a cohort worked out by hand. Period: this quarter on
Nov 23, 2026 (Oct 1 – Nov 23). Shares and content requests are seeded as rows (their commands are built elsewhere);
assets are added through the library and named on attempts through the Log attempt modal.

| lead | outcome (Nov 23) | shared    | named on an attempt |
|------|------------------|-----------|---------------------|
| L1   | won              | A         | A, B                |
| L2   | won              | B         |                     |
| L3   | lost             |           | A                   |
| L4   | lost             | A, C      |                     |
| L5   | still open       | C         |                     |

Per asset, each lead once: A won 1 (L1), lost 2 (L3, L4): 1 of 3 = 33 %; B won 2 (L1, L2), lost 0: 100 %;
C won 0, lost 1 (L4): 0 % (L5 is not closed). Most used first: A (3 leads), B (2), C (1).

Requests in the quarter: "Security whitepaper" (open), "security WHITEPAPER." (delivered), "Security whitépaper"
(taken), "Pricing FAQ" (delivered), "ROI model for <!here> banks" (declined); one "Pricing FAQ" asked in September
is outside. 5 asked · 2 open (open, taken) · 2 delivered · 1 declined; Security whitepaper 3×, then 1× each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.ids import Action, Block, Callback
from sandbox.blocks import validate_blocks
from storage.content_models import ContentRequest, ContentShare
from tests.attempts import open_attempt
from tests.calendar.helpers import asset
from tests.conftest import MARKETER, REP1, REP2, START, Harness, StartApp, team_config
from tests.content_insight.test_attempt_assets import with_assets
from tests.reports.test_funnel import funnel
from tests.views.test_templates import assert_inert

CLOSED_AT = START + timedelta(hours=5)  # 14:00 on Nov 23, the day the leads arrived


async def lead(app: Harness, name: str) -> int:
    lead_id = await app.new_lead(external_id=name, name=name)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    return lead_id


async def name_on_attempt(app: Harness, lead_id: int, asset_ids: list[int]) -> None:
    view = await open_attempt(app, lead_id, REP1)
    assert view is not None
    no_answer = {Block.ATTEMPT_OUTCOME: {Action.ATTEMPT_OUTCOME: {"selected_option": {"value": "no_answer"}}}}
    values = with_assets([str(i) for i in asset_ids]) | no_answer  # not a contact: the lead stays open to close
    answer = await app.submit(Callback.ATTEMPT, REP1, view["private_metadata"], values)
    await app.settle()
    assert answer == (200, "")


async def seed(app: Harness) -> None:
    a = await asset(app, "Acme <case> study", "https://ex.com/a", ())
    b = await asset(app, "ROI calculator", "https://ex.com/b", ())
    c = await asset(app, "Battle card", "https://ex.com/c", ())
    l1, l2, l3, l4, l5 = [await lead(app, f"L{i}") for i in range(1, 6)]
    await name_on_attempt(app, l1, [a, b])
    await name_on_attempt(app, l3, [a])
    async with app.svc.db.session() as session:
        for asset_id, lead_id in ((a, l1), (b, l2), (a, l4), (c, l4), (c, l5)):
            session.add(ContentShare(asset_id=asset_id, lead_id=lead_id, shared_by=REP2, at=START))
        for need, state, at in (
            ("Security whitepaper", "open", START),
            ("security   WHITEPAPER.", "delivered", START - timedelta(days=3)),
            ("Security whitépaper", "taken", START - timedelta(days=40)),
            ("Pricing FAQ", "delivered", START - timedelta(days=1)),
            ("ROI model for <!here> banks", "declined", START - timedelta(days=2)),
            ("Pricing FAQ", "delivered", datetime(2026, 9, 15, 15, tzinfo=UTC)),  # last quarter
        ):
            session.add(ContentRequest(need=need, state=state, requested_by=REP1, requested_at=at,
                                       target_seconds=7200, due_at=at + timedelta(days=2)))  # fmt: skip
    app.clock.set(CLOSED_AT + timedelta(hours=1))
    for name, stage in (("L1", "won"), ("L2", "won"), ("L3", "lost"), ("L4", "lost")):
        move: dict[str, Any] = {"stage": stage, "at": CLOSED_AT.isoformat()}
        await app.crm_moves(name, move | ({"amount": 1000} if stage == "won" else {}))
    await app.settle()


def answers(app: Harness) -> list[dict[str, Any]]:
    return [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] == "sections:header"]


@pytest.fixture
async def seeded(start_app: StartApp) -> Harness:
    app = await start_app(team_config())
    await seed(app)
    return app


async def test_content_lists_assets_on_won_and_lost_leads_and_the_requests_most_asked(seeded: Harness) -> None:
    status, ack = await funnel(seeded, "content", user=MARKETER)
    await seeded.settle()

    assert status == 200
    assert (ack["response_type"], ack["text"]) == ("ephemeral", "⏳ Weighing the content used for this quarter…")
    [reply] = answers(seeded)
    assert reply["response_type"] == "ephemeral"
    assert validate_blocks(reply["blocks"], surface="message") == []
    assert_inert(reply)
    sections = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"]
    assert sections == [
        "\n".join([
            "*Content used on won and lost leads* (shared to the lead or named on an attempt)",
            "• *Acme &lt;case&gt; study* (Case study) — won 1 · lost 2 · win rate 33% (1 of 3)",
            "• *ROI calculator* (Case study) — won 2 · lost 0 · win rate 100% (2 of 2)",
            "• *Battle card* (Case study) — won 0 · lost 1 · win rate 0% (0 of 1)",
        ]),
        "\n".join([
            "*Content sales asked for* (`/content request`)",
            "5 asked · 2 open · 2 delivered · 1 declined",
            "• Security whitepaper — 3×",
            "• Pricing FAQ — 1×",
            "• ROI model for &lt;!here&gt; banks — 1×",
        ]),
    ]  # fmt: skip
    assert reply["blocks"][0]["text"]["text"] == "📚 What content works — this quarter"


async def test_an_empty_period_says_so(seeded: Harness) -> None:
    await funnel(seeded, "content 2026-08")
    await seeded.settle()

    [reply] = answers(seeded)
    sections = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"]
    assert "No lead won or lost in this period had an asset shared or named." in sections[0]
    assert "No content was requested in this period." in sections[1]


@pytest.mark.parametrize("words", ["content share", "content someday", "content 1999-q1", "content \x00" + "x" * 3000])
async def test_bad_words_get_the_usage_and_no_report(start_app: StartApp, words: str) -> None:
    app = await start_app(team_config())
    status, ack = await funnel(app, words)
    await app.settle()

    assert status == 200 and "*Usage:*" in str(ack)
    assert answers(app) == []


async def test_one_need_past_the_five_shown_reads_in_the_singular(start_app: StartApp) -> None:
    app = await start_app(team_config())
    async with app.svc.db.session() as session:
        for need in ("Deck A", "Deck B", "Deck C", "Deck D", "Deck E", "Deck F"):
            session.add(ContentRequest(need=need, state="open", requested_by=REP1, requested_at=START,
                                       target_seconds=7200, due_at=START + timedelta(days=2)))  # fmt: skip
    await funnel(app, "content")
    await app.settle()

    [reply] = answers(app)
    asked = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section"][1]
    assert asked.endswith("_…and 1 more need_"), asked
