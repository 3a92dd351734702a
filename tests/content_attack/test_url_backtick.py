"""Copy link shows an asset's URL in a code span; a backtick in the URL (never valid unencoded, RFC 3986) closed the
span early, and the rest of the URL became mrkdwn Slack links by itself. Such a URL is refused under its field."""

from __future__ import annotations

from bot.content.ids import ADD_BLOCKS
from tests.conftest import LEADS, MARKETER, Harness
from tests.content.helpers import submit_add
from tests.content_requests.helpers import assets


async def test_a_url_with_a_backtick_is_refused_and_stores_nothing(app: Harness) -> None:
    for url in ("https://x.example.com/a`https://evil.example.com/`", "https://x.example.com/`"):
        answer = await submit_add(app, MARKETER, title="Deck", kind="deck", url=url)
        assert "backticks" in answer["errors"][ADD_BLOCKS["url"]], answer
    assert await assets(app) == []


async def test_a_backtick_in_a_title_stays_inside_the_announcements_code_span(app: Harness) -> None:
    title = "x`https://evil.example.com/` deck"
    assert await submit_add(app, MARKETER, title=title, kind="deck", url="https://x.example.com/d") == {}
    [post] = [m for m in app.slack.messages[LEADS] if "New in the content library" in m.text]
    [footer] = [b for b in post.blocks if b.get("block_id") == "announcement:footer"]
    text = footer["elements"][0]["text"]
    assert text.count("`") == 2 and "find it again with `/content xhttps://evil.example.com/`" in text, text
