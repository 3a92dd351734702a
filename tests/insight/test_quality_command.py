"""`/funnel quality` over signed slash commands, on a cohort worked out by hand. Period: this quarter on Nov 23,
2026 (Oct 1 – Nov 23). Every lead arrives through the intake API; decisions are clicks and modal submissions; later
stages come from the CRM's stage webhook, the same day (same-day deals).

| lead | campaign               | source  | score | decision                          | first contact | later        |
|------|------------------------|---------|-------|-----------------------------------|---------------|--------------|
| A1-3 | <!channel> *Ops* & Co  | ads     | 12    | rejected (2 bad fit, 1 student)   |               |              |
| A4   | <!channel> *Ops* & Co  | ads     | 38    | rejected: bad fit                 |               |              |
| W1   | Q4 Ops Webinar         | webinar | 85    | accepted after 1 min              | 3 min         | won $12,000  |
| W2   | Q4 Ops Webinar         | webinar | 72    | accepted after 1 min              | 4 min         | won $8,000   |
| W3   | Q4 Ops Webinar         | webinar | 64    | accepted after 10 min             | 2 h 10 min    | lost         |
| W4   | Q4 Ops Webinar         | webinar | 55    | accepted; one no-answer attempt   | never         | lost         |
| W5   | (none)                 | seo     | —     | accepted                          | never         | lost         |
| W6   | (none)                 | seo     | —     | undecided                         |               |              |
| W7   | (none)                 | seo     | —     | accepted                          | never         | won $1,000   |

The bar, by hand (25 % / 5 %): below 15…35 {A1-3} 0 of 3; below 40…55 {A1-4} 0 of 4; below 60 {A1-4, W4} 1 of 5
= 20 %, $0: qualifies; below 65…70 adds W3: 2 of 6 = 33 %: fails, and so does every larger set. The largest set is
{A1-4, W4}, highest score 55: T = 60. 5 of 11 MQLs = 45 %; $0 of $21,000; 5 leads: thin.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.ids import Action
from sandbox.blocks import validate_blocks
from tests.agreement.helpers import record_version
from tests.attempts import log_attempt
from tests.conftest import REP1, START, Harness, StartApp, team_config, text_of
from tests.reports.test_funnel import funnel, reject
from tests.views.test_templates import assert_inert

HOSTILE = "<!channel> *Ops* & Co"
ESCAPED = "&lt;!channel&gt; *Ops* &amp; Co"
WEBINAR = "Q4 Ops Webinar"


def day(dom: int, hour: int = 15) -> datetime:
    return datetime(2026, 11, dom, hour, tzinfo=UTC)


async def arrive(app: Harness, name: str, when: datetime, **fields: Any) -> int:
    app.clock.set(when)
    return await app.new_lead(external_id=name, name=name, **fields)


async def accept(app: Harness, lead_id: int, after: timedelta, contact_after: timedelta | None = None) -> None:
    app.clock.advance(after.total_seconds())
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    if contact_after is not None:
        app.clock.advance(contact_after.total_seconds())
        await log_attempt(app, lead_id, REP1)


async def seed(app: Harness) -> None:
    minute = timedelta(minutes=1)
    for i, (score, reason) in enumerate(
        [(12, "Not our ICP / bad fit"), (12, "Not our ICP / bad fit"), (12, "Student, competitor or personal"),
         (38, "Not our ICP / bad fit")], start=1,
    ):  # fmt: skip
        lead_id = await arrive(app, f"A{i}", day(2, 14 + i), campaign=HOSTILE, source="ads", score=score)
        app.clock.advance(300)
        await reject(app, lead_id, reason)
    w1 = await arrive(app, "W1", day(3), campaign=WEBINAR, source="webinar", score=85)
    await accept(app, w1, minute, 2 * minute)
    w2 = await arrive(app, "W2", day(4), campaign=WEBINAR, source="webinar", score=72)
    await accept(app, w2, minute, 3 * minute)
    w3 = await arrive(app, "W3", day(5), campaign=WEBINAR, source="webinar", score=64)
    await accept(app, w3, 10 * minute, timedelta(hours=2))
    w4 = await arrive(app, "W4", day(6), campaign=WEBINAR, source="webinar", score=55)
    await accept(app, w4, minute)
    app.clock.advance(600)
    await log_attempt(app, w4, REP1, "no_answer")  # an attempt, not a contact
    w5 = await arrive(app, "W5", day(7), source="seo")
    await accept(app, w5, minute)
    await arrive(app, "W6", day(8), source="seo")
    w7 = await arrive(app, "W7", day(9), source="seo")
    await accept(app, w7, minute)
    app.clock.set(START)
    at = {name: day(dom, 21).isoformat() for name, dom in (("W1", 3), ("W2", 4), ("W3", 5), ("W4", 6), ("W5", 7),
                                                             ("W7", 9))}  # fmt: skip
    await app.crm_moves("W1", {"stage": "sql", "at": at["W1"]}, {"stage": "won", "amount": 12000, "at": at["W1"]})
    await app.crm_moves("W2", {"stage": "won", "amount": 8000, "at": at["W2"]})
    for name in ("W3", "W4", "W5"):
        await app.crm_moves(name, {"stage": "lost", "at": at[name]})
    await app.crm_moves("W7", {"stage": "won", "amount": 1000, "at": at["W7"]})
    await app.settle()


@pytest.fixture
async def seeded(start_app: StartApp) -> Harness:
    app = await start_app(team_config())
    await seed(app)
    return app


def answers(app: Harness) -> list[dict[str, Any]]:
    return [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] == "quality:header"]


def section(reply: dict[str, Any], block_id: str) -> str:
    [block] = [b for b in reply["blocks"] if b.get("block_id") == block_id]
    return str(block["text"]["text"])


async def test_quality_gives_the_tables_the_bar_exactly_as_defined_and_speed_to_lead(seeded: Harness) -> None:
    status, ack = await funnel(seeded, "quality")
    await seeded.settle()

    assert status == 200
    assert (ack["response_type"], ack["text"]) == ("ephemeral", "⏳ Weighing lead quality for this quarter…")
    [reply] = answers(seeded)
    assert reply["response_type"] == "ephemeral"
    assert validate_blocks(reply["blocks"], surface="message") == []
    assert section(reply, "quality:summary") == (
        "*All MQLs* — 11 MQLs · 60% accepted (6 of 10) · win rate 50% (3 of 6) · $21,000"
    )
    assert section(reply, "quality:bar").startswith(
        "*The MQL bar*\n💡 Raise the MQL bar to 60: −45 % of MQLs, −0 % of won revenue (5 leads below it, 20 % "
        "accepted). The evidence is thin: fewer than 30 leads would be cut.\nCurrent bar: 0 ([sla.mql] min_score)"
    )
    assert section(reply, "quality:table1") == "\n".join([
        "*By score band*",
        "• *10-19* — 3 MQLs · 0% accepted (0 of 3) · win rate — (0 of 0) · $0",
        "• *30-39* — 1 MQL · 0% accepted (0 of 1) · win rate — (0 of 0) · $0",
        "• *50-59* — 1 MQL · 100% accepted (1 of 1) · win rate 0% (0 of 1) · $0",
        "• *60-69* — 1 MQL · 100% accepted (1 of 1) · win rate 0% (0 of 1) · $0",
        "• *70-79* — 1 MQL · 100% accepted (1 of 1) · win rate 100% (1 of 1) · $8,000",
        "• *80-89* — 1 MQL · 100% accepted (1 of 1) · win rate 100% (1 of 1) · $12,000",
        "• *unscored* — 3 MQLs · 100% accepted (2 of 2) · win rate 50% (1 of 2) · $1,000",
    ])  # fmt: skip
    assert section(reply, "quality:table2") == "\n".join([
        "*By source*",
        "• *ads* — 4 MQLs · 0% accepted (0 of 4) · win rate — (0 of 0) · $0",
        "• *webinar* — 4 MQLs · 100% accepted (4 of 4) · win rate 50% (2 of 4) · $20,000",
        "• *seo* — 3 MQLs · 100% accepted (2 of 2) · win rate 50% (1 of 2) · $1,000",
    ])  # fmt: skip
    assert section(reply, "quality:table3") == "\n".join([
        "*By campaign*",
        f"• *{ESCAPED}* — 4 MQLs · 0% accepted (0 of 4) · win rate — (0 of 0) · $0",
        "• *Q4 Ops Webinar* — 4 MQLs · 100% accepted (4 of 4) · win rate 50% (2 of 4) · $20,000",
        "• *no campaign* — 3 MQLs · 100% accepted (2 of 2) · win rate 50% (1 of 2) · $1,000",
    ])  # fmt: skip
    assert section(reply, "quality:table4") == (
        f"*Top rejection reasons by campaign*\n• *{ESCAPED}* — 4 rejected: Not our ICP / bad fit (3) · "
        "Student, competitor or personal (1)"
    )
    # W1 3 min, W2 4 min; W3 2 h 10 min; W4 (no answer only), W5, W7 never. Never: 1 won of 3 closed.
    assert section(reply, "quality:speed") == "\n".join([
        "*Speed to lead* (accepted leads, by time from arrival to first contact)",
        "• *under 5 min* — 2 leads · win rate 100% (2 won of 2 closed) · SAL → SQL 100% (2 of 2)",
        "• *5–60 min* — no leads",
        "• *1–24 h* — 1 lead · win rate 0% (0 won of 1 closed) · SAL → SQL 0% (0 of 1)",
        "• *over 24 h* — no leads",
        "• *never* — 3 leads · win rate 33% (1 won of 3 closed) · SAL → SQL 33% (1 of 3)",
        "Contacted within 5 min: won 3.0× as often as those never contacted (2 won of 2 closed, against 1 won of 3 "
        "closed).",
    ])  # fmt: skip
    assert reply["text"] == (
        "Lead quality this quarter: 11 MQLs; Raise the MQL bar to 60: −45 % of MQLs, −0 % of won revenue (5 leads "
        "below it, 20 % accepted). The evidence is thin: fewer than 30 leads would be cut"
    )
    assert "Oct 1 – Nov 23, 2026" in text_of(reply["blocks"])
    assert "<!channel>" not in json.dumps(reply)
    assert_inert(reply)


async def test_the_current_bar_at_the_threshold_means_no_change(start_app: StartApp) -> None:
    """The bar of the agreement in force: raised to 60 (version 2) after the leads arrived, as a proposal would."""
    app = await start_app(team_config())
    await seed(app)
    await record_version(app, {"mql.min_score": 60}, at=app.clock.now())
    await funnel(app, "quality this quarter")
    await app.settle()
    [reply] = answers(app)
    assert section(reply, "quality:bar").startswith(
        "*The MQL bar*\nNo change: the current bar (60) already cuts the leads the data says to cut (below 60).\n"
        "Current bar: 60 ([sla.mql] min_score); a cut qualifies when fewer than 25% of its decided leads were "
        "accepted and it brought at most 5% of won revenue ([insight])."
    )
    assert reply["text"] == "Lead quality this quarter: 11 MQLs; no change to the MQL bar"


async def test_insight_settings_move_the_bar(start_app: StartApp) -> None:
    """At 35 %, below 65…70 (2 of 6 = 33 %) qualifies too; below 75 adds W2: 3 of 7 = 43 %, fails. T = 65."""
    app = await start_app(team_config(insight={"min_accept_rate": "35%", "max_won_share": "1%"}))
    await seed(app)
    await funnel(app, "quality")
    await app.settle()
    [reply] = answers(app)
    assert "Raise the MQL bar to 65: −55 % of MQLs, −0 % of won revenue (6 leads below it, 33 % accepted)" in (
        section(reply, "quality:bar")
    )
    assert "fewer than 35% of its decided leads" in section(reply, "quality:bar")


async def test_a_period_without_leads_says_so(seeded: Harness) -> None:
    await funnel(seeded, "quality 2026-Q1")
    await seeded.settle()
    [reply] = answers(seeded)
    assert [b["block_id"] for b in reply["blocks"]] == ["quality:header", "quality:summary", "quality:footer"]
    assert section(reply, "quality:summary") == "No MQLs were received in this period: nothing to say yet."
    assert validate_blocks(reply["blocks"], surface="message") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("quality share", "`/funnel quality` answers you alone: drop `share`."),
        ("quality someday", "I don't know the period `someday`."),
        ("quality by source", "I don't know the period `by source`."),
        ("quality <!channel> & *x*", "I don't know the period `&lt;!channel&gt; &amp; *x*`."),
        # Years the calendar cannot end a period in, or that no lead arrived in: answered, not "something went wrong"
        ("quality 9999-q4", "`9999-q4`: pick a period between 2000 and 2999."),
        ("quality 9999-12", "`9999-12`: pick a period between 2000 and 2999."),
        ("quality 9999-12-31..9999-12-31", "`9999-12-31..9999-12-31`: pick a period between 2000 and 2999."),
        ("quality 0000-q1", "`0000-q1`: pick a period between 2000 and 2999."),
        ("quality 0001-01-01..0001-01-02", "`0001-01-01..0001-01-02`: pick a period between 2000 and 2999."),
        ("9999-12 by source", "`9999-12`: pick a period between 2000 and 2999."),
    ],
)
async def test_bad_words_get_the_usage_help_and_nothing_runs(app: Harness, text: str, problem: str) -> None:
    status, ack = await funnel(app, text)
    await app.settle()
    assert status == 200 and ack["response_type"] == "ephemeral"
    assert problem in ack["text"] and "*Quality:* `/funnel quality [period]`" in ack["text"]
    assert answers(app) == [] and "<!channel>" not in json.dumps(ack)


async def test_help_names_the_quality_report(app: Harness) -> None:
    _, ack = await funnel(app, "help")
    assert "*Quality:* `/funnel quality [period]` (this quarter by default)" in ack["text"]


@pytest.mark.parametrize(
    ("insight", "key"),
    [({"min_accept_rate": "0%"}, "insight.min_accept_rate"), ({"max_won_share": 0.05}, None),
     ({"max_won_share": 5}, "insight.max_won_share"), ({"typo": "5%"}, "insight.typo")],
)  # fmt: skip
def test_insight_settings_are_validated_naming_the_key(insight: dict[str, Any], key: str | None) -> None:
    if key is None:
        assert team_config(insight=insight).insight.max_won_share == 0.05
        return
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        team_config(insight=insight)


async def test_a_newline_in_a_source_or_campaign_cannot_forge_a_row(app: Harness) -> None:
    """A campaign named "Evil\\n• *Fake row* — 999 MQLs" is one row, on one line, not two rows."""
    forged = "\n• *Fake row* — 999 MQLs · 100% accepted"
    app.clock.set(day(2))
    lead_id = await app.new_lead(external_id="nl", name="NL", source="web" + forged, campaign="Evil" + forged, score=50)
    await reject(app, lead_id, "Not our ICP / bad fit")
    await funnel(app, "quality")
    await app.settle()
    [reply] = answers(app)
    one_line = " • *Fake row* — 999 MQLs · 100% accepted"
    assert section(reply, "quality:table2") == (
        f"*By source*\n• *web{one_line}* — 1 MQL · 0% accepted (0 of 1) · win rate — (0 of 0) · $0"
    )
    assert section(reply, "quality:table3").splitlines()[1:] == [
        f"• *Evil{one_line}* — 1 MQL · 0% accepted (0 of 1) · win rate — (0 of 0) · $0"
    ]
    assert section(reply, "quality:table4").splitlines()[1:] == [
        f"• *Evil{one_line}* — 1 rejected: Not our ICP / bad fit (1)"
    ]
