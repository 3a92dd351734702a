"""The sandbox's emulated Slack workspace and clock survive a restart: they are kept in a JSON file beside the
database (``handoff.db`` → ``handoff.sandbox.json``), saved shortly after every change and at shutdown, and loaded
at start — so a second ``make run`` on the same database shows the channel, the threads and the clock as they were.

A snapshot belongs to one database: its id is also marked in that database (``job_marks``), and a snapshot whose
id the database does not know (the database was deleted or swapped) is not loaded. "Reset sandbox" empties both.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from sandbox.clock import OffsetClock
from sandbox.slack_api import FakeSlack
from sandbox.slack_models import Message, StoredFile
from storage import sla as sla_queries
from storage.db import Database
from storage.models import Base, JobMark, Lead

log = logging.getLogger("handoff.sandbox")

FORMAT: Final = 1
MARK_PREFIX: Final = "sandbox:workspace:"
SAVE_DELAY: Final = 0.5  # seconds: a burst of changes is saved once


def snapshot_path(database_url: str) -> Path:
    """Beside a SQLite file; in the working directory for any other database (the snapshot's id ties it to it)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db_file = Path(url.database)
        return db_file.with_name(f"{db_file.stem}.sandbox.json")
    return Path("handoff.sandbox.json")


def dump(fake: FakeSlack, clock: OffsetClock, *, snapshot_id: str, page: dict[str, Any]) -> dict[str, Any]:
    """What a restart needs: conversations, Home tabs, views, files, the ts and id counters, and the clock."""
    return {
        "format": FORMAT,
        "id": snapshot_id,
        "clock_offset_seconds": clock.offset.total_seconds(),
        "page": page,
        "counters": {"seq": fake._seq, "ts_sec": fake._ts_sec, "ts_frac": fake._ts_frac},
        "channels": sorted(fake.channels),
        "dm_users": fake.dm_users,
        "usergroups": fake.usergroups,
        "messages": {c: [asdict(m) for m in ms] for c, ms in fake.messages.items()},
        "views": fake.views,
        "view_users": fake._view_users,
        "view_stacks": fake.view_stacks,
        "home_views": fake.home_views,
        "files": {
            file_id: {**asdict(f), "content": None if f.content is None else base64.b64encode(f.content).decode()}
            for file_id, f in fake.files.items()
        },
    }


def restore(fake: FakeSlack, clock: OffsetClock, data: dict[str, Any]) -> None:
    clock.offset = timedelta(seconds=float(data["clock_offset_seconds"]))
    counters = data["counters"]
    fake._seq, fake._ts_sec, fake._ts_frac = int(counters["seq"]), int(counters["ts_sec"]), int(counters["ts_frac"])
    fake.channels.update(data["channels"])
    fake.dm_users.update(data["dm_users"])
    fake.usergroups.update(data["usergroups"])
    fake.messages.update({c: [Message(**m) for m in ms] for c, ms in data["messages"].items()})
    fake.views.update(data["views"])
    fake._view_users.update(data["view_users"])
    fake.view_stacks.update(data["view_stacks"])
    fake.home_views.update(data["home_views"])
    for file_id, f in data["files"].items():
        content = f.pop("content")
        fake.files[file_id] = StoredFile(**f, content=None if content is None else base64.b64decode(content))


@dataclass
class Loaded:
    snapshot_id: str
    page: dict[str, Any]
    notice: str | None  # what the page and the log say about how this start found its workspace


class Persistence:
    """Loads the snapshot at start, saves it after changes and at shutdown, and resets the whole sandbox."""

    def __init__(self, path: Path, fake: FakeSlack, clock: OffsetClock) -> None:
        self.path = path
        self.fake = fake
        self.clock = clock
        self.snapshot_id = ""
        self.page_state: dict[str, Any] = {}

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning(
                "the saved sandbox workspace %s cannot be read (%s): starting with an empty one", self.path, exc
            )
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("id"), str):
            log.warning(
                "the saved sandbox workspace %s is not one this Handoff wrote: starting with an empty one", self.path
            )
            return None
        return data

    async def load(self, db: Database) -> Loaded:
        data = self._read()
        async with db.session() as session:
            known = data is not None and await session.get(JobMark, MARK_PREFIX + data["id"]) is not None
            leads = int((await session.execute(select(func.count()).select_from(Lead))).scalar_one())
            if data is not None and known:
                try:
                    restore(self.fake, self.clock, data)
                except (KeyError, TypeError, ValueError) as exc:
                    log.warning(
                        "the saved sandbox workspace %s is damaged (%s): starting with an empty one", self.path, exc
                    )
                    self.fake.reset(state=True)
                else:
                    self.snapshot_id, self.page_state = data["id"], dict(data.get("page") or {})
                    messages = sum(len(ms) for ms in self.fake.messages.values())
                    log.info(
                        "sandbox workspace restored from %s: %d messages, clock %+.0f s",
                        self.path,
                        messages,
                        self.clock.offset.total_seconds(),
                    )
                    return Loaded(self.snapshot_id, self.page_state, None)
            self.snapshot_id = secrets.token_hex(8)
            await sla_queries.mark_once(session=session, key=MARK_PREFIX + self.snapshot_id, at=self.clock.now())
        notice = None
        if leads:
            why = "belongs to another database" if data is not None else f"was not found at {self.path}"
            notice = (
                f"This database has {leads} leads from an earlier run, but the emulated Slack workspace {why}: "
                "their posts are not in the channel. Reset sandbox for a clean start."
            )
            log.warning("sandbox: %s", notice)
        self.save()
        return Loaded(self.snapshot_id, self.page_state, notice)

    def save(self) -> None:
        """Write the snapshot atomically (a crash mid-write leaves the previous one)."""
        data = dump(self.fake, self.clock, snapshot_id=self.snapshot_id, page=self.page_state)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)

    async def keep_saving(self) -> None:
        """Save shortly after every change of the workspace, until cancelled."""
        version = self.fake.version
        while True:
            version = await self.fake.changed(version)
            await asyncio.sleep(SAVE_DELAY)
            version = self.fake.version
            self.save()

    async def reset(self, db: Database) -> None:
        """Empty the database's tables and the workspace, put the clock back, and start a new snapshot."""
        async with db.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(delete(table))
            self.snapshot_id = secrets.token_hex(8)
            await sla_queries.mark_once(session=session, key=MARK_PREFIX + self.snapshot_id, at=self.clock.now())
        self.fake.reset(state=True)
        self.fake._ts_sec = self.fake._ts_frac = 0
        self.clock.offset = timedelta(0)
        self.page_state = {}
        self.save()
        self.fake.notify_change()
