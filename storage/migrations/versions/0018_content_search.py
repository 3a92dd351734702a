"""Full-text search over the content library: an FTS5 index on SQLite (kept in step with content_assets by
triggers, so every write's index update commits with it) and a GIN index on PostgreSQL's tsvector of search_text
(search_text is folded by bot/content/assets.fold, so the 'simple' configuration needs no unaccent)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE content_assets_fts USING fts5(search_text, content='content_assets', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER content_assets_fts_insert AFTER INSERT ON content_assets BEGIN "
    "INSERT INTO content_assets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER content_assets_fts_delete AFTER DELETE ON content_assets BEGIN "
    "INSERT INTO content_assets_fts(content_assets_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "END",
    "CREATE TRIGGER content_assets_fts_update AFTER UPDATE OF search_text ON content_assets BEGIN "
    "INSERT INTO content_assets_fts(content_assets_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO content_assets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO content_assets_fts(content_assets_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS content_assets_fts_update",
    "DROP TRIGGER IF EXISTS content_assets_fts_delete",
    "DROP TRIGGER IF EXISTS content_assets_fts_insert",
    "DROP TABLE IF EXISTS content_assets_fts",
)
POSTGRES_UP = (
    "CREATE INDEX ix_content_assets_search ON content_assets USING gin (to_tsvector('simple', search_text))",
)
POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_content_assets_search",)


def upgrade() -> None:
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
