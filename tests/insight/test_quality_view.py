"""The `/funnel quality` answer stays valid Block Kit within Slack's limits, and inert, with the most and the most
hostile data: 40 campaigns and sources whose names are long markup, hostile rejection reasons, every band."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.insight.facts import LeadFacts
from bot.insight.quality import quality_of
from bot.reports.periods import parse_funnel
from bot.views.quality import MAX_ROWS, quality_view
from sandbox.blocks import validate_blocks
from tests.conftest import team_config
from tests.views.test_templates import HOSTILE, RENDERER, assert_inert

T0 = datetime(2026, 11, 2, 15, tzinfo=UTC)


def hostile_leads() -> list[LeadFacts]:
    leads = []
    for i in range(400):
        name = (HOSTILE * 3)[:190] + str(i % 40)
        leads.append(
            LeadFacts(
                score=None if i % 11 == 0 else i % 101, source=name, campaign=name, accepted=i % 3 == 0,
                rejected=i % 3 == 1, reject_reason=(HOSTILE * 2)[:99] + str(i % 7), reached_sql=i % 6 == 0,
                won=i % 6 == 0, lost=i % 6 == 3, won_cents=10**12 if i % 6 == 0 else 0, received_at=T0,
                contacted_at=T0 + timedelta(minutes=i * 7) if i % 5 else None,
            )
        )  # fmt: skip
    return leads


def test_the_quality_answer_is_valid_bounded_and_inert_with_hostile_data() -> None:
    query = parse_funnel("quality", date(2026, 11, 23))
    report = quality_of(hostile_leads(), team_config(), query.period)
    message = RENDERER.render("ephemeral/quality.json.j2", view=quality_view(report))

    assert validate_blocks(message["blocks"], surface="message") == []
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    by_campaign = next(b for b in message["blocks"] if b["block_id"] == "quality:table3")["text"]["text"]
    assert by_campaign.count("\n• ") == MAX_ROWS and by_campaign.endswith("_…and 30 more_")
    assert_inert(message)


def test_no_qualifying_set_says_no_change_and_why() -> None:
    """Every low scorer accepted: nothing to cut; the answer names the rule it applied."""
    query = parse_funnel("quality last quarter", date(2026, 11, 23))
    leads = [LeadFacts(score=10, accepted=True), LeadFacts(score=90, rejected=True)]
    view = quality_view(quality_of(leads, team_config(), query.period))
    assert view.bar == (
        "*The MQL bar*\nNo change: no set of low scorers qualifies.\nCurrent bar: 0 ([sla.mql] min_score); a cut "
        "qualifies when fewer than 25% of its decided leads were accepted and it brought at most 5% of won revenue "
        "([insight])."
    )
    assert view.fallback == "Lead quality last quarter: 2 MQLs; no change to the MQL bar"
