"""Marketing spend: the CSV import and the /funnel spend modal (managers and marketing only)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.ids import Block, Callback
from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import MARKETER, REP1, Harness
from tests.databases import fetch
from tests.reports.test_funnel import funnel


async def test_spend_import_stores_valid_rows_and_lists_bad_lines(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "spend.csv").write_text(
        'month,source,amount\n2026-10,webinar,"3,000.00"\n2026-11,ads,$1500\n2026-13,ads,10\n2026-11,seo,-5\n'
        "2026-11,webinar,12.345\n2026-11,ads,1750\n"
    )
    env = {**GOOD_ENV, "DATABASE_URL": db_url}

    result = run_handoff(tmp_path, env, "spend", "import", "spend.csv")

    assert result.returncode == 1, result.stderr
    assert "2 added, 0 replaced, 0 unchanged, 3 rejected" in result.stderr
    for line in ("line 4: month: '2026-13' is not a month", "line 5: amount: '-5' must be a positive amount",
                 "line 6: amount: '12.345' must be a positive amount"):  # fmt: skip
        assert line in result.stderr
    rows = await fetch(db_url, "SELECT month, source, amount_cents FROM spend ORDER BY month, source")
    assert [(str(month), source, cents) for month, source, cents in rows] == [
        ("2026-10-01", "webinar", 300000),
        ("2026-11-01", "ads", 175000),
    ]  # the later ads row wins


async def test_spend_import_names_an_unquoted_thousands_comma_and_says_what_an_identical_reimport_changed(
    tmp_path: Path, db_url: str
) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "spend.csv").write_text(
        'month,source,amount\n2026-10,webinar,"3,000.00"\n2026-11,ads,$1,000\n2026-11,seo,250\n2026-11,events,90\n'
    )
    env = {**GOOD_ENV, "DATABASE_URL": db_url}

    first = run_handoff(tmp_path, env, "spend", "import", "spend.csv")
    (tmp_path / "spend.csv").write_text(
        "month,source,amount\n2026-10,webinar,3000\n2026-11,seo,250\n2026-11,events,95\n"
    )
    again = run_handoff(tmp_path, env, "spend", "import", "spend.csv")

    assert first.returncode == 1
    assert "3 added, 0 replaced, 0 unchanged, 1 rejected" in first.stderr
    assert 'line 3: amount: "$1" then "000": a value with a comma must be quoted ("$1,000")' in first.stderr
    assert again.returncode == 0, again.stderr
    assert "0 added, 1 replaced, 2 unchanged, 0 rejected" in again.stderr
    rows = await fetch(db_url, "SELECT source, amount_cents FROM spend ORDER BY source")
    assert rows == [("events", 9500), ("seo", 25000), ("webinar", 300000)]


async def test_marketing_enters_spend_in_a_modal_and_funnel_shows_its_cost(app: Harness) -> None:
    await app.new_lead(external_id="a-1", source="ads")
    await app.new_lead(external_id="a-2", source="ads")

    await funnel(app, "spend", user=REP1)  # a rep may read the funnel but not enter spend
    await app.settle()
    assert "Only managers and marketing can enter spend" in app.slack.responses[-1]["text"]
    assert app.slack.calls_to("views.open") == []

    status, ack = await funnel(app, "spend", user=MARKETER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    assert (status, ack) == (200, {})
    assert opened.args["view"]["callback_id"] == Callback.SPEND

    def form(month: str, source: str, amount: str) -> dict[str, dict[str, object]]:
        return {
            Block.SPEND_MONTH: {"spend_month_input": {"type": "plain_text_input", "value": month}},
            Block.SPEND_SOURCE: {"spend_source_input": {"type": "plain_text_input", "value": source}},
            Block.SPEND_AMOUNT: {"spend_amount_input": {"type": "plain_text_input", "value": amount}},
        }

    _, bad = await app.submit(Callback.SPEND, MARKETER, "", form("2026-11", "ads", "lots"))
    assert json.loads(bad)["errors"] == {Block.SPEND_AMOUNT: "'lots' is not an amount: write it like 1,250.00"}
    status, good = await app.submit(Callback.SPEND, MARKETER, "", form("2026-11", "ads", "600"))
    assert (status, good) == (200, "")

    await funnel(app, "by source")
    await app.settle()
    [reply] = [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    # $600 × 23/30 days of November so far = $460, over 2 MQLs
    assert "*ads* — 2 MQLs · — accepted · 0 SQL · 0 won · $0 · $230/MQL · CAC —" in json.dumps(
        reply, ensure_ascii=False
    )


async def test_the_spend_modal_offers_lead_sources_matches_their_case_warns_and_confirms(app: Harness) -> None:
    from tests.conftest import LEADS, text_of

    for ext, source in (("s-1", "Webinar"), ("s-2", "Webinar"), ("s-3", "ads")):
        await app.new_lead(external_id=ext, source=source)
    await funnel(app, "spend", user=MARKETER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    view = opened.args["view"]
    assert "Sources leads carry: Webinar · ads" in text_of(view["blocks"])

    def form(source: str, amount: str) -> dict[str, dict[str, object]]:
        return {
            Block.SPEND_MONTH: {"spend_month_input": {"type": "plain_text_input", "value": "2026-11"}},
            Block.SPEND_SOURCE: {"spend_source_input": {"type": "plain_text_input", "value": source}},
            Block.SPEND_AMOUNT: {"spend_amount_input": {"type": "plain_text_input", "value": amount}},
        }

    for source, amount in (("webinar", "600"), (" WEBINAR ", "700"), ("podcast", "100")):
        assert await app.submit(Callback.SPEND, MARKETER, view["private_metadata"], form(source, amount)) == (200, "")
        await app.settle()

    rows = await fetch_spend(app)
    assert rows == [("2026-11-01", "Webinar", 70000), ("2026-11-01", "podcast", 10000)]  # one Webinar, not two
    said = [m.text for m in app.slack.ephemerals.get(MARKETER, []) if m.channel == LEADS]
    assert said == [
        "✅ Saved $600 of November 2026 spend for *Webinar* (written as leads carry it).",
        "✅ Saved $700 of November 2026 spend for *Webinar* (written as leads carry it), replacing $600.",
        "✅ Saved $100 of November 2026 spend for *podcast*.\n⚠️ No MQL has come from *podcast* yet, so it shows "
        "no cost per MQL: leads carry the sources Webinar, ads.",
    ]


async def fetch_spend(app: Harness) -> list[tuple[str, str, int]]:
    from sqlalchemy import select

    from storage.models import Spend

    async with app.svc.db.session() as session:
        rows = await session.execute(select(Spend.month, Spend.source, Spend.amount_cents).order_by(Spend.source))
        return [(str(m), s, int(c)) for m, s, c in rows]
