"""The bare Bolt baseline of the ack benchmark, in a process of its own: `python -m bench.baseline_server KIND DIR`.

KIND is `baseline` (a bare Bolt app that only acks, process_before_response=True) or `baseline-default` (the same
with Bolt's default process_before_response=False). It speaks bench/protocol.py's JSON lines (`prepare` hands out
synthetic click targets) and imports nothing of the app but its action ids, so it starts in well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult

from bench.protocol import answer, say, serve
from bot.ids import Action

KINDS = ("baseline", "baseline-default")
Target = dict[str, Any]  # what one click needs: lead_id, user, channel, ts, trigger_id, response_url


def bare_bolt_app(*, process_before_response: bool, secret: str, token: str) -> web.Application:
    """The least an aiohttp-mounted Bolt app can do for a click: verify, authorize from a constant, ack."""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    bolt = AsyncApp(
        authorize=authorize,
        signing_secret=secret,
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


def synthetic_targets(count: int, users: list[str], channel: str) -> list[Target]:
    return [
        {
            "lead_id": i + 1,
            "user": users[i % len(users)],
            "channel": channel,
            "ts": f"1767225601.{i:06d}",
            "trigger_id": f"7400000000000.7000000000.{i:032x}",
            "response_url": f"https://hooks.slack.com/actions/T0HANDOFF/{i}/bench",
        }
        for i in range(count)
    ]


async def run_baseline(args: argparse.Namespace) -> None:
    app = bare_bolt_app(process_before_response=args.kind == "baseline", secret=args.secret, token=args.token)
    async with serve(app) as url:
        say({"url": url})

        async def handle(command: dict[str, Any]) -> dict[str, Any] | None:
            if command["cmd"] == "prepare":
                return {"targets": synthetic_targets(int(command["count"]), args.user, args.channel)}
            return None

        await answer(handle)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_server")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--secret", required=True, help="the signing secret the clicks are signed with")
    parser.add_argument("--token", required=True)
    parser.add_argument("--channel", required=True)
    parser.add_argument("--user", action="append", required=True, help="who clicks (in turn)")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", stream=sys.stderr)
    asyncio.run(run_baseline(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
