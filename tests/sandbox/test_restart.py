"""The sandbox survives a restart: two app starts on one database file, as two `make run`s would be."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestServer

from bot.config.business_time import DAY_NAMES
from bot.config.settings import Settings
from bot.config.team_file import DigestConfig, HandoffConfig
from sandbox.demo import LEADS_CHANNEL, MANAGERS, demo_config
from sandbox.runner import build_sandbox
from tests.sandbox.test_page import Sandbox, until

MORGAN = next(iter(MANAGERS))

Start = Callable[[], AbstractAsyncContextManager[Sandbox]]


def starter(db_file: Path, config: HandoffConfig | None = None) -> Start:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite+aiosqlite:///{db_file}", "PORT": "0"})

    @asynccontextmanager
    async def start() -> AsyncIterator[Sandbox]:
        server = TestServer(await build_sandbox(settings, config or demo_config()), host="127.0.0.1")
        await server.start_server()
        http = aiohttp.ClientSession()
        try:
            box = Sandbox(server, http)
            await box.get("/sandbox/state")
            yield box
        finally:
            await http.close()
            await server.close()

    return start


def delete_database(folder: Path) -> None:
    for part in folder.glob("handoff.db*"):
        part.unlink()


async def state_of(sandbox: Sandbox) -> dict[str, Any]:
    status, body = await sandbox.get("/sandbox/state")
    assert status == 200
    result: dict[str, Any] = json.loads(body)
    return result


async def test_a_second_start_on_the_same_database_shows_the_channel_threads_and_clock_as_they_were(
    tmp_path: Path,
) -> None:
    start = starter(tmp_path / "handoff.db")
    async with start() as first:
        sent = (await first.ok("leads", {"count": 1}))["sent"]
        await first.slack.wait_for("chat.postMessage")
        post = first.slack.messages[LEADS_CHANNEL][0]
        await first.ok("clock", {"seconds": 70})  # the demo's accept target is 2 min, warned at 50 %
        await first.slack.wait_for("chat.postMessage", 2)
        before = (await state_of(first))["messages"][LEADS_CHANNEL]
    assert (tmp_path / "handoff.sandbox.json").is_file()

    async with start() as second:
        state = await state_of(second)
        assert state["messages"][LEADS_CHANNEL] == before
        assert state["clock"]["offset_seconds"] == 70
        assert state["notice"] is None
        assert second.slack.find_message(LEADS_CHANNEL, post.ts) is not None

        await second.ok("clock", {"seconds": 15 * 60})  # breached: the manager is told, then the channel's step
        dm = "D" + MORGAN[1:]
        await until(second.slack, lambda: second.slack.messages.get(dm))
        await until(second.slack, lambda: len(second.slack.thread(LEADS_CHANNEL, post.ts)) >= 3)
        replies = [m for m in second.slack.thread(LEADS_CHANNEL, post.ts) if m.ts != post.ts]
        assert second.slack.find_message(LEADS_CHANNEL, post.ts).reply_count == len(replies)  # type: ignore[union-attr]
        assert (await second.ok("leads", {"count": 1}))["sent"] != sent  # the next sample person, not the first


async def test_a_saved_workspace_of_another_database_is_not_loaded(tmp_path: Path) -> None:
    async with starter(tmp_path / "handoff.db")() as first:
        await first.new_lead()
    delete_database(tmp_path)  # its saved workspace is left behind

    async with starter(tmp_path / "handoff.db")() as second:
        state = await state_of(second)
        assert state["messages"] == {} and state["clock"]["offset_seconds"] == 0
        assert state["notice"] is None


async def test_a_database_whose_workspace_was_lost_says_so_on_the_page(tmp_path: Path) -> None:
    async with starter(tmp_path / "handoff.db")() as first:
        await first.new_lead()
    (tmp_path / "handoff.sandbox.json").unlink()

    async with starter(tmp_path / "handoff.db")() as second:
        notice = (await state_of(second))["notice"]
        assert "has 1 leads" in notice and "Reset sandbox" in notice


async def test_reset_sandbox_empties_the_database_the_workspace_and_the_clock(tmp_path: Path) -> None:
    start = starter(tmp_path / "handoff.db")
    async with start() as box:
        await box.new_lead()
        await box.ok("clock", {"seconds": 3600})
        status, answer = await box.post("reset", {})
        assert (status, answer["field"]) == (400, "confirm")

        await box.ok("reset", {"confirm": True})

        state = await state_of(box)
        assert state["messages"] == {} and state["clock"]["offset_seconds"] == 0
        with sqlite3.connect(tmp_path / "handoff.db") as db:
            assert db.execute("SELECT count(*) FROM leads").fetchone() == (0,)
        post = await box.new_lead()  # the first sample person again, as on a first run
        assert post.channel == LEADS_CHANNEL

    async with start() as again:
        assert len((await state_of(again))["messages"][LEADS_CHANNEL]) == 1


# -- fast-forward ---------------------------------------------------------------------------------------------------


async def test_one_day_forward_runs_every_scheduled_job_that_came_due_in_order(tmp_path: Path) -> None:
    tomorrow = datetime.now(ZoneInfo("America/Chicago")) + timedelta(days=1)
    digest = DigestConfig(day=DAY_NAMES[tomorrow.weekday()], time=f"{tomorrow:%H}:00")  # due within the next day
    config = demo_config().model_copy(update={"digest": digest})
    async with starter(tmp_path / "handoff.db", config)() as box:
        post = await box.new_lead()

        await box.ok("clock", {"seconds": 86400})  # "+1 day"

        channel = box.slack.messages
        await until(box.slack, lambda: any("Weekly digest" in m.text for m in channel[LEADS_CHANNEL]))
        [weekly] = [m for m in channel[LEADS_CHANNEL] if "Weekly digest" in m.text]
        shown = json.dumps(weekly.blocks)
        assert (
            "1 MQL \\u00b7" in shown and "Accept (the team's clock): 1 missed" in shown
        )  # the breach came first, then the digest
        replies = [m for m in box.slack.thread(LEADS_CHANNEL, post.ts) if m.ts != post.ts]
        assert len(replies) >= 2 and "breached" in replies[0].text  # the heads-up, updated when it came true
        assert max(float(m.ts) for m in replies) < float(weekly.ts)  # every SLA step before the digest
