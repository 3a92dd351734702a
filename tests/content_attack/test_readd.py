"""An asset marketing expired by hand (Expire) and then adds again with `/content add` and the same URL: the
confirmation says "Updated", so it is live again and found by `/content`."""

from __future__ import annotations

from bot.content.ids import ContentAction
from tests.conftest import MARKETER, Harness
from tests.content.helpers import content, press, stored, submit_add, titles


async def test_adding_an_expired_asset_again_brings_it_back(app: Harness) -> None:
    asset_id = await stored(app, "Pricing deck", "https://x.example.com/pricing", kind="deck")
    said = await press(app, MARKETER, ContentAction.EXPIRE, str(asset_id))
    assert "has expired" in said[0]["text"]
    _, answer = await content(app, "pricing")
    assert titles(answer[0]) == []
    assert await submit_add(app, MARKETER, title="Pricing deck", kind="deck", url="https://x.example.com/pricing") == {}
    _, answer = await content(app, "pricing")
    assert titles(answer[0]) == ["Pricing deck"]
