"""The fake Slack Web API in a process of its own: `python -m bench.fake_slack fake DIR --token T --channel C …`.

The burst benchmark points the app at it, so answering a thousand posts (or 429s) costs the app's process nothing it
would not pay against the real Slack. It speaks bench/protocol.py's JSON lines: `issue` hands out trigger ids and
response URLs for clicks and slash commands, `stats` reports what reached it, `stop` ends it. With `--rate-limits`
chat.postMessage is limited per channel as Slack does (FakeSlack: 1 a second, a burst of 3, then 429 with
Retry-After). It imports nothing of the app, so it starts in about half a second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from bench.protocol import answer, say
from sandbox.slack_api import FakeSlack


def stats(fake: FakeSlack, channel: str) -> dict[str, Any]:
    posts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]
    ok = [c for c in posts if c.status == 200 and c.response.get("ok")]
    return {
        "posts": len(posts),
        "ok": len(ok),
        "limited": sum(c.status == 429 for c in posts),
        "other_errors": len(posts) - len(ok) - sum(c.status == 429 for c in posts),
        "ts": [str(c.response["ts"]) for c in ok if not c.args.get("thread_ts")],
        "replies": sum(bool(c.args.get("thread_ts")) for c in ok),
        "first_at": min((c.at for c in ok), default=None),
        "last_at": max((c.at for c in ok), default=None),
        "updates": len(fake.calls_to("chat.update")),
        "responses": len(fake.responses),
        "uploads": len(fake.calls_to("files.completeUploadExternal")),
        "calls": len(fake.calls),
        "rate": fake.post_message_rate,
        "burst": fake.post_message_burst,
    }


async def run(args: argparse.Namespace) -> None:
    fake = FakeSlack(bot_token=args.token, channels=[args.channel], enforce_rate_limits=args.rate_limits)
    for group in args.usergroup:
        fake.usergroups[group] = []
    await fake.start()
    try:
        say({"url": fake.base_url})

        async def handle(command: dict[str, Any]) -> dict[str, Any] | None:
            if command["cmd"] == "issue":
                return {
                    "issued": [
                        {
                            "trigger_id": fake.issue_trigger_id(user),
                            "response_url": fake.new_response_url(channel=args.channel, user_id=user),
                        }
                        for user in command["users"]
                    ]
                }
            if command["cmd"] == "stats":
                return stats(fake, args.channel)
            return None

        await answer(handle)
    finally:
        await fake.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_slack")
    parser.add_argument("kind", choices=["fake"])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--token", required=True)
    parser.add_argument("--channel", required=True)
    parser.add_argument("--usergroup", action="append", default=[])
    parser.add_argument("--rate-limits", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level="INFO", stream=sys.stderr)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
