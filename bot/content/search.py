"""What `/content <words>` asks: the words of the query, folded as the index is (bot/content/assets.fold), kept to
letters and digits. Every word goes to the database quoted (storage/content_search.py), so quotes, `*`, `NEAR`,
`-`, parentheses or a NUL in a query are never search syntax; a 10 kB query is cut to its first words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.content.assets import fold

WORD = re.compile(r"[^\W_]+")  # FTS5's unicode61 and PostgreSQL's parser both split on everything else
MAX_WORDS: Final = 12
MAX_WORD: Final = 40
READ_AT_MOST: Final = 2000  # characters of the query looked at


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]
    prefix: bool  # the last word may be the start of a word ("batt" finds "battle")

    @property
    def shown(self) -> str:
        return " ".join(self.words)


def read_query(text: str) -> SearchQuery:
    """The query's words, in order, once each; the last one matches as a prefix unless the text ends in a space."""
    head = text[:READ_AT_MOST]
    words: list[str] = []
    for word in WORD.findall(fold(head)):
        word = word[:MAX_WORD]
        if word not in words:
            words.append(word)
    return SearchQuery(tuple(words[:MAX_WORDS]), prefix=bool(words) and not head.endswith(" "))
