"""Speed to lead and the tables, on leads worked out by hand (pure functions: no app needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.insight.facts import BANDS, LeadFacts, band_of, by_band, by_campaign, rejections_by_campaign, top_reasons
from bot.insight.speed import speed_to_lead

T0 = datetime(2026, 11, 2, 15, tzinfo=UTC)


def contacted(after: timedelta | None, *, won: bool = False, lost: bool = False, sql: bool = False) -> LeadFacts:
    return LeadFacts(
        accepted=True, received_at=T0, contacted_at=None if after is None else T0 + after, won=won, lost=lost,
        reached_sql=sql or won, won_cents=100_00 if won else 0,
    )  # fmt: skip


def test_each_time_to_first_contact_falls_in_its_bucket_at_the_edges() -> None:
    edges = [timedelta(minutes=4, seconds=59), timedelta(minutes=5), timedelta(minutes=59, seconds=59),
             timedelta(hours=1), timedelta(hours=23, minutes=59), timedelta(hours=24), None]  # fmt: skip
    report = speed_to_lead([contacted(after) for after in edges])
    assert [(b.name, b.leads) for b in report.buckets] == [
        ("under 5 min", 1), ("5–60 min", 2), ("1–24 h", 2), ("over 24 h", 1), ("never", 1),
    ]  # fmt: skip


def test_the_fastest_bucket_is_won_3_1_times_as_often_as_the_slowest() -> None:
    """Within 5 min: 5 won, 3 lost, 2 open (10 leads, 6 reached SQL counting the 5 won). Never: 2 won, 8 lost.
    62.5 % ÷ 20 % = 3.125. 1–24 h has leads but none closed: it is no end of the comparison, and is shown as is."""
    five = timedelta(minutes=2)
    leads = (
        [contacted(five, won=True)] * 5 + [contacted(five, lost=True)] * 3 + [contacted(five, sql=True)]
        + [contacted(five)] + [contacted(timedelta(hours=3))] * 2
        + [contacted(None, won=True)] * 2 + [contacted(None, lost=True)] * 8
    )  # fmt: skip
    report = speed_to_lead(leads)
    fast = report.bucket("under 5 min")
    assert (fast.leads, fast.won, fast.closed, fast.sqls, fast.win_rate, fast.sql_rate) == (10, 5, 8, 6, 0.625, 0.6)
    assert report.bucket("1–24 h").win_rate is None and report.bucket("5–60 min").leads == 0
    assert report.ratio == 3.125
    assert report.text() == (
        "Contacted within 5 min: won 3.1× as often as those never contacted (5 won of 8 closed, against 2 won of 10 "
        "closed)."
    )


def test_a_slowest_bucket_that_won_nothing_gives_no_ratio_and_says_so() -> None:
    leads = [contacted(timedelta(minutes=20), won=True), contacted(timedelta(days=2), lost=True)]
    report = speed_to_lead(leads)
    assert report.ratio is None
    assert report.text() == (
        "Contacted in 5–60 min: 1 won of 1 closed; contacted after 24 h: none won of 1 closed, so no ratio."
    )


def test_a_fastest_bucket_that_won_nothing_is_said_in_words_too() -> None:
    report = speed_to_lead([contacted(timedelta(minutes=1), lost=True), contacted(None, won=True)])
    assert report.ratio == 0.0
    assert report.text() == "Contacted within 5 min: none won of 1 closed; never contacted: 1 won of 1 closed."


def test_no_wins_on_either_side_and_too_few_closed_buckets_are_said_in_words() -> None:
    both_lost = speed_to_lead([contacted(timedelta(minutes=1), lost=True), contacted(None, lost=True)])
    assert both_lost.ratio is None
    assert both_lost.text().startswith("None won, contacted within 5 min or never contacted")
    one = speed_to_lead([contacted(timedelta(minutes=1), won=True), contacted(timedelta(minutes=2))])
    assert (one.fastest, one.ratio) == (None, None)
    assert one.text().startswith("Not enough closed leads to compare")
    assert speed_to_lead([]).leads == 0


def test_only_accepted_leads_tracked_in_handoff_count() -> None:
    """A rejected lead and an undecided one were never accepted; an imported (history) lead's contact was never
    tracked: none of them is in a bucket."""
    leads = [
        LeadFacts(rejected=True, received_at=T0),
        LeadFacts(received_at=T0),
        LeadFacts(accepted=True, won=True, won_cents=5, received_at=T0, history=True),
        contacted(timedelta(minutes=1)),
    ]
    report = speed_to_lead(leads)
    assert [b.leads for b in report.buckets] == [1, 0, 0, 0, 0]


def test_bands_are_ten_points_wide_with_100_in_the_top_band_and_unscored_last() -> None:
    assert BANDS[0] == "0-9" and BANDS[-1] == "90-100" and len(BANDS) == 10
    assert [band_of(s) for s in (0, 9, 10, 89, 90, 100, None)] == [
        "0-9", "0-9", "10-19", "80-89", "90-100", "90-100", "unscored",
    ]  # fmt: skip
    leads = [LeadFacts(score=None), LeadFacts(score=95), LeadFacts(score=3, rejected=True)]
    assert [t.group for t in by_band(leads)] == ["0-9", "90-100", "unscored"]


def test_campaign_tables_use_funnel_definitions_and_rank_rejections() -> None:
    """Webinar: 1 accepted, 2 rejected (1 "No budget", 1 without a reason), 1 won of 2 closed. Ads: 1 rejected."""
    leads = [
        LeadFacts(campaign="Webinar", accepted=True, won=True, won_cents=120_000),
        LeadFacts(campaign="Webinar", accepted=True, lost=True),
        LeadFacts(campaign="Webinar", rejected=True, reject_reason="No budget"),
        LeadFacts(campaign="Webinar", rejected=True),
        LeadFacts(campaign=None, rejected=True, reject_reason="Student"),
        LeadFacts(campaign=None),
    ]
    webinar, none = by_campaign(leads)
    assert (webinar.group, webinar.mqls, webinar.accept_rate, webinar.win_rate, webinar.won_cents) == (
        "Webinar", 4, 0.5, 0.5, 120_000,
    )  # fmt: skip
    assert (none.group, none.mqls, none.accept_rate, none.win_rate) == ("no campaign", 2, 0.0, None)
    assert [(t.group, top_reasons(t)) for t in rejections_by_campaign(leads)] == [
        ("Webinar", [("No budget", 1), ("not given", 1)]), ("no campaign", [("Student", 1)]),
    ]  # fmt: skip
