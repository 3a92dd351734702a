"""/funnel over signed slash commands: each metric pinned on a small data set whose numbers are worked out by hand.

The November cohort (period "this month" on Nov 23 = Nov 1-23, compared with October to the same day, Oct 1-23):

| lead | source  | received  | decision                | contact     | later                               |
|------|---------|-----------|-------------------------|-------------|-------------------------------------|
| L1   | webinar | Nov 2     | accepted after 10 min   | 2 h later   | SQL, opp $10,000, won $12,000 Nov 12 |
| L2   | webinar | Nov 3     | accepted after 30 min   | 4 h later   | SQL, opp $5,000, lost               |
| L3   | ads     | Nov 4     | rejected: No budget…    |             |                                     |
| L4   | ads     | Nov 5     | rejected: No budget…    |             |                                     |
| L5   | ads     | Nov 6     | rejected: Bad contact…  |             |                                     |
| L6   | webinar | Nov 7     | accepted after 50 min   |             |                                     |
| L7   | seo     | Nov 8     | undecided               |             |                                     |
| L8   | webinar | Oct 20    | accepted (previous period)                                                   |
| L9   | ads     | Oct 25    | rejected (previous period)                                                   |
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.errors import UserError
from bot.ids import Action, Block, Callback
from bot.reports.periods import Period, parse_funnel, parse_period
from tests import slack_requests as sr
from tests.attempts import log_attempt
from tests.conftest import LEADS, MARKETER, OUTSIDER, REP1, REP2, START, Harness, StartApp, team_config, text_of

SLA: dict[str, Any] = {
    "accept": {"target": "30m"},
    "first_touch": {"target": "24h"},
    "mql_volume": {"monthly_target": 20},
}


def day(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, 15, tzinfo=UTC)  # 09:00 CST / 10:00 CDT


async def reject(app: Harness, lead_id: int, reason: str) -> None:
    values = {
        Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "static_select", "selected_option": {"value": reason}}}
    }
    await app.submit(Callback.REJECT, REP1, str(lead_id), values)


async def lead(app: Harness, name: str, source: str, when: datetime, score: int | None = None) -> int:
    app.clock.set(when)
    return await app.new_lead(external_id=name, name=name, source=source, score=score)


async def accept(
    app: Harness, lead_id: int, rep: str, after_minutes: int, contact_after_hours: int | None = None
) -> None:
    app.clock.advance(after_minutes * 60)
    await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()
    if contact_after_hours is not None:
        app.clock.advance(contact_after_hours * 3600)
        await log_attempt(app, lead_id, rep)


async def seed(app: Harness) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["L8"] = await lead(app, "L8", "webinar", day(10, 20))
    await accept(app, ids["L8"], REP1, 5)
    ids["L9"] = await lead(app, "L9", "ads", day(10, 25))
    app.clock.advance(300)
    await reject(app, ids["L9"], "Bad contact data")
    ids["L1"] = await lead(app, "L1", "webinar", day(11, 2), score=90)
    await accept(app, ids["L1"], REP1, 10, contact_after_hours=2)
    ids["L2"] = await lead(app, "L2", "webinar", day(11, 3), score=60)
    await accept(app, ids["L2"], REP2, 30, contact_after_hours=4)
    for name, dom, reason in (("L3", 4, "No budget or authority"), ("L4", 5, "No budget or authority"),
                              ("L5", 6, "Bad contact data")):  # fmt: skip
        ids[name] = await lead(app, name, "ads", day(11, dom), score=40 if name == "L3" else None)
        app.clock.advance(300)
        await reject(app, ids[name], reason)
    ids["L6"] = await lead(app, "L6", "webinar", day(11, 7))
    await accept(app, ids["L6"], REP2, 50)
    ids["L7"] = await lead(app, "L7", "seo", day(11, 8))
    await app.settle()
    app.clock.set(START)
    # Later stages arrive from the CRM's stage webhook, with the times the CRM recorded them.
    await app.crm_moves(
        "L1",
        {"stage": "sql", "at": day(11, 5).isoformat()},
        {"stage": "opportunity", "amount": 10000, "at": day(11, 8).isoformat()},
        {"stage": "won", "amount": 12000, "at": day(11, 12).isoformat()},
    )
    await app.crm_moves(
        "L2",
        {"stage": "sql", "at": day(11, 6).isoformat()},
        {"stage": "opportunity", "amount": 5000, "at": day(11, 9).isoformat()},
        {"stage": "lost", "at": day(11, 20).isoformat()},
    )
    for source, amount in (("webinar", "3000"), ("ads", "1500")):  # marketing enters November's spend
        values = {
            Block.SPEND_MONTH: {Action.SPEND_MONTH: {"value": "2026-11"}},
            Block.SPEND_SOURCE: {Action.SPEND_SOURCE: {"value": source}},
            Block.SPEND_AMOUNT: {Action.SPEND_AMOUNT: {"value": amount}},
        }
        assert await app.submit(Callback.SPEND, MARKETER, "", values) == (200, "")
    await app.settle()
    return ids


async def funnel(app: Harness, text: str, user: str = OUTSIDER) -> tuple[int, dict[str, Any]]:
    body = sr.slash_command(
        user_id=user, command="/funnel", text=text, channel=LEADS,
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user),
        trigger_id=app.slack.issue_trigger_id(user),
    )  # fmt: skip
    status, answer = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    return status, json.loads(answer) if answer else {}


@pytest.fixture
async def seeded(start_app: StartApp) -> Harness:
    app = await start_app(team_config(sla=SLA))
    await seed(app)
    return app


async def test_funnel_this_month_pins_every_metric_and_shows_the_chart(seeded: Harness) -> None:
    app = seeded
    status, ack = await funnel(app, "")
    await app.settle()

    assert status == 200
    assert (ack["response_type"], ack["text"]) == ("ephemeral", "⏳ Crunching the funnel for this month…")
    [reply] = [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    assert reply["response_type"] == "ephemeral"
    shown = text_of(reply["blocks"])
    for fact in (
        "📊 Funnel — this month",
        "*MQLs*\n7 of 20 target (35%) ▲ 600%",  # 1 MQL in Oct 1-23 (L8; L9 came on Oct 25)
        "*Acceptance rate*\n50% (3 of 6 decided) ▼ 50 pts",  # L8 accepted: 1 of 1 before
        "*SAL → SQL → Opportunity → Won*\n3 → 2 → 2 → 1",
        "*Won revenue*\n$12,000 ▲ new · conversion 14%",  # 1 of 7
        "*Time to accept*\nmedian 30 min · p90 50 min",  # 10, 30, 50 min
        "*Time to first contact*\nmedian 3 h · p90 4 h",  # 2 h, 4 h
        "*SLA kept*\nAccept 83% · First contact 100%",  # accept: 5 of 6 (L6 late); L7 still running
        "*Velocity*\n10 days to won · $1,200/day",  # 2 opps × 50 % win × $12,000 ÷ 10 days
        "*Marketing-sourced*\npipeline $17,000 · revenue $12,000",
        "*Cost*\n$493 per MQL · CAC $3,450",  # ($3,000 + $1,500) × 23/30 = $3,450; ÷ 7; ÷ 1
        "Top rejection reason: *No budget or authority* (2 of 3 rejected)",
        "Nov 1 – Nov 23, 2026 · ▲▼ against Oct 1 – Oct 23, 2026 (October to the same day)",
    ):
        assert fact in shown, fact
    [image] = [b for b in reply["blocks"] if b["type"] == "image"]
    stored = app.slack.files[image["slack_file"]["id"]]
    assert stored.completed and stored.content and stored.content.startswith(b"\x89PNG")
    assert stored.channels == []  # uploaded without a channel: the ephemeral reply shows it
    assert image["alt_text"] == "Funnel: MQL 7 → SAL 3 → SQL 2 → Opportunity 2 → Won 1"


async def test_by_source_breaks_the_numbers_down_with_cost(seeded: Harness) -> None:
    await funnel(seeded, "this month by source")
    await seeded.settle()

    [reply] = [r for r in seeded.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    groups = [b["text"]["text"] for b in reply["blocks"] if b.get("block_id", "").startswith("funnel:group")]
    assert groups == [
        "*ads* — 3 MQLs · 0% accepted · 0 SQL · 0 won · $0 · $383/MQL · CAC —"
        "\n   top rejection: No budget or authority (2)",
        "*webinar* — 3 MQLs · 100% accepted · 2 SQL · 1 won · $12,000 · $767/MQL · CAC $2,300",
        "*seo* — 1 MQL · — accepted · 0 SQL · 0 won · $0",
    ]


async def test_by_rep_and_by_band_group_the_same_cohort(seeded: Harness) -> None:
    await funnel(seeded, "by rep")
    await seeded.settle()  # one at a time: two answers computed at once may arrive in either order
    await funnel(seeded, "by band")
    await seeded.settle()

    by_rep, by_band = [
        [b["text"]["text"].split(" — ")[0] + " " + b["text"]["text"].split(" — ")[1].split(" · ")[0]
         for b in r["blocks"] if b.get("block_id", "").startswith("funnel:group")]
        for r in seeded.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"
    ]  # fmt: skip
    assert by_rep == ["*not accepted* 4 MQLs", f"*<@{REP2}>* 2 MQLs", f"*<@{REP1}>* 1 MQL"]
    assert by_band == ["*unscored* 4 MQLs", "*cool (under 50)* 1 MQL", "*hot (80+)* 1 MQL", "*warm (50-79)* 1 MQL"]


async def test_share_posts_the_answer_to_the_channel(seeded: Harness) -> None:
    await funnel(seeded, "last 30d share")
    await seeded.settle()

    [post] = [c for c in seeded.slack.calls_to("chat.postMessage") if c.args.get("channel") == LEADS
              and "Funnel" in c.args.get("text", "")]  # fmt: skip
    assert "📊 Funnel — last 30 days" in text_of(post.args["blocks"])


async def test_help_lists_every_definition(app: Harness) -> None:
    status, ack = await funnel(app, "help")
    assert status == 200 and ack["response_type"] == "ephemeral"
    for name in ("MQLs", "Acceptance rate", "Time to accept", "Pipeline velocity", "Cost per MQL · CAC", "▲ / ▼"):
        assert f"*{name}*" in ack["text"]
    assert "*SQL*: Sales qualified: budget, authority, need and timeline confirmed by the rep (BANT)." in ack["text"]


@pytest.mark.parametrize("text", ["yesterday-ish", "by color", "2026-13", "2026-10-31..2026-10-01", "last 0d"])
async def test_unknown_words_get_the_usage_help_and_nothing_runs(app: Harness, text: str) -> None:
    status, ack = await funnel(app, text)
    await app.settle()
    assert status == 200
    assert ack["response_type"] == "ephemeral" and "*Usage:* `/funnel" in ack["text"]
    assert app.slack.calls_to("files.getUploadURLExternal") == []


async def test_words_it_does_not_know_are_quoted_back_escaped_and_nothing_is_logged_as_an_error(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    status, ack = await funnel(app, "<!channel> <https://evil.example|2026-13> `x`")
    assert status == 200
    assert "I don't know the period `&lt;!channel&gt; &lt;https://evil.example|2026-13&gt; 'x'`." in ack["text"]
    assert "<!channel>" not in json.dumps(ack) and [r for r in caplog.records if r.levelno >= logging.ERROR] == []


TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "unit"),
    [
        ("", date(2026, 11, 1), date(2026, 11, 24), "this month", "month"),
        ("last month", date(2026, 10, 1), date(2026, 11, 1), "last month", "month"),
        ("this week", date(2026, 11, 23), date(2026, 11, 24), "this week", "week"),
        ("last week", date(2026, 11, 16), date(2026, 11, 23), "last week", "week"),
        ("this quarter", date(2026, 10, 1), date(2026, 11, 24), "this quarter", "quarter"),
        ("last quarter", date(2026, 7, 1), date(2026, 10, 1), "last quarter", "quarter"),
        ("last 30d", date(2026, 10, 25), date(2026, 11, 24), "last 30 days", None),
        ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1), "2026-Q3", "quarter"),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1), "2026-Q4", "quarter"),
        ("2026-02", date(2026, 2, 1), date(2026, 3, 1), "February 2026", "month"),
        ("2026-10-01..2026-10-31", date(2026, 10, 1), date(2026, 11, 1), "Oct 1 – Oct 31, 2026", None),
    ],
)
def test_periods_parse_to_local_date_ranges(text: str, start: date, end: date, label: str, unit: str | None) -> None:
    assert parse_period(text, TODAY) == Period(label, start, end, unit)


def test_words_combine_in_any_order() -> None:
    query = parse_funnel("share by Campaign last month", TODAY)
    assert (query.period.label, query.dimension, query.share) == ("last month", "campaign", True)
    with pytest.raises(UserError, match="Usage"):
        parse_funnel("by", TODAY)
    assert parse_funnel("help", TODAY).help
    assert (parse_period("2026-10-01..2026-10-01", TODAY).end - timedelta(days=1)) == date(2026, 10, 1)


async def test_velocity_of_deals_won_within_a_day_uses_hours_and_a_one_day_floor(start_app: StartApp) -> None:
    """Two same-day wins: 6 h ($6,000) and 12 h ($4,000), and one lost opportunity. Opportunities 3, win rate 2/3,
    average deal $5,000, time to won (6 + 12) / 2 = 9 h. Velocity 3 × 2/3 × $5,000 ÷ max(9 h, 1 day) = $10,000/day
    (dividing by 0.375 days would claim $26,667/day; the old "0 days to won" divided by almost nothing)."""
    app = await start_app(team_config())
    for name, dom in (("V1", 2), ("V2", 3), ("V3", 4)):
        await lead(app, name, "webinar", day(11, dom))
    app.clock.set(START)
    await app.crm_moves("V1", {"stage": "won", "amount": 6000, "at": (day(11, 2) + timedelta(hours=6)).isoformat()})
    await app.crm_moves("V2", {"stage": "won", "amount": 4000, "at": (day(11, 3) + timedelta(hours=12)).isoformat()})
    await app.crm_moves(
        "V3",
        {"stage": "opportunity", "amount": 9000, "at": (day(11, 4) + timedelta(hours=1)).isoformat()},
        {"stage": "lost", "at": (day(11, 4) + timedelta(hours=2)).isoformat()},
    )

    await funnel(app, "")
    await app.settle()

    [reply] = [r for r in app.slack.responses if r.get("blocks")]
    assert "*Velocity*\n9 h to won · $10,000/day" in text_of(reply["blocks"])


def test_time_to_won_reads_in_hours_under_a_day_and_in_days_after() -> None:
    from bot.views.funnel import time_to_won

    assert [time_to_won(d) for d in (None, 0.0, 0.375, 1.0, 2.54, 10.4)] == [
        "— days to won", "0 s to won", "9 h to won", "1 day to won", "2.5 days to won", "10 days to won"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "status", "error"),
    [("files.getUploadURLExternal", 500, None), ("upload", 503, None),
     ("files.completeUploadExternal", 200, "invalid_arguments")],
)  # fmt: skip
async def test_a_chart_slack_cannot_take_still_answers_with_the_numbers(
    seeded: Harness, method: str, status: int, error: str | None
) -> None:
    seeded.slack.fail_next(method, status=status, error=error, times=3)
    await funnel(seeded, "")
    await seeded.settle()

    [reply] = [r for r in seeded.slack.responses if r.get("blocks")]
    shown = text_of(reply["blocks"])
    assert "*SAL → SQL → Opportunity → Won*\n3 → 2 → 2 → 1" in shown
    assert "The chart could not be attached: Slack did not take the upload. Every number above is complete." in shown
    assert [b for b in reply["blocks"] if b["type"] == "image"] == []
    assert not any("Something went wrong" in str(r.get("text")) for r in seeded.slack.responses)


@pytest.mark.parametrize(
    "counts", [[7, 3, 2, 2, 1], [5006, 1200, 1, 1, 0], [7, 3, 0, 0, 0], [0, 0, 0, 0, 0], [3, 3, 3, 3, 3]]
)  # [7, 3, 0, 0, 0]: "SQL  0" once sat white, centred on a hairline bar, and could not be seen
def test_every_chart_label_stays_legible_and_conversions_read_as_conversions(counts: list[int]) -> None:
    """Each stage's label sits inside its bar when it fits, else just right of it in dark text; nothing leaves the
    figure; the step labels say what share converted, not an arrow that reads like a drop."""
    from bot.views.funnel import STAGES, funnel_figure

    figure = funnel_figure(counts, "Funnel — this month")
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = figure.axes[0]
    bars = sorted(axes.patches, key=lambda p: -p.get_y())  # MQL on top
    texts = {t.get_text(): t for t in axes.texts}
    whole = figure.bbox
    for stage, count, bar in zip(STAGES, counts, bars, strict=True):
        label = texts[f"{stage}  {count:,}"]
        box, shape = label.get_window_extent(renderer), bar.get_window_extent(renderer)
        inside = shape.x0 <= box.x0 and box.x1 <= shape.x1
        assert inside or box.x0 >= shape.x1, (stage, box, shape)
        if not inside:
            assert label.get_color() == "#1d1d1d", stage
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1, stage
    steps = [t.get_text() for t in axes.texts if "convert" in t.get_text()]
    assert len(steps) == 4 and not any("↓" in s for s in steps)
    if counts == [7, 3, 2, 2, 1]:
        assert steps == ["43% converted", "67% converted", "100% converted", "50% converted"]
    for text in axes.texts:
        box = text.get_window_extent(renderer)
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1, text.get_text()


async def test_a_newline_in_a_campaign_cannot_forge_a_group_or_a_digest_line(app: Harness) -> None:
    """A campaign named "Evil\\n*Fake* — 999 MQLs" is one group in /funnel and one line in the digest."""
    forged = "\n*Fake* — 999 MQLs · 100% accepted"
    lead_id = await app.new_lead(external_id="nl", name="NL", campaign="Evil" + forged)
    await reject(app, lead_id, "Bad contact data")
    await funnel(app, "this month by campaign")
    await app.settle()
    [reply] = [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    groups = [b["text"]["text"] for b in reply["blocks"] if b.get("block_id", "").startswith("funnel:group")]
    assert groups == [
        "*Evil *Fake* — 999 MQLs · 100% accepted* — 1 MQL · 0% accepted · 0 SQL · 0 won · $0"
        "\n   top rejection: Bad contact data (1)"
    ]
    app.clock.set(datetime(2026, 11, 30, 15, tzinfo=UTC))  # Monday 09:00 CST: the digest of Nov 23-29
    await app.svc.digest.run()
    await app.settle()
    [digest] = [m for m in app.slack.messages[LEADS] if "Weekly digest" in m.text]
    assert "• Evil *Fake* — 999 MQLs · 100% accepted: Bad contact data (1 of 1 rejected)" in text_of(digest.blocks)
