"""`/handoff away [until DATE]`, `/handoff back` and `/handoff` (who is away), sent signed as Slack sends them.

The clock starts on Monday Nov 23 2026 at 09:00 in Chicago (the team's timezone); business hours start at 09:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.away.helpers import USAGE_LINE, absences, answered, handoff
from tests.conftest import MANAGER, MARKETER, OUTSIDER, REP1, REP2, REP3, START, Harness, text_of


def chicago_9am(year: int, month: int, day: int) -> datetime:
    """09:00 CST (UTC-6) on that day: the start of its business hours, as stored (UTC)."""
    return datetime(year, month, day, 15, 0, tzinfo=UTC)


async def test_away_until_a_day_then_who_is_away_then_back(app: Harness) -> None:
    said = await answered(app, "away until dec 10", REP1)
    assert said.startswith("🌴 You are away until Thu Dec 10, 09:00 CST: no new leads")
    assert await absences(app) == {REP1: (chicago_9am(2026, 12, 10), REP1)}

    listed = await answered(app, "", OUTSIDER)  # anyone may ask who is away
    assert listed == f"🌴 *Away now*\n• <@{REP1}> — until Thu Dec 10, 09:00 CST"

    assert (await answered(app, "back", REP1)).startswith("👋 You are back: new leads and open leads' alarms reach you")
    assert await absences(app) == {}
    assert (await answered(app, "", REP2)).startswith("🟢 Nobody is away")
    assert (await answered(app, "back", REP1)).startswith("🟢 You are not marked away")


async def test_an_absence_ends_at_the_start_of_the_day_named_without_anyone_saying_so(app: Harness) -> None:
    await answered(app, "away until tomorrow", REP1)
    await answered(app, "away", REP2)  # until they say they are back
    app.clock.set(chicago_9am(2026, 11, 24) - timedelta(seconds=1))
    assert "until Tue Nov 24, 09:00 CST" in await answered(app, "", OUTSIDER)

    app.clock.set(chicago_9am(2026, 11, 24))
    assert await answered(app, "", OUTSIDER) == f"🌴 *Away now*\n• <@{REP2}> — until they say they are back"
    assert (await answered(app, "back", REP1)).startswith("🟢 You are not marked away")  # over already


@pytest.mark.parametrize(
    ("text", "back_on"),
    [
        ("away until 2026-11-30", (2026, 11, 30)),
        ("away until nov 30", (2026, 11, 30)),
        ("away until 30 Nov", (2026, 11, 30)),
        ("away until November 30th", (2026, 11, 30)),
        ("away until dec 10, 2026", (2026, 12, 10)),
        ("away dec 10", (2026, 12, 10)),  # "until" may be left out
        ("away until jan 5", (2027, 1, 5)),  # no year: the next Jan 5 to come
        ("away until friday", (2026, 11, 27)),
        ("away until Mon", (2026, 11, 30)),  # on a Monday, "monday" is next week's
        ("away until tomorrow", (2026, 11, 24)),
        ("AWAY UNTIL 2027-11-23", (2027, 11, 23)),  # a year ahead, to the day
    ],
)
async def test_each_date_form_is_back_at_the_start_of_that_business_day(
    app: Harness, text: str, back_on: tuple[int, int, int]
) -> None:
    await answered(app, text, REP1)
    assert await absences(app) == {REP1: (chicago_9am(*back_on), REP1)}


async def test_an_absence_ends_when_business_hours_start_in_the_teams_timezone(start_app: object) -> None:
    from tests.conftest import team_config

    app = await start_app(team_config(business_hours={"hours": ["07:30-12:00", "13:00-18:00"]}))  # type: ignore[operator]
    await answered(app, "away until wed", REP1)
    assert await absences(app) == {REP1: (datetime(2026, 11, 25, 13, 30, tzinfo=UTC), REP1)}  # 07:30 CST


@pytest.mark.parametrize(
    "text",
    [
        "away until yesterday",
        "away until today",  # 09:00 today has come: nothing to be away until
        "away until 2026-11-22",
        "away until nov 22",  # no year: next Nov 22 is a year away, surely a slip
        "away until 2027-11-25",  # more than a year ahead
        "away until 9999-12-31",
        "away until 0001-01-01",
        "away until 2026-02-30",
        "away until feb 30",
        "away until 12/10",
        "away until next friday",
        "away until",
        "away until dec 10 20266",
        "away <@U0REP00002|rep2> <@U0REP00003|rep3>",
        "away <@nobody>",
        "away @rep2 until friday",  # a name, not the person: Slack did not escape it
        "back tomorrow",
        "vacation",
        "away\x00 until friday",
        "away until fri\x00day",
        "away until " + "9" * 400,
        "away until " + "x" * 1_000_000,  # a megabyte
    ],
)
async def test_a_day_begun_too_far_unreadable_or_hostile_gets_the_usage_help_and_changes_nothing(
    app: Harness, text: str
) -> None:
    status, ack = await handoff(app, text, REP1)

    assert status == 200 and ack["response_type"] == "ephemeral"
    assert USAGE_LINE in ack["text"] and len(ack["text"]) < 3000
    assert "\x00" not in ack["text"]
    assert await absences(app) == {}
    assert app.slack.responses == []  # answered in the ack alone


async def test_what_the_person_typed_is_quoted_back_escaped(app: Harness) -> None:
    status, ack = await handoff(app, "away until <!channel> & <http://x.io|here>", REP1)

    assert status == 200 and USAGE_LINE in ack["text"]
    assert "<!channel>" not in ack["text"] and "&lt;!channel&gt; &amp;" in ack["text"]
    assert "<http" not in str(ack["blocks"])


async def test_help_is_the_usage(app: Harness) -> None:
    status, ack = await handoff(app, "help", OUTSIDER)
    assert status == 200 and ack["response_type"] == "ephemeral" and ack["text"].startswith("*`/handoff`*")


@pytest.mark.parametrize("person", [OUTSIDER, MARKETER, MANAGER])  # the manager is not in team.sales
async def test_only_people_in_sales_may_be_away(app: Harness, person: str) -> None:
    said = await answered(app, "away until friday", person)
    assert said == "Only people in sales are marked away: they are the ones leads go to."
    assert await absences(app) == {}


async def test_a_rep_in_sales_through_a_user_group_may_be_away(app: Harness) -> None:
    assert (await answered(app, "away", REP3)).startswith("🌴 You are away until you say you are back")
    assert await absences(app) == {REP3: (None, REP3)}


async def test_a_manager_may_mark_a_rep_away_and_back_and_no_one_else_may(app: Harness) -> None:
    said = await answered(app, f"away <@{REP2}|rep2> until friday", MANAGER)
    assert said.startswith(f"🌴 <@{REP2}> is away until Fri Nov 27, 09:00 CST")
    assert await absences(app) == {REP2: (chicago_9am(2026, 11, 27), MANAGER)}

    refused = await answered(app, f"back <@{REP2}>", REP1)  # a rep may not speak for another
    assert refused == "Only a manager may mark someone else away or back."
    outside = await answered(app, f"away <@{OUTSIDER}|someone>", MANAGER)
    assert outside == f"<@{OUTSIDER}> is not in sales: only reps are marked away."
    assert list(await absences(app)) == [REP2]

    assert (await answered(app, f"back <@{REP2}>", MANAGER)).startswith(f"👋 <@{REP2}> is back")
    assert await absences(app) == {}


async def test_saying_away_again_replaces_the_absence(app: Harness) -> None:
    await answered(app, "away until friday", REP1)
    app.clock.set(START + timedelta(hours=1))
    await answered(app, "away until dec 1", REP1)
    assert await absences(app) == {REP1: (chicago_9am(2026, 12, 1), REP1)}


async def test_a_rep_a_manager_marks_away_or_back_is_told_by_dm(app: Harness) -> None:
    await answered(app, f"away <@{REP2}|rep2> until friday", MANAGER)
    await app.settle()
    [told] = [text_of(m.blocks) for m in app.dms(REP2)]
    assert f"<@{MANAGER}> marked you away until Fri Nov 27, 09:00 CST" in told
    assert "`/handoff back`" in told

    await answered(app, f"back <@{REP2}>", MANAGER)
    await app.settle()
    assert f"<@{MANAGER}> marked you back" in text_of(app.dms(REP2)[-1].blocks)

    await answered(app, "away", REP1)  # saying it yourself needs no DM
    await app.settle()
    assert app.dms(REP1) == []


async def test_an_absence_in_another_year_names_the_year_and_one_until_back_says_so(app: Harness) -> None:
    said = await answered(app, "away until 2027-01-05", REP1)
    assert said.startswith("🌴 You are away until Tue Jan 5 2027, 09:00 CST")
    said = await answered(app, "away", REP1)
    assert said.startswith("🌴 You are away until you say you are back")
