"""The bot's Slack token at start-up: refused → stop (exit 2, one line), Slack unreachable → retry, not ready."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.app import IDENTITY
from bot.errors import ConfigError
from sandbox.slack_api import FakeSlack
from tests.conftest import Harness, StartApp
from tests.test_config import GOOD_ENV, ROOT


async def readyz(app: Harness) -> tuple[int, dict[str, object]]:
    async with app.http.get(app.url("/readyz")) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive", "not_authed"])
async def test_a_token_slack_refuses_stops_start_up_naming_slack_bot_token(
    start_app: StartApp, slack: FakeSlack, error: str
) -> None:
    slack.fail_next("auth.test", status=200, error=error)
    with pytest.raises(ConfigError) as caught:
        await start_app()
    assert caught.value.key == "SLACK_BOT_TOKEN" and error in caught.value.problem


async def test_the_command_exits_2_with_one_line_when_slack_refuses_the_token(tmp_path: Path, slack: FakeSlack) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INTAKE_", "HANDOFF_", "DATABASE_"))},
        **GOOD_ENV,  # xoxb-1-2-3: not the token this workspace issued
        "PYTHONPATH": str(ROOT),
        "SLACK_API_URL": slack.base_url,
        "PORT": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)

    assert proc.returncode == 2
    lines = [line for line in stderr.decode().splitlines() if "cannot start" in line or "Traceback" in line]
    assert lines == ["handoff: cannot start: SLACK_BOT_TOKEN: Slack refused it (invalid_auth): use the bot token "
                     "of the installed app"]  # fmt: skip
    assert "xoxb-1-2-3" not in stderr.decode()


async def test_readyz_stays_503_until_auth_test_succeeds_and_5xx_is_retried(
    start_app: StartApp, slack: FakeSlack
) -> None:
    slack.fail_next("auth.test", status=503, times=2)
    app = await start_app()  # Slack being down does not stop start-up

    status, body = await readyz(app)
    assert status == 503 and body["ok"] is False
    assert "Slack" in str(body["reason"]) and "auth.test" in str(body["reason"])

    identity = app.server.app[IDENTITY]
    identity.retry_now()  # the retry's back-off, without waiting for it
    await identity.wait_attempts(2)
    assert (await readyz(app))[0] == 503  # the second 503
    identity.retry_now()
    await asyncio.wait_for(identity.connected.wait(), 5)

    status, body = await readyz(app)
    assert status == 200 and body["ok"] is True
    assert len(slack.calls_to("auth.test")) == 3


async def test_a_refusal_after_slack_was_down_stops_retrying_and_readyz_names_the_token(
    start_app: StartApp, slack: FakeSlack
) -> None:
    slack.fail_next("auth.test", status=500)
    slack.fail_next("auth.test", status=200, error="token_revoked")
    app = await start_app()
    identity = app.server.app[IDENTITY]
    identity.retry_now()
    await identity.wait_attempts(2)

    status, body = await readyz(app)
    assert status == 503 and "SLACK_BOT_TOKEN" in str(body["reason"]) and "token_revoked" in str(body["reason"])
    identity.retry_now()
    await asyncio.sleep(0)
    assert len(slack.calls_to("auth.test")) == 2  # a refused token is not tried again
