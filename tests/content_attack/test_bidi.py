"""Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) in an asset's title or a request's need
would turn the rest of each line that shows them around (the share confirmation, the announcement, the request's
post): they are dropped like other control characters, and a URL holding one is refused."""

from __future__ import annotations

from bot.content.ids import ADD_BLOCKS
from tests.conftest import MARKETER, Harness, StartApp
from tests.content.helpers import submit_add
from tests.content_requests.helpers import ask, assets, requests, started

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


async def test_bidi_controls_are_dropped_from_titles_and_needs(start_app: StartApp) -> None:
    app = await started(start_app)
    assert await submit_add(app, MARKETER, title=f"Pricing {RLO}kced", kind="deck",
                            url="https://x.example.com/p") == {}  # fmt: skip
    [asset] = await assets(app)
    assert asset.title == "Pricing kced"
    assert await ask(app, f"{LRI}A case study for retail{PDI}") == {}
    [request] = await requests(app)
    assert request.need == "A case study for retail"
    for call in app.slack.calls:
        assert RLO not in str(call.args) and LRI not in str(call.args)


async def test_a_url_with_a_bidi_override_is_refused(app: Harness) -> None:
    answer = await submit_add(app, MARKETER, title="X", kind="deck", url=f"https://x.example.com/{RLO}fdp.exe")
    assert ADD_BLOCKS["url"] in answer["errors"], answer
