"""The app side of the benchmarks, run as its own process: `python -m bench.servers handoff DIR [options]`.

The real app from `create_app` on a fresh SQLite file in DIR (or on `--database URL`), beside a FakeSlack in this
same process (rate-limited with `--rate-limits`), or talking to the fake Slack at `--slack URL` in another process.
The load generator drives it over stdin/stdout with the JSON lines of bench/protocol.py (`pending`, `prepare`,
`settle`, `storm`, `idle`, `stats`, `progress`, `delivery`, `slack`, `profile`, `stop`). `handoff-web` and
`handoff-worker` are the two processes of the split deployment (HANDOFF_ROLE=web and `handoff worker`) on one
`--database`: the web one beside the fake Slack, the worker talking to it at `--slack`. The bare Bolt baseline is
bench/baseline_server.py.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.protocol import answer, say, serve
from bot.app.factory import create_app
from bot.app.services import SERVICES, Services
from bot.cli import configure_logging
from sandbox.slack_api import FakeSlack
from storage.models import Lead, OutboxMessage
from tests.conftest import BOT_TOKEN, LEADS, REP1, REP2, SALES_GROUP, make_settings, team_config

KINDS = ("handoff", "handoff-web", "handoff-worker")
ROLES = {"handoff": "all", "handoff-web": "web", "handoff-worker": "worker"}
REPS = (REP1, REP2)
SETTLE_SECONDS = 150.0
Target = dict[str, Any]  # what one click needs: lead_id, user, channel, ts, trigger_id, response_url


class ExternalSlack:
    """A fake Slack running in another process: only its address is known here."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


class Handoff:
    """The real app and its fake Slack; the commands look at its database and the fake, never inside a request."""

    def __init__(self, fake: FakeSlack | None, svc: Services) -> None:
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

    async def progress(self) -> dict[str, Any]:
        """How far delivery got: leads, leads with a Slack post, outbox rows still to deliver."""
        async with self.svc.db.session() as session:
            leads = await session.scalar(select(func.count(Lead.id)))
            posted = await session.scalar(select(func.count(Lead.id)).where(Lead.slack_ts.is_not(None)))
        return {"leads": int(leads or 0), "posted": int(posted or 0), "pending": await self.pending()}

    async def delivery(self) -> dict[str, Any]:
        """Every lead's Slack post (its `ts`, or None) and the outbox rows that failed for good."""
        async with self.svc.db.session() as session:
            ts = list((await session.execute(select(Lead.slack_ts).order_by(Lead.id))).scalars())
            stages = dict((await session.execute(select(Lead.stage, func.count()).group_by(Lead.stage))).all())
            failed = await session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.failed_at.is_not(None))
            )
        return {"ts": ts, "stages": stages, "failed": int(failed or 0), **await self.progress()}

    async def targets(self) -> list[Target]:
        """Every posted lead still waiting for a decision, as a click needs it."""
        assert self.fake is not None, "clicks on posted leads need the fake Slack in this process"
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

    async def storm(self, lead_id: int, count: int, people: int) -> list[Target]:
        """`count` clicks on one posted lead by `people` people in turn (the reps first), each with its own
        response_url, as Slack hands one out per click."""
        assert self.fake is not None
        async with self.svc.db.session() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None and lead.slack_ts is not None
            channel, ts = lead.slack_channel, lead.slack_ts
        users = [*REPS, *(f"U0STORM{i:04d}" for i in range(max(people - len(REPS), 0)))][: max(people, 1)]
        return [
            {
                "lead_id": lead_id,
                "user": (user := users[i % len(users)]),
                "channel": channel,
                "ts": ts,
                "trigger_id": self.fake.issue_trigger_id(user),
                "response_url": self.fake.new_response_url(channel=channel, message_ts=ts, user_id=user),
            }
            for i in range(count)
        ]

    async def idle(self) -> float:
        """Seconds until the work behind acked clicks is done (the backlog the clicks left)."""
        started = asyncio.get_running_loop().time()
        await self.svc.background.wait()
        return asyncio.get_running_loop().time() - started

    async def stats(self) -> dict[str, Any]:
        assert self.fake is not None
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


PROFILER: list[cProfile.Profile] = []


def profile(command: dict[str, Any]) -> dict[str, Any]:
    """`{"cmd": "profile", "start": true}` starts cProfile on this process's event loop thread; `{"cmd": "profile",
    "path": …}` stops it and writes its stats there (for `pstats`), so a bench can profile just its measured part."""
    if command.get("start"):
        PROFILER[:] = [cProfile.Profile()]
        PROFILER[0].enable()
        return {}
    profiler = PROFILER.pop()
    profiler.disable()
    profiler.dump_stats(command["path"])
    return {"path": command["path"]}


async def run_handoff(
    workdir: Path, database: str | None, slack: str | None, rate_limits: bool, team_defaults: bool, role: str = "all"
) -> None:
    fake = None
    if slack is None:
        fake = FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS], enforce_rate_limits=rate_limits)
        fake.usergroups[SALES_GROUP] = []
        await fake.start()
    try:
        where = fake if fake is not None else ExternalSlack(slack or "")
        settings = make_settings(database or f"sqlite+aiosqlite:///{workdir / 'handoff.db'}", where)  # type: ignore[arg-type]
        settings = replace(settings, role=role)
        # The tests' team file turns pacing and burst batching off; against Slack's limits the defaults apply.
        config = team_config(slack={"leads_channel": LEADS}) if team_defaults else team_config()
        app = await create_app(settings, config)
        async with serve(app) as url:
            handoff = Handoff(fake, app[SERVICES])
            say({"url": url})

            async def handle(command: dict[str, Any]) -> dict[str, Any] | None:
                if command["cmd"] in ("prepare", "settle"):
                    await handoff.settle()
                if command["cmd"] == "prepare":
                    return {"targets": await handoff.targets()}
                if command["cmd"] == "slack":
                    return {"base_url": where.base_url}
                if command["cmd"] == "pending":
                    return {"pending": await handoff.pending()}
                if command["cmd"] == "storm":
                    targets = await handoff.storm(command["lead_id"], command["count"], command["people"])
                    return {"targets": targets}
                if command["cmd"] == "idle":
                    return {"seconds": await handoff.idle()}
                if command["cmd"] == "profile":
                    return profile(command)
                if command["cmd"] in ("stats", "progress", "delivery"):
                    result: dict[str, Any] = await getattr(handoff, command["cmd"])()
                    return result
                return None

            await answer(handle)
    finally:
        if fake is not None:
            await fake.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--database", help="handoff: this database instead of a SQLite file in workdir")
    parser.add_argument("--slack", help="handoff: the fake Slack's Web API base URL, in another process")
    parser.add_argument("--rate-limits", action="store_true", help="the in-process fake limits posts")
    parser.add_argument("--team-defaults", action="store_true", help="[slack] pacing and batching as configured by "
                        "default, not turned off as in the tests' team file")  # fmt: skip
    args = parser.parse_args(argv)
    configure_logging("INFO")  # as `python -m bot` runs in production
    asyncio.run(
        run_handoff(
            args.workdir, args.database, args.slack, args.rate_limits, args.team_defaults, role=ROLES[args.kind]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
