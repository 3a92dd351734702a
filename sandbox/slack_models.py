"""Records and small helpers shared by the fake Slack Web API (``sandbox.slack_api``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

# Arguments whose text form is JSON (form or query encoded calls send them as strings).
JSON_ARGS: Final = frozenset({"blocks", "attachments", "view", "files", "metadata", "outputs"})


class SlackError(Exception):
    """A Web API error answered as HTTP 200 ``{"ok": false, "error": code}`` (plus optional messages)."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class Call:
    """One request to the fake Web API, as recorded (failed and rejected calls included)."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int
    response: dict[str, Any]
    http_method: str = "POST"
    encoding: str = "json"  # "json", "form", "query" or "multipart": how the arguments arrived

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class Message:
    """A message as the fake workspace stores it."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    user: str | None = None
    bot_id: str | None = None
    updated: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    reply_count: int = 0
    ephemeral_user: str | None = None  # set for chat.postEphemeral / ephemeral response_url messages

    @property
    def is_bot(self) -> bool:
        return self.bot_id is not None

    def to_api(self, team_id: str) -> dict[str, Any]:
        """The message object Slack returns in API responses and event payloads."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "team": team_id}
        if self.user is not None:
            out["user"] = self.user
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
            out["app_id"] = "A0HANDOFF"
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = self.files
            out["upload"] = True
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.reply_count:
            out["reply_count"] = self.reply_count
        if self.reactions:
            out["reactions"] = [{"name": n, "users": u, "count": len(u)} for n, u in self.reactions.items()]
        if self.updated:
            out["edited"] = {"user": self.user, "ts": self.ts}
        return out


@dataclass
class StoredFile:
    """A file created by files.getUploadURLExternal and filled by the upload POST."""

    id: str
    filename: str
    length: int
    created: float
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)


@dataclass
class Trigger:
    trigger_id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    url: str
    created: float
    channel: str | None = None
    message_ts: str | None = None
    user_id: str | None = None
    uses: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Failure:
    """A scripted failure queued with ``FakeSlack.fail_next``."""

    status: int
    times: int
    retry_after: int | None
    error: str

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error}


class TokenBucket:
    """Token bucket used for the optional chat.postMessage per-channel rate limit."""

    def __init__(self, *, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> int | None:
        """Take a token; return None when allowed, else the Retry-After seconds."""
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = max(self.updated, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


def parse_json_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Copy ``args`` with JSON text for ``blocks``/``view``/``files``/... parsed (left as-is if unparseable)."""
    out = dict(args)
    for key in JSON_ARGS & out.keys():
        value = out[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


def truthy(value: object) -> bool:
    """Slack's reading of boolean arguments (``true``/``1`` in form and query encodings)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def str_arg(args: Mapping[str, Any], key: str) -> str | None:
    """A string argument, or None when absent or empty."""
    value = args.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def require_str(args: Mapping[str, Any], key: str, error: str = "invalid_arguments") -> str:
    value = str_arg(args, key)
    if value is None:
        raise SlackError(error, f"[ERROR] missing required field: {key}")
    return value
