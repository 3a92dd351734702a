"""Socket Mode's setting: SLACK_APP_TOKEN, the app-level token (`xapp-…`, scope `connections:write`) that opens
the connection. With it set, Slack's requests arrive over a websocket instead of `POST /slack/events`, which is
then not served, and SLACK_SIGNING_SECRET is optional: socket messages are not signed."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import ConfigError

APP_TOKEN_PREFIX = "xapp-"


def app_token_from_env(env: Mapping[str, str]) -> str:
    """SLACK_APP_TOKEN, or "" (HTTP mode). Not echoed when wrong: a token pasted into the wrong variable is a
    secret all the same."""
    token = env.get("SLACK_APP_TOKEN", "").strip()
    if token and not token.startswith(APP_TOKEN_PREFIX):
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "must be an app-level token starting with 'xapp-' (Basic Information → App-Level Tokens, "
            "scope connections:write)",
        )
    return token
