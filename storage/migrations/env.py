"""Alembic environment. Handoff runs migrations through `storage.db.Database.upgrade` (start-up and
`handoff db upgrade`), which hands a live connection in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context

from storage.models import Base
from storage.search_schema import include_name

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `handoff db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,  # the full-text index (0018) is the migrations' alone
)
with context.begin_transaction():
    context.run_migrations()
