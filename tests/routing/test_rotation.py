"""The rotation's choice (bot.routing.rotation), property-tested: it is our own pure function, called directly.

A rep's share is the sum, over the leads routed while they were available, of their weight over the total weight
available then; the rotation keeps their count of leads within one of it while who is available stays the same, and
keeps the books exact across aways and backs."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.routing.rotation import SCALE, Seat, parts, take_turn

REPS = [f"U0REP{n:05d}" for n in range(8)]

weights_st = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=8)


def seats_of(weights: list[int]) -> list[Seat]:
    return [Seat(REPS[i], weight) for i, weight in enumerate(weights)]


@given(weights=weights_st, leads=st.integers(min_value=1, max_value=120))
@settings(max_examples=300, deadline=None)
def test_while_the_same_reps_are_available_each_stays_within_one_lead_of_their_share(
    weights: list[int], leads: int
) -> None:
    seats = seats_of(weights)
    total = sum(weights)
    counts = dict.fromkeys(REPS[: len(weights)], 0)
    for n in range(1, leads + 1):
        turn = take_turn(seats, set(counts))
        assert turn.chosen is not None
        counts[turn.chosen] += 1
        seats = list(turn.seats)
        for i, weight in enumerate(weights):
            assert abs(counts[REPS[i]] - Fraction(n * weight, total)) < 1, (weights, n, counts)


@given(reps=st.integers(min_value=2, max_value=8), leads=st.integers(min_value=2, max_value=60))
@settings(max_examples=100, deadline=None)
def test_round_robin_never_gives_two_in_a_row_and_goes_round_in_order(reps: int, leads: int) -> None:
    seats = seats_of([1] * reps)
    chosen = []
    for _ in range(leads):
        turn = take_turn(seats, set(REPS[:reps]))
        chosen.append(turn.chosen)
        seats = list(turn.seats)
    assert chosen == [REPS[i % reps] for i in range(leads)]


steps_st = st.lists(
    st.one_of(
        st.just(("lead", 0)),
        st.tuples(st.just("away"), st.integers(min_value=0, max_value=7)),
        st.tuples(st.just("back"), st.integers(min_value=0, max_value=7)),
    ),
    max_size=150,
)


@given(weights=weights_st, steps=steps_st)
@settings(max_examples=400, deadline=None)
def test_any_sequence_of_leads_aways_and_backs_keeps_exact_books(
    weights: list[int], steps: list[tuple[str, int]]
) -> None:
    """Whatever happens: an away rep is never chosen, someone available always is, and every rep's credit is exactly
    their share minus their leads (so the credits sum to zero: nothing drifts)."""
    seats = seats_of(weights)
    pool = REPS[: len(weights)]
    away: set[str] = set()
    counts = dict.fromkeys(pool, 0)
    shares = dict.fromkeys(pool, Fraction(0))
    for what, who in steps:
        rep = REPS[who % len(weights)]
        if what == "away":
            away.add(rep)
            continue
        if what == "back":
            away.discard(rep)
            continue
        available = [r for r in pool if r not in away]
        turn = take_turn(seats, set(available))
        if not available:
            assert turn.chosen is None and list(turn.seats) == seats
            continue
        assert turn.chosen in available
        total = sum(weights[pool.index(r)] for r in available)
        for r in available:
            shares[r] += Fraction(weights[pool.index(r)], total)
        counts[turn.chosen] += 1
        seats = list(turn.seats)
        assert sum(seat.credit for seat in seats) == 0
        for seat in seats:
            assert Fraction(seat.credit, SCALE) == shares[seat.user_id] - counts[seat.user_id]


@given(weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=200))
def test_a_lead_splits_into_parts_that_add_up_exactly(weights: list[int]) -> None:
    split = parts(weights)
    assert sum(split) == SCALE
    total = sum(weights)
    assert all(abs(part - Fraction(SCALE * w, total)) < 1 for part, w in zip(split, weights, strict=True))


@given(weights=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=3), steps=steps_st)
@settings(max_examples=1500, deadline=None, derandomize=True)
def test_with_up_to_three_reps_any_sequence_of_leads_aways_and_backs_keeps_each_within_one_lead(
    weights: list[int], steps: list[tuple[str, int]]
) -> None:
    """The fairness property as the issue states it: each rep's count within one lead of their share (the sum, over
    the leads routed while they were available, of weight / total weight available). Checked for pools of up to
    three reps; with four or more no rotation can promise it (the next test)."""
    seats = seats_of(weights)
    pool = REPS[: len(weights)]
    away: set[str] = set()
    for what, who in steps:
        rep = REPS[who % len(weights)]
        if what == "lead":
            seats = list(take_turn(seats, {r for r in pool if r not in away}).seats)
            assert all(abs(Fraction(seat.credit, SCALE)) < 1 for seat in seats), (weights, steps)
        elif what == "away":
            away.add(rep)
        else:
            away.discard(rep)


def test_with_four_reps_no_rotation_keeps_everyone_within_one_lead_across_aways() -> None:
    """Four reps, equal weights: whoever gets a lead leaves. After three leads the rep left was owed
    1/4 + 1/3 + 1/2 = 13/12 leads and got none, whatever the rotation chose: no rule can avoid it. Once everyone is
    back, the rotation pays that debt first."""
    seats = seats_of([1, 1, 1, 1])
    here = set(REPS[:4])
    for _ in range(3):
        turn = take_turn(seats, here)
        seats = list(turn.seats)
        assert turn.chosen is not None
        here.discard(turn.chosen)
    [left] = here
    assert Fraction(next(s.credit for s in seats if s.user_id == left), SCALE) == Fraction(13, 12)
    assert take_turn(seats, set(REPS[:4])).chosen == left
