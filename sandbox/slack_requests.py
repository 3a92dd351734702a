"""Requests exactly as Slack sends them: form or JSON bodies, signed with v0 HMAC over a real timestamp.

Shared by the test suite (which plays Slack towards the app) and the sandbox page (which does the same for a person
clicking in a browser), so there is one idea of what a Slack request looks like.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote, urlencode

TEAM = {"id": "T0HANDOFF", "domain": "acme-sales"}
FORM = "application/x-www-form-urlencoded"


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(secret: str, body: str, *, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    # Always the real time: the app checks the timestamp against its own wall clock, not the sandbox's clock.
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
    value: str | None,
    channel: str | None,
    message_ts: str | None,
    trigger_id: str,
    response_url: str | None,
    block_id: str = "actions",
    action: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A click. On a message by default; with ``view`` a click in a modal or on a Home tab (Slack then sends the
    view instead of the channel, the message and a response_url). ``action`` replaces the default button action
    (a select sends ``selected_option`` instead of ``value``)."""
    clicked: dict[str, Any] = action or {
        "type": "button",
        "text": {"type": "plain_text", "text": action_id},
        "value": value,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user(user_id),
        "api_app_id": "A0HANDOFF",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [{**clicked, "action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        return payload
    payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
    payload["channel"] = {"id": channel, "name": "leads" if channel and channel[0] == "C" else "directmessage"}
    payload["message"] = message or {"type": "message", "ts": message_ts, "text": "", "blocks": []}
    payload["response_url"] = response_url
    return payload


def view_submission(
    *,
    user_id: str,
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, Any]],
    view: dict[str, Any] | None = None,
    trigger_id: str = "1.2.3",
) -> dict[str, Any]:
    """A modal's submission; ``view`` is the view as Slack stored it (ids, hash, blocks), else a stand-in."""
    shown: dict[str, Any] = {
        "id": "V0MODAL001",
        "team_id": TEAM["id"],
        "type": "modal",
        "blocks": [],
        "hash": "1.a",
        "title": {"type": "plain_text", "text": "Reject lead"},
        "app_id": "A0HANDOFF",
        "bot_id": "B0HANDOFF",
        **(view or {}),
    }
    shown.update({"callback_id": callback_id, "private_metadata": private_metadata, "state": {"values": values}})
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": user(user_id),
        "api_app_id": "A0HANDOFF",
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "view": shown,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(*, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    """Sent when a person cancels a modal that asked for it (``notify_on_close``)."""
    return {
        "type": "view_closed",
        "team": TEAM,
        "user": user(user_id),
        "api_app_id": "A0HANDOFF",
        "token": "legacy-verification-token",
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(
    *,
    user_id: str,
    command: str,
    text: str,
    channel: str,
    response_url: str,
    trigger_id: str,
    channel_name: str = "leads",
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": channel_name,
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
            "event_id": f"Ev{time.time_ns() // 1000}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM["id"], "user_id": "U0HANDOFF", "is_bot": True}],
            "is_ext_shared_channel": False,
        }
    )


def app_home_opened(user_id: str, *, view: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event a person's client sends when they open the app's Home tab."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id[1:],
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event
