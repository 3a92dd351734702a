"""The MQL bar recommendation, exactly as issue 15 defines it, on sets of leads worked out by hand.

Defaults: a cut qualifies when fewer than 25 % of its decided leads were accepted and it brought at most 5 % of the
won revenue; the smallest T (a multiple of 5) that cuts exactly the largest qualifying set is recommended.
"""

from __future__ import annotations

from bot.insight.bar import THIN, best_cut, recommend_bar
from bot.insight.facts import LeadFacts

ACCEPT, WON = 0.25, 0.05


def rejected(score: int | None, n: int = 1) -> list[LeadFacts]:
    return [LeadFacts(score=score, rejected=True, reject_reason="Bad fit") for _ in range(n)]


def accepted(score: int | None, n: int = 1, *, won_cents: int = 0) -> list[LeadFacts]:
    return [LeadFacts(score=score, accepted=True, won=bool(won_cents), won_cents=won_cents) for _ in range(n)]


def undecided(score: int | None, n: int = 1) -> list[LeadFacts]:
    return [LeadFacts(score=score) for _ in range(n)]


def test_a_gap_in_the_scores_recommends_the_first_multiple_of_5_above_the_highest_score_cut() -> None:
    """Scores 12 and 38 (both rejected) and 80 (accepted, won $10,000). T = 15…35 cut {12}; T = 40…80 cut {12, 38}
    (0 of 2 accepted, $0: qualifies); T = 85…100 add the 80 (1 of 3 = 33 %: fails). The largest set is {12, 38},
    and the smallest T that cuts exactly it is 40, not 15 (which cuts {12} only) nor 85."""
    leads = rejected(12) + rejected(38) + accepted(80, won_cents=1_000_000)

    advice = recommend_bar(leads, ACCEPT, WON)

    assert advice is not None
    assert (advice.threshold, advice.cut, advice.mqls, advice.accepted, advice.decided) == (40, 2, 3, 0, 2)
    assert advice.text() == (
        "Raise the MQL bar to 40: −67 % of MQLs, −0 % of won revenue (2 leads below it, 0 % accepted). "
        "The evidence is thin: fewer than 30 leads would be cut"
    )


def test_when_only_the_lower_set_qualifies_its_own_smallest_threshold_is_recommended() -> None:
    """The 38 accepted: {12, 38} is 1 of 2 = 50 % accepted and fails; {12} (T = 15…35) qualifies: T = 15."""
    leads = rejected(12) + accepted(38) + accepted(80)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None and (advice.threshold, advice.cut) == (15, 1)


def test_the_largest_qualifying_set_wins_even_past_a_set_that_fails() -> None:
    """10 rejected; 30 accepted; three 50s rejected; 70 accepted. Below 15…30: {10}, 0 % (qualifies). Below 35…50:
    {10, 30}, 50 % (fails). Below 55…70: five leads, 1 of 5 = 20 % (qualifies). Below 75…100: six, 2 of 6 = 33 %
    (fails). The largest qualifying set is the five: T = 55."""
    leads = rejected(10) + accepted(30) + rejected(50, 3) + accepted(70)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None
    assert (advice.threshold, advice.cut, advice.accepted, advice.decided) == (55, 5, 1, 5)
    assert advice.text().startswith(
        "Raise the MQL bar to 55: −83 % of MQLs, −0 % of won revenue (5 leads below it, 20 % accepted)"
    )


def test_unscored_leads_are_never_cut_but_count_among_the_mqls() -> None:
    """40 unscored (rejected), 30 scoring 20 (rejected), 10 scoring 80 (accepted). Below 25…80: the 30, 0 % accepted.
    Below 85…100: 40 leads, 10 of 40 = 25 %, not fewer than 25 %: fails. T = 25 cuts 30 of 80 MQLs (37.5 %), and
    is not thin: 30 leads are not fewer than 30."""
    leads = rejected(None, 40) + rejected(20, 30) + accepted(80, 10)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None
    assert (advice.threshold, advice.cut, advice.mqls, advice.thin) == (25, 30, 80, False)
    assert (
        advice.text() == "Raise the MQL bar to 25: −38 % of MQLs, −0 % of won revenue (30 leads below it, 0 % accepted)"
    )


