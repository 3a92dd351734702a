"""The bot's Slack token at start-up: refused → stop (exit 2, one line), Slack unreachable → retry, not ready; a
refusal once Slack answers again stops the app the same way (exit 2, the same line), after a graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app.factory import IDENTITY, create_app, serve
from bot.clock import ManualClock
from bot.errors import ConfigError
from sandbox.slack_api import FakeSlack
from tests.app.test_replicas import free_port
from tests.config.test_config import GOOD_ENV, ROOT
from tests.conftest import INTAKE_TOKEN, Harness, StartApp, make_settings, team_config
from tests.databases import fetch


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


def command_env(tmp_path: Path, slack: FakeSlack, **more: str) -> dict[str, str]:
    """`handoff run`'s environment in `tmp_path`, against the fake Slack."""
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INTAKE_", "HANDOFF_", "DATABASE_"))},
        **GOOD_ENV,  # xoxb-1-2-3: not the token this workspace issued
        "PYTHONPATH": str(ROOT),
        "SLACK_API_URL": slack.base_url,
        "PORT": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}",
        **more,
    }


async def test_the_command_exits_2_with_one_line_when_slack_refuses_the_token(tmp_path: Path, slack: FakeSlack) -> None:
    env = command_env(tmp_path, slack)
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


async def serving(port: int) -> bool:
    """Whether something answers HTTP on the port yet (or still)."""
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def until(*, port: int, up: bool) -> None:
    for _ in range(1000):
        if await serving(port) is up:
            return
        await asyncio.sleep(0.01)  # polling for the server, not waiting for time
    raise AssertionError(f"port {port} never became {'served' if up else 'closed'}")


async def test_a_refusal_after_slack_was_down_shuts_the_app_down_and_serve_raises_it_for_exit_2(
    slack: FakeSlack, clock: ManualClock, tmp_path: Path
) -> None:
    slack.fail_next("auth.test", status=503)
    slack.fail_next("auth.test", status=200, error="token_revoked")
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    app = await create_app(make_settings(db_url, slack), team_config(), clock=clock)
    port = free_port()
    running = asyncio.create_task(serve(app, host="127.0.0.1", port=port))
    await until(port=port, up=True)
    auth = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    async with aiohttp.ClientSession() as http:  # while Slack is away, intake keeps what marketing sends
        async with http.post(f"http://127.0.0.1:{port}/api/leads", json={"external_id": "kept-1"}, headers=auth) as r:
            assert r.status == 201

    app[IDENTITY].retry_now()  # the back-off, without waiting for it: Slack now answers, and refuses the token
    with pytest.raises(ConfigError) as caught:
        await asyncio.wait_for(running, 10)

    assert caught.value.key == "SLACK_BOT_TOKEN" and "token_revoked" in caught.value.problem
    assert not await serving(port)  # shut down, not left running unready
    assert len(slack.calls_to("auth.test")) == 2
    assert await fetch(db_url, "SELECT external_id FROM leads") == [("kept-1",)]  # posted once a good token runs


async def test_the_command_stops_gracefully_on_sigterm(tmp_path: Path, slack: FakeSlack) -> None:
    port = free_port()
    env = command_env(tmp_path, slack, SLACK_BOT_TOKEN=slack.bot_token, PORT=str(port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await until(port=port, up=True)
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    assert proc.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
