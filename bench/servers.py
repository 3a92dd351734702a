"""The server side of the benchmark, run as its own process: `python -m bench.servers KIND DIR`.

KIND is `baseline` (a bare Bolt app that only acks, process_before_response=True), `baseline-default` (the same with
Bolt's default process_before_response=False) or `handoff` (the real app from `create_app` on a fresh SQLite file,
beside a FakeSlack in this same process). The load generator drives it over stdin/stdout, one JSON object a line:
it prints `{"url": ...}` once listening, then answers each command (`pending`, `prepare`, `settle`, `stats`,
`stop`).
Logs go to stderr, which the parent points at a file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import func, select

from bot.app import create_app
from bot.cli import configure_logging
from bot.ids import Action
from bot.services import SERVICES, Services
from sandbox.slack_api import FakeSlack
from storage.models import Lead, OutboxMessage
from tests.conftest import BOT_TOKEN, LEADS, REP1, REP2, SALES_GROUP, SIGNING_SECRET, make_settings, team_config

KINDS = ("baseline", "baseline-default", "handoff")
REPS = (REP1, REP2)
SETTLE_SECONDS = 150.0
Target = dict[str, Any]  # what one click needs: lead_id, user, channel, ts, trigger_id, response_url


def bare_bolt_app(*, process_before_response: bool) -> web.Application:
    """The least an aiohttp-mounted Bolt app can do for a click: verify, authorize from a constant, ack."""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=BOT_TOKEN)

    bolt = AsyncApp(
        authorize=authorize,
        signing_secret=SIGNING_SECRET,
        process_before_response=process_before_response,
        logger=logging.getLogger("slack_bolt"),
    )

    @bolt.action(Action.ACCEPT.value)
    async def accept(ack: AsyncAck) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.add_routes([web.post("/slack/events", slack_events)])
    return app


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Listen on a free local port the way production does (an AppRunner without access log); yield the URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def synthetic_targets(count: int) -> list[Target]:
    return [
        {
            "lead_id": i + 1,
            "user": REPS[i % 2],
            "channel": LEADS,
            "ts": f"1767225601.{i:06d}",
            "trigger_id": f"7400000000000.7000000000.{i:032x}",
            "response_url": f"https://hooks.slack.com/actions/T0HANDOFF/{i}/bench",
        }
        for i in range(count)
    ]


class Handoff:
    """The real app and its fake Slack; the commands look at its database and the fake, never inside a request."""

    def __init__(self, fake: FakeSlack, svc: Services) -> None:
        self.fake = fake
        self.svc = svc

    async def pending(self) -> int:
        async with self.svc.db.session() as session:
            count = await session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
        return int(count or 0)

    async def settle(self) -> None:
        """Wait for background work after acks and for the app's own outbox worker to deliver everything."""
        async with asyncio.timeout(SETTLE_SECONDS):
            while True:
                await self.svc.background.wait()
                if not await self.pending():
                    return
                await asyncio.sleep(0.05)

    async def targets(self) -> list[Target]:
        """Every posted lead still waiting for a decision, as a click needs it."""
        async with self.svc.db.session() as session:
            rows = (
                await session.execute(
                    select(Lead.id, Lead.slack_channel, Lead.slack_ts)
                    .where(Lead.stage == "mql", Lead.slack_ts.is_not(None))
                    .order_by(Lead.id)
                )
            ).all()
        out: list[Target] = []
        for i, (lead_id, channel, ts) in enumerate(rows):
            user = REPS[i % 2]
            out.append(
                {
                    "lead_id": lead_id,
                    "user": user,
                    "channel": channel,
                    "ts": ts,
                    "trigger_id": self.fake.issue_trigger_id(user),
                    "response_url": self.fake.new_response_url(channel=channel, message_ts=ts, user_id=user),
                }
            )
        return out

    async def stats(self) -> dict[str, Any]:
        async with self.svc.db.session() as session:
            stages = dict((await session.execute(select(Lead.stage, func.count()).group_by(Lead.stage))).all())
            failed = await session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.failed_at.is_not(None))
            )
        return {
            "stages": stages,
            "outbox_failed": int(failed or 0),
            "posts": len(self.fake.calls_to("chat.postMessage")),
            "updates": len(self.fake.calls_to("chat.update")),
            "ephemeral_replies": len(self.fake.responses),
        }


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def commands() -> AsyncIterator[dict[str, Any]]:
    while line := await asyncio.to_thread(sys.stdin.readline):
        yield json.loads(line)


async def answer(handle: Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]) -> None:
    async for command in commands():
        if command["cmd"] == "stop":
            say({"ok": True})
            return
        say({"ok": True, **(await handle(command) or {})})


async def run_baseline(process_before_response: bool) -> None:
    async with serve(bare_bolt_app(process_before_response=process_before_response)) as url:
        say({"url": url})

        async def handle(command: dict[str, Any]) -> dict[str, Any] | None:
            if command["cmd"] == "prepare":
                return {"targets": synthetic_targets(int(command["count"]))}
            return None

        await answer(handle)


async def run_handoff(workdir: Path) -> None:
    fake = FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS])
    fake.usergroups[SALES_GROUP] = []
    await fake.start()
    try:
        settings = make_settings(f"sqlite+aiosqlite:///{workdir / 'handoff.db'}", fake)
        app = await create_app(settings, team_config())
        async with serve(app) as url:
            handoff = Handoff(fake, app[SERVICES])
            say({"url": url})

            async def handle(command: dict[str, Any]) -> dict[str, Any] | None:
                if command["cmd"] in ("prepare", "settle"):
                    await handoff.settle()
                if command["cmd"] == "prepare":
                    return {"targets": await handoff.targets()}
                if command["cmd"] == "pending":
                    return {"pending": await handoff.pending()}
                if command["cmd"] == "stats":
                    return await handoff.stats()
                return None

            await answer(handle)
    finally:
        await fake.stop()


def main(argv: list[str]) -> int:
    kind, workdir = argv[0], Path(argv[1])
    if kind not in KINDS:
        raise SystemExit(f"unknown server kind {kind!r}; one of {', '.join(KINDS)}")
    configure_logging("INFO")  # as `python -m bot` runs in production
    if kind == "handoff":
        asyncio.run(run_handoff(workdir))
    else:
        asyncio.run(run_baseline(process_before_response=kind == "baseline"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
