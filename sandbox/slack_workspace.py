"""In-memory Slack workspace state and the message-side Web API methods of the fake Slack server.

No HTTP here: ``WorkspaceState`` holds channels, messages, users and user groups and implements ``auth.test``,
``chat.*``, ``reactions.add``, ``conversations.open``, ``users.info`` and ``usergroups.users.list`` as plain
methods that take parsed arguments and either return the success body or raise ``SlackError``.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from sandbox.blocks import validate_blocks
from sandbox.slack_models import Message, SlackError, require_str, str_arg, truthy

Args = dict[str, Any]
Body = dict[str, Any]


class WorkspaceState:
    """Channels, messages, users and ids of one fake workspace."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        channels: Iterable[str],
        clock: Callable[[], float] = time.time,
        team_domain: str = "handoff-sandbox",
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.clock = clock
        self.channels: set[str] = set(channels)
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: dict[str, list[Message]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.presence: dict[str, str] = {}  # user id -> "away" (everyone else is "active")
        self.dm_users: dict[str, str] = {}  # DM channel id -> user id
        self.undmable: dict[str, str] = {}  # user id -> what Slack answers a DM to them (user_not_found: they left)
        self._root_url = "http://127.0.0.1/"
        self._seq = 0
        self._ts_sec = 0
        self._ts_frac = 0

    # -- ids --------------------------------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:09d}"

    def next_ts(self) -> str:
        """A unique, strictly increasing message ts ("1767225601.000100") derived from the clock."""
        sec = int(self.clock())
        if sec > self._ts_sec:
            self._ts_sec, self._ts_frac = sec, 100
        else:
            self._ts_frac += 100
            if self._ts_frac > 999_999:
                self._ts_sec, self._ts_frac = self._ts_sec + 1, 100
        return f"{self._ts_sec}.{self._ts_frac:06d}"

    # -- lookups ----------------------------------------------------------------------------------------------------

    def dm_channel_for(self, user_id: str) -> str:
        if user_id in self.undmable:
            raise SlackError(self.undmable[user_id])
        channel = "D" + user_id[1:]
        self.dm_users[channel] = user_id
        return channel

    def resolve_channel(self, channel: str | None) -> str:
        """The conversation a message to ``channel`` lands in; user ids map to their DM channel."""
        if not channel:
            raise SlackError("channel_not_found")
        if channel[0] in "UW":
            return self.dm_channel_for(channel)
        if channel[0] == "D" or channel in self.channels:
            return channel
        raise SlackError("channel_not_found")

    def find_message(self, channel: str, ts: str) -> Message | None:
        """The stored message ``ts`` in ``channel`` (a user id finds the DM channel's messages)."""
        if channel and channel[0] in "UW":
            channel = "D" + channel[1:]
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The parent message and its replies, in order."""
        return [m for m in self.messages.get(channel, []) if m.ts == thread_ts or m.thread_ts == thread_ts]

    def add_message(
        self,
        channel: str,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        user: str | None = None,
        from_bot: bool = True,
        files: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """Store a message (no validation); ``from_bot=False`` stores one as if a person had posted it."""
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            text=text,
            blocks=list(blocks or []),
            thread_ts=thread_ts,
            user=self.bot_user_id if from_bot else user,
            bot_id=self.bot_id if from_bot else None,
            files=list(files or []),
            attachments=list(attachments or []),
            metadata=metadata,
        )
        if thread_ts is not None and (parent := self.find_message(channel, thread_ts)) is not None:
            parent.reply_count += 1
        self.messages.setdefault(channel, []).append(message)
        return message

    def post_as_user(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> Message:
        """Put a message from a person into a conversation (for sandbox UIs and tests)."""
        channel = self.resolve_channel(channel)
        return self.add_message(channel, text=text, user=user, from_bot=False, thread_ts=thread_ts)

    def user_info(self, user_id: str) -> dict[str, Any]:
        """A plausible users.info ``user`` object: fabricated from the id, overlaid with ``self.users[user_id]``."""
        is_bot = user_id == self.bot_user_id
        name = "handoff" if is_bot else user_id.lower()
        real_name = "Handoff" if is_bot else f"User {user_id}"
        profile: dict[str, Any] = {
            "real_name": real_name,
            "display_name": name,
            "real_name_normalized": real_name,
            "display_name_normalized": name,
            "first_name": real_name.split()[0],
            "team": self.team_id,
            "image_48": f"{self._root_url}avatars/{user_id}.png",
        }
        if not is_bot:
            profile["email"] = f"{name}@example.com"
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": "UTC",
            "tz_label": "Coordinated Universal Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.clock()),
        }
        override = self.users.get(user_id, {})
        user.update({k: v for k, v in override.items() if k != "profile"})
        profile.update(override.get("profile", {}))
        return user

    # -- argument helpers -------------------------------------------------------------------------------------------

    def _message_blocks(self, args: Args) -> list[dict[str, Any]] | None:
        """The validated ``blocks`` argument, or None when absent."""
        if args.get("blocks") is None or args.get("blocks") == "":
            return None
        blocks = args["blocks"]
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format", "[ERROR] blocks must be a JSON array")
        problems = validate_blocks(blocks, surface="message")
        if problems:
            raise SlackError("invalid_blocks", *(f"[ERROR] {p}" for p in problems))
        return blocks

    @staticmethod
    def _attachments(args: Args) -> list[dict[str, Any]] | None:
        value = args.get("attachments")
        if value is None or value == "":
            return None
        if not isinstance(value, list):
            raise SlackError("invalid_attachments")
        return value

    def _existing_message(self, args: Args, ts_key: str = "ts") -> tuple[str, Message]:
        channel = self.resolve_channel(str_arg(args, "channel"))
        ts = str_arg(args, ts_key)
        message = self.find_message(channel, ts) if ts else None
        if message is None:
            raise SlackError("message_not_found")
        return channel, message

    # -- Web API methods --------------------------------------------------------------------------------------------

    def api_auth_test(self, args: Args) -> Body:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Handoff Sandbox",
            "user": "handoff",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def api_chat_post_message(self, args: Args) -> Body:
        channel = self.resolve_channel(str_arg(args, "channel"))
        text = str_arg(args, "text") or ""
        blocks = self._message_blocks(args)
        attachments = self._attachments(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        metadata = args.get("metadata") if isinstance(args.get("metadata"), dict) else None
        message = self.add_message(
            channel,
            text=text,
            blocks=blocks,
            thread_ts=str_arg(args, "thread_ts"),
            attachments=attachments,
            metadata=metadata,
        )
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.to_api(self.team_id)}

    def api_chat_update(self, args: Args) -> Body:
        channel, message = self._existing_message(args)
        if message.bot_id != self.bot_id:
            raise SlackError("cant_update_message")
        blocks = self._message_blocks(args)
        attachments = self._attachments(args)
        has_text = "text" in args and args["text"] is not None
        if not has_text and "blocks" not in args and attachments is None:
            raise SlackError("no_text")
        if has_text:
            message.text = str(args["text"])
        if "blocks" in args:
            message.blocks = blocks or []
        if attachments is not None:
            message.attachments = attachments
        message.updated += 1
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(self.team_id),
        }

    def api_chat_delete(self, args: Args) -> Body:
        channel, message = self._existing_message(args)
        if message.bot_id != self.bot_id:
            raise SlackError("cant_delete_message")
        self.messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": message.ts}

    def api_chat_post_ephemeral(self, args: Args) -> Body:
        channel = self.resolve_channel(str_arg(args, "channel"))
        user = require_str(args, "user", "user_not_in_channel")
        text = str_arg(args, "text") or ""
        blocks = self._message_blocks(args)
        attachments = self._attachments(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            text=text,
            blocks=blocks or [],
            attachments=attachments or [],
            thread_ts=str_arg(args, "thread_ts"),
            user=self.bot_user_id,
            bot_id=self.bot_id,
            ephemeral_user=user,
        )
        self.ephemerals.setdefault(user, []).append(message)
        return {"ok": True, "message_ts": message.ts}

    def api_reactions_add(self, args: Args) -> Body:
        if not str_arg(args, "channel") or not str_arg(args, "timestamp"):
            raise SlackError("no_item_specified")
        name = str_arg(args, "name")
        if not name or ":" in name or " " in name:
            raise SlackError("invalid_name")
        _, message = self._existing_message(args, "timestamp")
        users = message.reactions.setdefault(name, [])
        if self.bot_user_id in users:
            raise SlackError("already_reacted")
        users.append(self.bot_user_id)
        return {"ok": True}

    def api_conversations_open(self, args: Args) -> Body:
        channel_arg = str_arg(args, "channel")
        users_arg = str_arg(args, "users")
        if users_arg is None:
            if channel_arg is None:
                raise SlackError("users_list_not_supplied")
            if channel_arg[0] != "D" and channel_arg not in self.channels:
                raise SlackError("channel_not_found")
            return {"ok": True, "channel": {"id": channel_arg}}
        users = [u.strip() for u in users_arg.split(",") if u.strip()]
        if any(u[0] not in "UW" for u in users):
            raise SlackError("user_not_found")
        if len(users) > 8:
            raise SlackError("too_many_users")
        if len(users) == 1:
            channel_id = self.dm_channel_for(users[0])
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            channel_id = f"G{digest}"
            self.channels.add(channel_id)
        channel: dict[str, Any] = {"id": channel_id}
        if truthy(args.get("return_im")):
            channel.update({"created": int(self.clock()), "is_im": len(users) == 1, "is_open": True})
            if len(users) == 1:
                channel["user"] = users[0]
        return {"ok": True, "channel": channel}

    def api_conversations_history(self, args: Args) -> Body:
        """Top-level messages, newest first, paged by cursor; metadata only with include_all_metadata."""
        channel = self.resolve_channel(str_arg(args, "channel"))
        messages = [m for m in self.messages.get(channel, []) if m.thread_ts is None or m.thread_ts == m.ts]
        return self._page(list(reversed(messages)), args)

    def api_conversations_replies(self, args: Args) -> Body:
        """A thread: its parent first, then the replies oldest first."""
        channel = self.resolve_channel(str_arg(args, "channel"))
        ts = str_arg(args, "ts")
        if ts is None:
            raise SlackError("invalid_arguments", "[ERROR] missing required field: ts")
        if self.find_message(channel, ts) is None:
            raise SlackError("thread_not_found")
        return self._page(self.thread(channel, ts), args)

    def _page(self, messages: list[Message], args: Args) -> Body:
        oldest, latest = float(str_arg(args, "oldest") or 0), float(str_arg(args, "latest") or "inf")
        messages = [m for m in messages if oldest <= float(m.ts) <= latest]
        limit = min(max(int(str_arg(args, "limit") or 100), 1), 999)
        cursor = str_arg(args, "cursor")
        start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
        page = messages[start : start + limit]
        with_metadata = truthy(args.get("include_all_metadata"))
        shown = [m.to_api(self.team_id) for m in page]
        if not with_metadata:
            for message in shown:
                message.pop("metadata", None)
        more = start + limit < len(messages)
        next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {"ok": True, "messages": shown, "has_more": more, "response_metadata": {"next_cursor": next_cursor}}

    def api_users_info(self, args: Args) -> Body:
        user_id = str_arg(args, "user")
        if not user_id or user_id[0] not in "UWB":
            raise SlackError("user_not_found")
        user = self.user_info(user_id)
        if truthy(args.get("include_locale")):
            user.setdefault("locale", "en-US")
        return {"ok": True, "user": user}

    def api_users_get_presence(self, args: Args) -> Body:
        user_id = str_arg(args, "user")
        if not user_id or user_id[0] not in "UW":
            raise SlackError("user_not_found")
        return {"ok": True, "presence": self.presence.get(user_id, "active")}

    def api_usergroups_users_list(self, args: Args) -> Body:
        group = str_arg(args, "usergroup")
        if group is None:
            raise SlackError("invalid_arguments", "[ERROR] missing required field: usergroup")
        if group not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"ok": True, "users": list(self.usergroups[group])}