def test_thin_evidence_below_30_leads_cut() -> None:
    leads = rejected(20, THIN - 1) + accepted(80, 10)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None and advice.cut == 29 and advice.thin
    assert advice.text().endswith("The evidence is thin: fewer than 30 leads would be cut")


def test_no_recommendation_when_every_candidate_set_fails() -> None:
    """Every low scorer was accepted: no threshold's set is under 25 % accepted."""
    leads = accepted(10) + accepted(35) + rejected(35) + accepted(60) + accepted(95)
    assert best_cut(leads, ACCEPT, WON) is None
    assert recommend_bar(leads, ACCEPT, WON) is None


def test_a_set_nobody_decided_does_not_qualify() -> None:
    """10 and 20 undecided: no acceptance rate, so nothing says sales does not want them; with the 90 (accepted)
    the set is 1 of 1 accepted. No recommendation."""
    leads = undecided(10) + undecided(20) + accepted(90)
    assert recommend_bar(leads, ACCEPT, WON) is None


def test_the_won_revenue_share_is_at_most_5_percent_inclusive() -> None:
    """20 rejected at 10; one won at 15 for $5,000; one won at 90 for $95,000. Below 20…90: 21 leads, 1 of 21
    accepted (4.8 %), $5,000 of $100,000 = 5 %: qualifies (at most 5 %): T = 20. At $6,000 of $101,000 (5.9 %) it
    fails and only the 20 at 10 qualify: T = 15."""
    leads = rejected(10, 20) + accepted(15, won_cents=500_000) + accepted(90, won_cents=9_500_000)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None and (advice.threshold, advice.cut) == (20, 21)
    assert "bar to 20: −95 % of MQLs, −5 % of won revenue (21 leads below it, 4 % accepted)" in advice.text()

    dearer = rejected(10, 20) + accepted(15, won_cents=600_000) + accepted(90, won_cents=9_500_000)
    advice = recommend_bar(dearer, ACCEPT, WON)
    assert advice is not None and (advice.threshold, advice.cut) == (15, 20)


def test_no_won_revenue_at_all_is_a_zero_share() -> None:
    """0 of 0 won revenue counts as 0 %: the cut loses none. Three 30s rejected, a 70 accepted (not won): below
    35…70 the three qualify; below 75 the four are 1 of 4 = 25 % accepted and fail. An undecided 50 joins the three
    without changing their rate (0 of 3 decided): T = 55."""
    leads = rejected(30, 3) + accepted(70) + undecided(50)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None and (advice.threshold, advice.cut, advice.won_share) == (55, 4, 0.0)


def test_no_recommendation_when_the_current_bar_already_cuts_the_set() -> None:
    leads = rejected(None, 40) + rejected(20, 30) + accepted(80, 10)
    assert recommend_bar(leads, ACCEPT, WON, current_bar=25) is None
    assert recommend_bar(leads, ACCEPT, WON, current_bar=30) is None
    advice = recommend_bar(leads, ACCEPT, WON, current_bar=24)
    assert advice is not None and (advice.threshold, advice.current_bar) == (25, 24)
    assert (
        best_cut(
            leads,
            ACCEPT,
            WON,
        )
        is not None
    )  # what the answer says the current bar already does


def test_the_settings_change_the_answer() -> None:
    """At 50 %, {10, 30} (1 of 2 = 50 %) still fails, the five (20 %) and the six (33 %) qualify: T = 75."""
    leads = rejected(10) + accepted(30) + rejected(50, 3) + accepted(70)
    advice = recommend_bar(leads, 0.5, WON)
    assert advice is not None and (advice.threshold, advice.cut) == (75, 6)


def test_no_leads_no_recommendation_and_a_score_of_100_is_never_cut() -> None:
    assert recommend_bar([], ACCEPT, WON) is None
    assert recommend_bar(rejected(100, 50), ACCEPT, WON) is None  # T = 100 cuts scores below 100 only


def test_the_acceptance_shown_is_rounded_down_so_it_stays_under_the_setting() -> None:
    """57 leads at 10: 14 accepted, 43 rejected = 24.56 %, under 25 %: shown as 24 %, not rounded to 25 %."""
    leads = accepted(10, 14) + rejected(10, 43) + accepted(80)
    advice = recommend_bar(leads, ACCEPT, WON)
    assert advice is not None and (advice.threshold, advice.cut, advice.accepted) == (15, 57, 14)
    assert "(57 leads below it, 24 % accepted)" in advice.text()
