"""The rotation's choice, a pure function of the pool's standing: who gets the next lead.

Each rep has a credit: how many leads the rotation owes them, in units of 1/SCALE of a lead (integers: no float
drift however long it runs). Every lead routed is one lead shared among the reps available at that moment, each
owed `weight / total weight available`; the one chosen is charged a whole lead. So a rep's credit is exactly their
share so far minus the leads they got, the credits of a pool always sum to zero, and a rep away is neither owed
nor charged while away.

Who is chosen: among the available reps owed something (credit above zero), the one who would be owed a whole
lead soonest at the current shares, `(SCALE - credit) / weight` (earliest deadline first); ties go to the one owed
more, then to the order of the pool. With equal weights that is plain round robin; with weights it is a smooth
weighted rotation: while the available reps stay the same, every rep stays within one lead of their share over any
number of leads. Across aways no rotation can promise that (see the README's Routing section); this one never
charges a rep for leads shared while they were away.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction

# Divisible by every total weight up to 40, so each rep's part of a lead is exact; above that the parts are rounded
# (largest remainder) so they still add up to exactly one lead, and a rep's rounding is under 2e-16 of a lead.
SCALE = math.lcm(*range(1, 41))


@dataclass(frozen=True)
class Seat:
    """One rep's standing in a pool: `weight` (1 unless weighted) and `credit` (1/SCALE leads owed)."""

    user_id: str
    weight: int
    credit: int = 0


@dataclass(frozen=True)
class Turn:
    chosen: str | None  # None: nobody in the pool is available
    seats: tuple[Seat, ...]  # every seat's new credit, in the pool's order


def parts(weights: Sequence[int]) -> list[int]:
    """One lead (SCALE) split by weight, exactly: the parts sum to SCALE."""
    total = sum(weights)
    exact = [SCALE * weight // total for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(SCALE * weights[i] % total), i))
    for i in remainders[: SCALE - sum(exact)]:
        exact[i] += 1
    return exact


def take_turn(seats: Sequence[Seat], available: Collection[str]) -> Turn:
    """Share one lead among the seats whose rep is `available` and choose who gets it."""
    here = [i for i, seat in enumerate(seats) if seat.user_id in available]
    if not here:
        return Turn(None, tuple(seats))
    credits = [seat.credit for seat in seats]
    for i, part in zip(here, parts([seats[i].weight for i in here]), strict=True):
        credits[i] += part
    owed = [i for i in here if credits[i] > 0] or here  # never empty: the parts just added sum to one lead

    def deadline(i: int) -> tuple[Fraction, int, int]:
        return Fraction(SCALE - credits[i], seats[i].weight), -credits[i], i

    chosen = min(owed, key=deadline)
    credits[chosen] -= SCALE
    return Turn(
        seats[chosen].user_id,
        tuple(Seat(seat.user_id, seat.weight, credit) for seat, credit in zip(seats, credits, strict=True)),
    )
