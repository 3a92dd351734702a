"""Migration 0018 (the content library's full-text index): an upgrade from 0016 and a downgrade of 0018 work on
both databases, and the index follows every write (insert, update, delete) in the writer's transaction."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, text

from storage.db import Database, alembic_config


def _run(conn: Connection, verb: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    getattr(command, verb)(cfg, revision)


async def migrate(db: Database, verb: str, revision: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_run, verb, revision)


async def test_upgrading_from_0016_downgrading_0018_and_upgrading_again(db_url: str) -> None:
    db = Database(db_url)
    try:
        await migrate(db, "upgrade", "0016")
        await migrate(db, "upgrade", "0017")
        async with db.engine.begin() as conn:  # an asset stored before the index existed is found once it does
            await conn.execute(text(
                "INSERT INTO content_assets (title, kind, url, industries, tags, added_by, added_at, updated_at, "
                "search_text) VALUES ('Early deck', 'deck', 'https://x.example.com/e', '[]', '[]', 'U0MKT00001', "
                "'2026-11-01 00:00:00', '2026-11-01 00:00:00', 'early deck')"
            ))  # fmt: skip
        await migrate(db, "upgrade", "head")
        assert await matches(db, "early") == ["Early deck"]
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE content_assets SET title = 'Late deck', search_text = 'late deck'"))
        assert await matches(db, "early") == [] and await matches(db, "late") == ["Late deck"]
        await migrate(db, "downgrade", "0017")
        assert await db.current_revision() == "0017"
        await migrate(db, "upgrade", "head")
        assert await matches(db, "late") == ["Late deck"]
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM content_assets"))
        assert await matches(db, "late") == []
    finally:
        await db.dispose()


async def matches(db: Database, word: str) -> list[str]:
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            sql = ("SELECT a.title FROM content_assets_fts JOIN content_assets a ON a.id = content_assets_fts.rowid "
                   "WHERE content_assets_fts MATCH :q")  # fmt: skip
            rows = await conn.execute(text(sql), {"q": f'"{word}"'})
        else:
            sql = (
                "SELECT title FROM content_assets WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :q)"
            )
            rows = await conn.execute(text(sql), {"q": f"'{word}'"})
        return [r[0] for r in rows.all()]
