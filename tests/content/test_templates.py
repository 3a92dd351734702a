"""The content library's templates with hostile stored text: valid Block Kit, nothing Slack would parse as markup,
within Slack's limits (10 results a section, two sections, 100 leads in the share modal)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.content.search import SearchQuery
from bot.content.service import Found
from bot.views.content import add_modal, browse_answer, link_text, results_message, search_answer, share_modal
from message_templates import Renderer
from sandbox.blocks import validate_blocks, validate_view
from storage.content_models import ContentAsset
from storage.models import Lead
from tests.views.test_templates import HOSTILE, assert_inert

RENDERER = Renderer(strict=True)
AT = datetime(2026, 11, 23, tzinfo=UTC)


def asset(i: int) -> ContentAsset:
    return ContentAsset(id=i + 1, title=(HOSTILE * 10)[:200], kind="battle_card", url=f"https://x.example.com/{i}?a=1&b=<2>",
                        stage="sql", industries=[HOSTILE[:50]] * 20, tags=[HOSTILE[:50]] * 20, owner="U0MKT00001",
                        expires_on=date(2027, 1, 1), added_by="U0MKT00001", added_at=AT, updated_at=AT,
                        search_text="x")  # fmt: skip


def test_search_results_and_browse_with_hostile_text_are_inert_and_valid() -> None:
    found = Found([asset(i) for i in range(15)], every_word=False)
    for answer in (
        search_answer(SearchQuery((HOSTILE * 50,), prefix=True), found, can_expire=True),
        browse_answer([asset(i) for i in range(10)], [(asset(i), 3) for i in range(10)], can_expire=False),
        search_answer(SearchQuery(("x",), prefix=True), Found([], True), can_expire=False),
        browse_answer([], [], can_expire=True),
    ):
        message = results_message(RENDERER, answer)
        assert validate_blocks(message["blocks"], surface="message") == []
        assert len(message["blocks"]) <= 50
        assert_inert(message)


def test_copy_link_shows_the_url_as_text_not_a_link() -> None:
    message = RENDERER.notice(link_text(asset(1)))
    assert "`https://x.example.com/1?a=1&amp;b=&lt;2&gt;`" in message["blocks"][0]["text"]["text"]
    assert_inert(message)


def test_the_add_and_share_modals_are_valid() -> None:
    assert validate_view(add_modal(RENDERER, user_id="U0MKT00001", today=date(2026, 11, 23), metadata="C1")) == []
    leads = [Lead(id=i + 1, external_id=str(i), company=HOSTILE * 3, name=HOSTILE, stage="sal", owner="U0REP00001")
             for i in range(150)]  # fmt: skip
    view = share_modal(RENDERER, asset(1), leads, user_id="U0REP00001", metadata="2")
    assert validate_view(view) == []
    assert_inert(view)
