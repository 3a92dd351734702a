"""What an asset is, checked once for every way one arrives (the `/content add` modal, `handoff content import`, a
delivered content request): `read_asset` turns raw text fields into an `AssetInput`, or raises a UserError naming
the field. `fold` is the one normalisation search uses, on what is indexed and on what is asked."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from urllib.parse import urlsplit

from bot.errors import UserError

KINDS: Final[dict[str, str]] = {
    "case_study": "Case study",
    "battle_card": "Battle card",
    "comparison": "Comparison",
    "roi_calculator": "ROI calculator",
    "deck": "Deck",
    "one_pager": "One-pager",
    "video": "Video",
    "other": "Other",
}
STAGES: Final[dict[str, str]] = {  # the lead's funnel stage an asset serves
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
    "opportunity": "Opportunity",
    "won": "Customer",
}
TITLE_MAX: Final = 200
URL_MAX: Final = 2000
ITEM_MAX: Final = 50  # one industry or tag
ITEMS_MAX: Final = 20
YEARS_AHEAD: Final = 5
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides, isolates


@dataclass(frozen=True)
class AssetInput:
    title: str
    kind: str
    url: str
    stage: str | None = None
    industries: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    owner: str | None = None
    expires_on: date | None = None


def fold(text: str) -> str:
    """Case- and accent-insensitive text: NFKD with the combining marks dropped, then casefolded ("Édition" and
    "edition" are one word to search, on SQLite and PostgreSQL alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _plain(text: str, field: str, what: str) -> str:
    if "\x00" in text:
        raise UserError(f"The {what} holds a NUL character.", field=field)
    return " ".join(CONTROL.sub(" ", text).split())


def read_title(text: str) -> str:
    title = _plain(text, "title", "title")
    if not title:
        raise UserError("Give the asset a title.", field="title")
    if len(title) > TITLE_MAX:
        raise UserError(f"A title is at most {TITLE_MAX} characters (this one is {len(title)}).", field="title")
    return title


def read_kind(text: str) -> str:
    key = _key(text)
    by_label = {_key(label): name for name, label in KINDS.items()}
    if key in KINDS:
        return key
    if key in by_label:
        return by_label[key]
    raise UserError(f"Unknown kind {_plain(text, 'kind', 'kind')[:40]!r}: use {', '.join(KINDS)}.", field="kind")


def read_url(text: str) -> str:
    url = text.strip()
    if "\x00" in url or CONTROL.search(url) or any(c.isspace() or c in '<>"`' for c in url):
        raise UserError("A URL has no spaces, quotes, backticks, angle brackets or control characters.", field="url")
    if len(url) > URL_MAX:
        raise UserError(f"A URL is at most {URL_MAX} characters.", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host or "." not in host.strip("."):
        raise UserError("Give an http(s) link, such as https://example.com/case-study.", field="url")
    return url


def read_stage(text: str) -> str | None:
    key = _key(text)
    if not key:
        return None
    by_label = {_key(label): name for name, label in STAGES.items()}
    if key in STAGES:
        return key
    if key in by_label:
        return by_label[key]
    raise UserError(f"Unknown stage: use {', '.join(STAGES)}, or leave it empty.", field="stage")


def read_list(text: str, field: str) -> tuple[str, ...]:
    """Items separated by `;` (a CSV cell) or `,` (the modal), trimmed, duplicates (ignoring case) dropped."""
    items: list[str] = []
    seen: set[str] = set()
    for raw in re.split(r"[;,]", _plain(text, field, field)):
        item = raw.strip()
        if not item or fold(item) in seen:
            continue
        if len(item) > ITEM_MAX:
            raise UserError(f"Each of the {field} is at most {ITEM_MAX} characters.", field=field)
        seen.add(fold(item))
        items.append(item)
    if len(items) > ITEMS_MAX:
        raise UserError(f"List at most {ITEMS_MAX} {field}.", field=field)
    return tuple(items)


def read_owner(text: str) -> str | None:
    owner = text.strip().removeprefix("<@").removesuffix(">").lstrip("@")
    if not owner:
        return None
    if not USER_ID.match(owner):
        raise UserError("The owner is a Slack user id such as U0123ABCD.", field="owner")
    return owner


def read_expires(text: str, today: date) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError("Write the expiry date as YYYY-MM-DD, or leave it empty.", field="expires") from None
    if day <= today:
        raise UserError(f"The expiry date {day.isoformat()} is not after today.", field="expires")
    if day > today + timedelta(days=366 * YEARS_AHEAD):
        raise UserError(f"An expiry date is at most {YEARS_AHEAD} years ahead.", field="expires")
    return day


def read_asset(fields: dict[str, str], today: date, *, default_owner: str | None = None) -> AssetInput:
    """Every field checked, in the order the form shows them; the first problem is raised, naming its field."""
    return AssetInput(
        title=read_title(fields.get("title", "")),
        kind=read_kind(fields.get("kind", "")),
        url=read_url(fields.get("url", "")),
        stage=read_stage(fields.get("stage", "")),
        industries=read_list(fields.get("industries", ""), "industries"),
        tags=read_list(fields.get("tags", ""), "tags"),
        owner=read_owner(fields.get("owner", "")) or default_owner,
        expires_on=read_expires(fields.get("expires", ""), today),
    )


def search_text(asset: AssetInput) -> str:
    """What full-text search indexes, folded: title, tags, kind, industries and stage (each with its label)."""
    words = [asset.title, *asset.tags, asset.kind.replace("_", " "), KINDS[asset.kind], *asset.industries]
    if asset.stage:
        words += [asset.stage, STAGES[asset.stage]]
    return fold(" ".join(words))
