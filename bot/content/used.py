"""What the prospect valued: the library's assets a rep names in Log attempt, stored on the attempt
(`contact_attempts.assets`, their ids) and on its timeline event (ids and titles, as they were then).

The modal offers the newest `OFFERED` live assets as a static multi-select: Slack allows 100 options, and an
external select would need an options endpoint of its own. An asset older than the newest 100 cannot be named
there (search it with `/content` and share it to the lead instead). A submission naming an id that is not a live
asset (expired since the modal opened, unknown, forged) is refused under the field, changing nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.assets import KINDS
from bot.errors import UserError
from storage import campaigns as queries
from storage.content_models import ContentAsset
from storage.db import Database

OFFERED: Final = 100  # Slack's limit of options in a static select
MAX_NAMED: Final = 10
FIELD: Final = "assets"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


async def offered(db: Database, today: date) -> list[Option]:
    """The newest live assets, as the modal's options ("Title · Case study")."""
    async with db.reading() as session:
        assets = await queries.live_assets(session=session, today=today, limit=OFFERED)
    return [Option(str(a.id), f"{a.title[:50]} · {KINDS.get(a.kind, a.kind)}"[:75]) for a in assets]


def _ids(values: Iterable[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 15:
            raise UserError("That asset is not in the library: pick again.", field=FIELD)
        if int(text) not in ids:
            ids.append(int(text))
    if len(ids) > MAX_NAMED:
        raise UserError(f"Name at most {MAX_NAMED} assets (these are {len(ids)}).", field=FIELD)
    return ids


async def read_used(session: AsyncSession, values: Iterable[str], today: date) -> list[ContentAsset]:
    """The live assets the submission names, in its order; UserError under the field for any other id."""
    ids = _ids(values)
    found = await queries.live_assets_by_id(session=session, ids=ids, today=today)
    if len(found) != len(ids):
        raise UserError(
            "An asset you picked is no longer in the library (expired or removed): pick again.", field=FIELD
        )
    return [found[i] for i in ids]
