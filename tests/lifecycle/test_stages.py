"""The lifecycle table: the moves it allows and the clocks it starts and stops, checked against hand-written rules."""

from __future__ import annotations

import pytest

from bot.ids import MOVE_BUTTONS
from bot.lifecycle.stages import LIFECYCLE, MOVE_TARGETS, OPEN, OWNED, Need, Stage, move_problem, starting, stopping

S = Stage
# Every move the product allows, written out by hand: from an open stage, forward, or out to lost/recycled.
ALLOWED_FROM_CRM = {
    S.MQL: {S.SQL, S.OPPORTUNITY, S.WON, S.LOST, S.RECYCLED},
    S.SAL: {S.SQL, S.OPPORTUNITY, S.WON, S.LOST, S.RECYCLED},
    S.SQL: {S.OPPORTUNITY, S.WON, S.LOST, S.RECYCLED},
    S.OPPORTUNITY: {S.WON, S.LOST, S.RECYCLED},
}


@pytest.mark.parametrize("previous", list(Stage))
@pytest.mark.parametrize("to", MOVE_TARGETS)
def test_the_table_allows_exactly_the_moves_of_the_lifecycle(previous: Stage, to: Stage) -> None:
    from_crm = move_problem(previous, to, from_slack=False) is None
    from_slack = move_problem(previous, to, from_slack=True) is None
    assert from_crm == (to in ALLOWED_FROM_CRM.get(previous, set()))
    assert from_slack == (from_crm and previous != S.MQL)  # Slack moves start from an accepted lead


def test_a_refused_move_says_why_in_words() -> None:
    assert move_problem(S.WON, S.LOST, from_slack=False) == "This lead is won: it cannot move to lost."
    assert move_problem(S.OPPORTUNITY, S.SQL, from_slack=False) == "A lead cannot move back from opportunity to sql."
    assert move_problem(S.SQL, S.SQL, from_slack=True) == "This lead is already sql."
    assert move_problem(S.MQL, S.SQL, from_slack=True) == "Accept the lead first: moves start from an accepted lead."


def test_each_move_asks_for_what_it_records() -> None:
    assert {to: LIFECYCLE[to].needs for to in MOVE_TARGETS} == {
        S.SQL: Need.BANT, S.OPPORTUNITY: Need.AMOUNT, S.WON: Need.AMOUNT, S.LOST: Need.LOST_REASON, S.RECYCLED: None,
    }  # fmt: skip
    assert set(MOVE_BUTTONS.values()) == set(MOVE_TARGETS)
    assert OPEN == (S.MQL, S.SAL, S.SQL, S.OPPORTUNITY)
    assert OWNED == (S.SAL, S.SQL, S.OPPORTUNITY)


@pytest.mark.parametrize(
    ("previous", "to", "stops"),
    [
        (S.MQL, S.SAL, {("accept", False)}),  # accepted: the accept clock is met (or missed)
        (S.MQL, S.REJECTED, {("accept", False)}),
        (S.MQL, S.WON, {("accept", False)}),  # the CRM skipped every step
        (S.SAL, S.SQL, {("first_touch", False), ("follow_up", False)}),  # qualifying implies the contact happened
        (S.SAL, S.LOST, {("first_touch", True), ("follow_up", True)}),  # closing ends them: neither met nor missed
        (S.SAL, S.RECYCLED, {("first_touch", True), ("follow_up", True)}),
        (S.SQL, S.WON, set()),
        (S.OPPORTUNITY, S.LOST, set()),
    ],
)
def test_a_move_stops_the_clocks_of_the_stages_it_leaves(previous: Stage, to: Stage, stops: set[object]) -> None:
    assert set(stopping(previous, to)) == stops


def test_only_an_accepted_lead_starts_a_clock_for_its_owner() -> None:
    assert {stage: starting(stage) for stage in Stage if starting(stage)} == {S.SAL: ("follow_up", "first_touch")}
