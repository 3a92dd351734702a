"""Schema the migrations keep that the models cannot describe: the content library's full-text index (migration
0018), SQLite's FTS5 table with its shadow tables and PostgreSQL's GIN index on an expression. Comparing the models
with the database (autogenerate, tests/storage/test_migrations.py) leaves these names out.

A later migration that alters content_assets on SQLite in batch mode (render_as_batch recreates the table) drops the
FTS triggers with it: such a migration must run 0018's SQLITE_DOWN before and SQLITE_UP after."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

FTS_TABLE: Final = "content_assets_fts"
FTS_TABLES: Final = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config"))})
GIN_INDEX: Final = "ix_content_assets_search"


def include_name(name: str | None, type_: Any, parent_names: MutableMapping[Any, str | None]) -> bool:
    """Alembic's `include_name` hook: everything but the full-text index's own objects."""
    if type_ == "table":
        return name not in FTS_TABLES
    if type_ == "index":
        return name != GIN_INDEX
    return True
