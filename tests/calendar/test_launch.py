"""A campaign's launch: on its start day, in business hours, sales hears in the leads channel what to expect and
what to say, with the library's live assets tagged with it, once (checks, restarts); not before the opening, not
days late; a weekend start is announced on the next working day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.ids import Action
from sandbox.blocks import validate_blocks
from tests.calendar.helpers import WEBINAR, asset, check, config, launches
from tests.conftest import LEADS, MARKETER, START, StartApp, team_config, text_of
from tests.views.test_templates import assert_inert


async def test_the_launch_is_announced_once_at_the_opening_with_its_live_tagged_assets(start_app: StartApp) -> None:
    app = await start_app(config())
    app.clock.set(START - timedelta(minutes=5))  # 08:55 on the start day: not open yet
    await asset(app, "Acme cut audit time 40%", "https://ex.com/acme", ("Q4 OPS WÉBINAR",))  # the name, folded
    await asset(app, "Ops battle <card>", "https://ex.com/battle", ("q4-ops-webinar", "ops"))  # the key
    await asset(app, "Old deck", "https://ex.com/old", ("q4-ops-webinar",), expires_on=date(2026, 11, 23))  # gone
    await asset(app, "Unrelated", "https://ex.com/other", ("security",))
    await check(app)
    assert launches(app) == []

    app.clock.set(START + timedelta(minutes=5))  # the first check after 09:00
    await check(app)
    await check(app)  # the next run (or another replica's) finds it marked
    [post] = launches(app)

    text = text_of(post.blocks)
    assert validate_blocks(post.blocks, surface="message") == []
    assert_inert({"text": post.text, "blocks": post.blocks})
    assert post.channel == LEADS
    assert post.text == "📣 Q4 Ops Webinar starts today"
    assert (
        "*Q4 Ops Webinar* starts today: expect leads from it; what to say: Ops leaders who watched: lead with the "
        "&lt;audit&gt; checklist &amp; *not* pricing"
    ) in text
    assert f"Runs Mon Nov 23 2026 – Fri Dec 4 2026 · owner <@{MARKETER}>" in text
    links = [b for b in post.blocks if b["block_id"].startswith("announcement:link")]
    assert [(b["text"]["text"], b["accessory"]["url"]) for b in links] == [
        ("• Case study: *Ops battle &lt;card&gt;*", "https://ex.com/battle"),  # newest first
        ("• Case study: *Acme cut audit time 40%*", "https://ex.com/acme"),
    ]
    assert {b["accessory"]["action_id"] for b in links} == {Action.CAMPAIGN_ASSET}
    assert "Old deck" not in text and "Unrelated" not in text

    restarted = await start_app(config())  # a restart on the same database, still in the start day's hours
    await check(restarted)
    assert len(launches(restarted)) == 1


async def test_a_launch_is_not_announced_after_its_day_or_after_closing(start_app: StartApp) -> None:
    app = await start_app(config())
    app.clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # 18:30 on the start day: closed
    await check(app)
    app.clock.set(datetime(2026, 11, 24, 16, tzinfo=UTC))  # 10:00 the next day: the app was down on the day
    await check(app)

    assert launches(app) == []


async def test_a_weekend_start_is_announced_at_mondays_opening(start_app: StartApp) -> None:
    weekend = {**WEBINAR, "starts": date(2026, 11, 28), "ends": date(2026, 12, 6)}  # a Saturday
    only_weekend = {**WEBINAR, "name": "Weekend Only", "starts": date(2026, 11, 28), "ends": date(2026, 11, 29)}
    app = await start_app(config(**{"q4-ops-webinar": weekend, "weekend-only": only_weekend}))
    app.clock.set(datetime(2026, 11, 28, 16, tzinfo=UTC))  # Saturday 10:00
    await check(app)
    assert launches(app) == []

    app.clock.set(datetime(2026, 11, 30, 15, 10, tzinfo=UTC))  # Monday 09:10
    await check(app)

    [post] = launches(app)  # the weekend-only campaign had ended by Monday: nothing for it
    # announced on Monday, it does not say "starts today" of a campaign that started on Saturday
    assert post.text == "📣 Q4 Ops Webinar started Sat Nov 28"
    assert "*Q4 Ops Webinar* started Sat Nov 28: expect leads from it; what to say:" in text_of(post.blocks)
    assert "No asset in the library is tagged with it yet." in text_of(post.blocks)


async def test_a_campaign_without_a_summary_or_dates_is_handled(start_app: StartApp) -> None:
    plain = {"owner": MARKETER, "starts": "2026-11-23"}  # a string date, no name: the key is its name
    long_key = "<!here> " + "x" * 192  # as long as a lead's campaign may be
    app = await start_app(config(**{"spring-promo": plain, "evergreen": {"owner": MARKETER}, long_key: plain}))
    app.clock.set(START + timedelta(minutes=1))
    await check(app)
    await check(app)

    spring, long = sorted(launches(app), key=lambda m: len(m.text))
    assert "*spring-promo* starts today: expect leads from it; ask its owner what to say" in text_of(spring.blocks)
    assert "*&lt;!here&gt; xxx" in text_of(long.blocks)


async def test_two_replicas_checking_at_once_announce_it_once(start_app: StartApp) -> None:
    first = await start_app(config())
    second = await start_app(config())  # another replica on the same database
    first.clock.set(START + timedelta(minutes=2))

    await asyncio.gather(first.svc.run_reviews(), second.svc.run_reviews())
    await first.settle()
    await second.settle()

    assert len(launches(first)) == 1


async def test_a_holiday_start_is_announced_on_the_next_working_day(start_app: StartApp) -> None:
    thanksgiving = {**WEBINAR, "starts": date(2026, 11, 26)}
    app = await start_app(
        team_config(campaigns={"q4-ops-webinar": thanksgiving}, business_hours={"holidays": [date(2026, 11, 26)]})
    )
    app.clock.set(datetime(2026, 11, 26, 16, tzinfo=UTC))  # Thursday 10:00, a holiday
    await check(app)
    assert launches(app) == []

    app.clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday 09:00, the opening itself
    await check(app)
    assert len(launches(app)) == 1


async def test_a_start_last_year_announced_this_year_says_its_year(start_app: StartApp) -> None:
    eve = {**WEBINAR, "starts": date(2026, 12, 31), "ends": date(2027, 1, 15)}
    app = await start_app(
        team_config(campaigns={"q4-ops-webinar": eve}, business_hours={"holidays": [date(2026, 12, 31)]})
    )
    app.clock.set(datetime(2027, 1, 1, 15, 10, tzinfo=UTC))  # Friday Jan 1, 09:10 in Chicago (not a holiday here)
    await check(app)

    [post] = launches(app)
    assert post.text == "📣 Q4 Ops Webinar started Thu Dec 31 2026"
