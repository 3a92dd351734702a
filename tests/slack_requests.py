"""Requests exactly as Slack sends them. They live in sandbox/ since the sandbox page sends the same requests."""

from __future__ import annotations

from sandbox.slack_requests import (
    TEAM,
    app_home_opened,
    block_actions,
    event_callback,
    interactive_body,
    signature,
    signed_headers,
    slash_command,
    user,
    view_closed,
    view_submission,
)

__all__ = [
    "TEAM",
    "app_home_opened",
    "block_actions",
    "event_callback",
    "interactive_body",
    "signature",
    "signed_headers",
    "slash_command",
    "user",
    "view_closed",
    "view_submission",
]
