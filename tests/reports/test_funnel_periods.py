"""What `/funnel`'s ▲/▼ compare with. A calendar period so far (this month, this quarter, this week) is compared
with the period before *to the same day* (Dec 1 with Nov 1, Mar 31 with all of February: a day past the end of the
shorter month is its last day); a whole calendar period with the whole one before; a run of days with as many days
just before. The footer names the comparison in words. Leads arrive at 09:00 Chicago time on the days listed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.ids import Action
from bot.reports.periods import Period, parse_period
from tests.conftest import REP1, Harness, StartApp, text_of
from tests.reports.test_funnel import funnel


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)  # 09:00 CST / 10:00 CDT


async def leads_on(app: Harness, *days: tuple[date, int]) -> list[int]:
    """`n` MQLs on each day; their ids."""
    ids = []
    for day, n in days:
        app.clock.set(at(day))
        for i in range(n):
            ids.append(await app.new_lead(external_id=f"{day}-{i}", name=f"Buyer {day} {i}"))
    return ids


async def answer(app: Harness, today: date, text: str) -> tuple[dict[str, str], str]:
    """/funnel `text` asked at 09:00 on `today`: its headline fields by name, and its footer."""
    app.clock.set(at(today))
    before = len(app.slack.responses)
    await funnel(app, text)
    await app.settle()
    [reply] = [r for r in app.slack.responses[before:] if r.get("blocks")]
    blocks: list[dict[str, Any]] = reply["blocks"]
    [fields] = [b["fields"] for b in blocks if b.get("block_id") == "funnel:fields"]
    named = dict(f["text"].split("\n", 1) for f in fields)
    [footer] = [b for b in blocks if b.get("block_id") == "funnel:footer"]
    assert "inf" not in text_of(blocks)
    return named, text_of([footer])


async def test_on_dec_1_this_month_is_compared_with_nov_1_and_last_month_with_all_of_october(
    start_app: StartApp,
) -> None:
    """Oct 1: 1 MQL · Nov 1: 1 · Nov 30: 2 · Dec 1: 2. This month (Dec 1) 2 against Nov 1's 1: ▲ 100% (not 2
    against Nov 30's 2). Last month (November) 3 against all of October's 1: ▲ 200% (not against Oct 2-31's 0)."""
    app = await start_app()
    await leads_on(app, (date(2026, 10, 1), 1), (date(2026, 11, 1), 1), (date(2026, 11, 30), 2), (date(2026, 12, 1), 2))

    fields, footer = await answer(app, date(2026, 12, 1), "this month")
    assert fields["*MQLs*"] == "2 ▲ 100%"
    assert footer == "Dec 1, 2026 · ▲▼ against Nov 1, 2026 (November to the same day) · definitions: `/funnel help`"

    fields, footer = await answer(app, date(2026, 12, 1), "last month")
    assert fields["*MQLs*"] == "3 ▲ 200%"
    assert footer.startswith("Nov 1 – Nov 30, 2026 · ▲▼ against Oct 1 – Oct 31, 2026 (all of October)")


async def test_on_mar_31_this_month_is_compared_with_all_of_february(start_app: StartApp) -> None:
    """Jan 30: 1 · Feb 1: 1 · Feb 28: 1 · Mar 31: 3. March so far (31 days) against February's 28: 3 against 2,
    ▲ 50% (31 days back would reach Jan 29 and count Jan 30's lead: 3 against 3)."""
    app = await start_app()
    await leads_on(app, (date(2026, 1, 30), 1), (date(2026, 2, 1), 1), (date(2026, 2, 28), 1), (date(2026, 3, 31), 3))

    fields, footer = await answer(app, date(2026, 3, 31), "")

    assert fields["*MQLs*"] == "3 ▲ 50%"
    assert footer.startswith("Mar 1 – Mar 31, 2026 · ▲▼ against Feb 1 – Feb 28, 2026 (all of February)")


async def test_on_jan_1_this_month_is_compared_with_dec_1_of_the_year_before(start_app: StartApp) -> None:
    """Dec 1, 2026: 2 · Dec 31: 1 · Jan 1, 2027: 3. 3 against Dec 1's 2: ▲ 50% (against Dec 31's 1 it said 200%)."""
    app = await start_app()
    await leads_on(app, (date(2026, 12, 1), 2), (date(2026, 12, 31), 1), (date(2027, 1, 1), 3))

    fields, footer = await answer(app, date(2027, 1, 1), "this month")

    assert fields["*MQLs*"] == "3 ▲ 50%"
    assert footer.startswith("Jan 1, 2027 · ▲▼ against Dec 1, 2026 (December to the same day)")


async def test_on_the_first_day_of_a_quarter_it_is_compared_with_the_first_day_of_the_last(
    start_app: StartApp,
) -> None:
    """Jul 1: 1 · Sep 30: 2 · Oct 1: 3. Q4 so far (Oct 1) against Q3's Jul 1: 3 against 1, ▲ 200%."""
    app = await start_app()
    await leads_on(app, (date(2026, 7, 1), 1), (date(2026, 9, 30), 2), (date(2026, 10, 1), 3))

    fields, footer = await answer(app, date(2026, 10, 1), "this quarter")

    assert fields["*MQLs*"] == "3 ▲ 200%"
    assert footer.startswith("Oct 1, 2026 · ▲▼ against Jul 1, 2026 (Q3 to the same day)")


async def test_an_empty_previous_period_says_new_and_never_a_percentage_from_zero(start_app: StartApp) -> None:
    """Wednesday Nov 25: this week is Mon-Wed Nov 23-25, against Mon-Wed Nov 16-18, when nothing arrived (Friday
    Nov 20's lead is not in it). Two MQLs, one accepted: MQLs '▲ new'; acceptance and revenue had nothing to compare
    with, so no arrow at all."""
    app = await start_app()
    _, first, _ = await leads_on(app, (date(2026, 11, 20), 1), (date(2026, 11, 23), 2))
    await app.click(Action.ACCEPT, first, REP1)
    await app.settle()

    fields, footer = await answer(app, date(2026, 11, 25), "this week")

    assert fields["*MQLs*"] == "2 ▲ new"
    assert fields["*Acceptance rate*"] == "100% (1 of 1 decided)"
    assert fields["*Won revenue*"] == "$0 · conversion 0%"
    assert footer.startswith(
        "Nov 23 – Nov 25, 2026 · ▲▼ against Nov 16 – Nov 18, 2026 (the same days of the week before)"
    )


@pytest.mark.parametrize(
    ("text", "today", "previous"),
    [
        ("this month", date(2026, 12, 1), Period("November to the same day", date(2026, 11, 1), date(2026, 11, 2))),
        ("this month", date(2026, 3, 15), Period("February to the same day", date(2026, 2, 1), date(2026, 2, 16))),
        ("this month", date(2026, 3, 31), Period("all of February", date(2026, 2, 1), date(2026, 3, 1))),
        ("this month", date(2028, 3, 31), Period("all of February", date(2028, 2, 1), date(2028, 3, 1))),  # leap
        ("this month", date(2028, 3, 29), Period("all of February", date(2028, 2, 1), date(2028, 3, 1))),
        ("this month", date(2026, 4, 30), Period("all of March", date(2026, 3, 1), date(2026, 4, 1))),
        ("this month", date(2027, 1, 1), Period("December to the same day", date(2026, 12, 1), date(2026, 12, 2))),
        ("last month", date(2026, 12, 1), Period("all of October", date(2026, 10, 1), date(2026, 11, 1))),
        ("last month", date(2026, 3, 5), Period("all of January", date(2026, 1, 1), date(2026, 2, 1))),
        ("2026-03", date(2026, 11, 23), Period("all of February", date(2026, 2, 1), date(2026, 3, 1))),
        ("this quarter", date(2026, 10, 1), Period("Q3 to the same day", date(2026, 7, 1), date(2026, 7, 2))),
        ("this quarter", date(2026, 11, 23), Period("Q3 to the same day", date(2026, 7, 1), date(2026, 8, 24))),
        ("this quarter", date(2026, 5, 31), Period("Q1 to the same day", date(2026, 1, 1), date(2026, 3, 1))),
        ("this quarter", date(2026, 6, 30), Period("all of Q1", date(2026, 1, 1), date(2026, 4, 1))),
        ("this quarter", date(2027, 1, 1), Period("Q4 to the same day", date(2026, 10, 1), date(2026, 10, 2))),
        ("2026-Q1", date(2026, 11, 23), Period("all of Q4", date(2025, 10, 1), date(2026, 1, 1))),
        ("this week", date(2026, 11, 25), Period("the same days of the week before", date(2026, 11, 16),
                                                 date(2026, 11, 19))),
        ("this week", date(2026, 11, 29), Period("the week before", date(2026, 11, 16), date(2026, 11, 23))),
        ("last week", date(2026, 11, 23), Period("the week before", date(2026, 11, 9), date(2026, 11, 16))),
        ("today", date(2026, 11, 23), Period("the day before", date(2026, 11, 22), date(2026, 11, 23))),
        ("last 30d", date(2026, 11, 23), Period("the 30 days before", date(2026, 9, 25), date(2026, 10, 25))),
        ("2026-10-01..2026-10-31", date(2026, 11, 23), Period("the 31 days before", date(2026, 8, 31),
                                                              date(2026, 10, 1))),
    ],
)  # fmt: skip
def test_each_period_is_compared_with_the_one_a_sales_manager_expects(text: str, today: date, previous: Period) -> None:
    got = parse_period(text, today).previous()
    assert (got.label, got.start, got.end) == (previous.label, previous.start, previous.end)
