"""An asset's owner is DM'd once, `[content] expiry_notice` (7 days) before its expiry date, by the scheduled
reviews; an asset given a new expiry date is told about again before that one."""

from __future__ import annotations

from datetime import timedelta

from bot.content.assets import AssetInput
from tests.conftest import MARKETER, START, Harness, text_of
from tests.content.helpers import stored

TITLE = "<!channel> Pricing & packaging *deck*"


async def test_the_owner_is_told_once_a_week_before_the_asset_expires(app: Harness) -> None:
    expires = START.date() + timedelta(days=10)
    await stored(app, TITLE, "https://x.example.com/deck", kind="deck", expires_on=expires, owner=MARKETER)

    await app.svc.run_reviews()
    await app.settle()
    assert app.dms(MARKETER) == []

    app.clock.set(START + timedelta(days=3, hours=1))  # 7 days before, in Chicago
    for _ in range(3):  # however often the check runs
        await app.svc.run_reviews()
        await app.settle()

    dms = app.dms(MARKETER)
    assert len(dms) == 1
    shown = text_of(dms[0].blocks)
    assert "expires soon" in shown and "&lt;!channel&gt; Pricing &amp; packaging" in shown
    assert "<!channel>" not in shown and "<!channel>" not in dms[0].text

    later = expires + timedelta(days=30)  # a new date: the owner will be told again before that one
    await app.svc.library.store(
        AssetInput(title=TITLE, kind="deck", url="https://x.example.com/deck", owner=MARKETER, expires_on=later),
        actor=MARKETER,
    )
    await app.svc.run_reviews()
    await app.settle()
    assert len(app.dms(MARKETER)) == 1
    app.clock.set(START + timedelta(days=33, hours=1))
    await app.svc.run_reviews()
    await app.settle()
    assert len(app.dms(MARKETER)) == 2
