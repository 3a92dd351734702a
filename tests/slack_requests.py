"""Requests exactly as Slack sends them: form or JSON bodies, signed with v0 HMAC over a real timestamp."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

TEAM = {"id": "T0HANDOFF", "domain": "acme-sales"}


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, body: str, *, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
    }


def interactive_body(payload: dict[str, Any]) -> str:
    return f"payload={quote(json.dumps(payload))}"


def user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM["id"]}


def block_actions(
    *,
    user_id: str,
    action_id: str,
    value: str,
    channel: str,
    message_ts: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0HANDOFF",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "leads"},
        "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "text": {"type": "plain_text", "text": action_id},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    *, user_id: str, callback_id: str, private_metadata: str, values: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": user(user_id),
        "api_app_id": "A0HANDOFF",
        "token": "legacy-verification-token",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0MODAL001",
            "team_id": TEAM["id"],
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": [],
            "state": {"values": values},
            "hash": "1.a",
            "title": {"type": "plain_text", "text": "Reject lead"},
            "app_id": "A0HANDOFF",
            "bot_id": "B0HANDOFF",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(*, user_id: str, command: str, text: str, channel: str, response_url: str, trigger_id: str) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": "leads",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0HANDOFF",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_callback(event: dict[str, Any]) -> str:
    """An Events API delivery, as Slack POSTs it (JSON)."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "api_app_id": "A0HANDOFF",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{int(time.time() * 1000)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM["id"], "user_id": "U0HANDOFF", "is_bot": True}],
            "is_ext_shared_channel": False,
        }
    )
