"""What goes wrong in a hand-made CSV file and how to say so: a value with a comma that was not quoted."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_HEAD = re.compile(r"\s*[-$€£]?\s*\d{1,3}")
_GROUP = re.compile(r"\d{3}(\.\d*)?\s*")


def surplus_cells(columns: Sequence[str], row: Mapping[Any, Any]) -> tuple[str, str] | None:
    """(column, problem) when a row has more cells than the header has columns (csv.DictReader puts the surplus
    under the key None). A number like `$1,000` written without quotes is named as such: read as it stands, it
    would become $1 and shift every later column."""
    extra = [str(cell) for cell in row.get(None) or []]
    if not extra:
        return None
    cells = [str(row.get(c) or "") for c in columns] + extra
    for i, column in enumerate(columns):
        groups: list[str] = []
        for following in cells[i + 1 :]:
            if not _GROUP.fullmatch(following):
                break
            groups.append(following)
        if _HEAD.fullmatch(cells[i]) and len(groups) >= len(extra):
            parts = ", ".join(f'"{g}"' for g in groups[: len(extra)])
            joined = ",".join([cells[i].strip(), *groups[: len(extra)]])
            return column, f'"{cells[i].strip()}" then {parts}: a value with a comma must be quoted ("{joined}")'
    return "row", (
        f"{len(cells)} cells but the header has {len(columns)} columns: quote every value that contains a comma"
    )
