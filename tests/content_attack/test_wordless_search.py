"""`/content` with only punctuation, emoji or FTS syntax (no letter or digit): the answer says there was nothing to
search for, not "Nothing in the library matches __" (an empty italic Slack shows as two underscores)."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.content.helpers import content, stored


@pytest.mark.parametrize("query", ['"', "*", "💥", "&|!:*", "\u200b", "-"])
async def test_a_query_without_a_word_says_so(app: Harness, query: str) -> None:
    await stored(app, "A deck", "https://x.example.com/d", kind="deck")
    _, [answer] = await content(app, query)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("🔎") and "__" not in answer["text"], answer["text"]
    assert "letters or digits" in answer["text"]
