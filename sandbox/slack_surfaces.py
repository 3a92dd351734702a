"""Views (modals, Home tab), file uploads and response_url effects of the fake Slack workspace."""

from __future__ import annotations

import mimetypes
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from sandbox.blocks import VIEW_MAX_BYTES, validate_blocks, validate_view, view_size
from sandbox.slack_models import Message, ResponseUrl, SlackError, StoredFile, Trigger, require_str, str_arg, truthy
from sandbox.slack_workspace import Args, Body, WorkspaceState

TRIGGER_TTL = 3.0
MAX_VIEW_STACK = 3
DEFAULT_USER_ID = "U0USER0001"

Handler = Callable[[Args], Body]


class SlackWorkspace(WorkspaceState):
    """The whole in-memory workspace: messages plus views, files and response_url handling."""

    def __init__(
        self,
        *,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        channels: Iterable[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, channels=channels, clock=clock)
        self.views: dict[str, dict[str, Any]] = {}  # view id -> latest view object
        self.view_stacks: dict[str, list[str]] = {}  # user id -> open modal stack (view ids, root first)
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> published Home tab view
        self.files: dict[str, StoredFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}  # path -> record
        self._view_users: dict[str, str] = {}
        self.methods: dict[str, Handler] = {
            "auth.test": self.api_auth_test,
            "chat.postMessage": self.api_chat_post_message,
            "chat.update": self.api_chat_update,
            "chat.delete": self.api_chat_delete,
            "chat.postEphemeral": self.api_chat_post_ephemeral,
            "reactions.add": self.api_reactions_add,
            "conversations.open": self.api_conversations_open,
            "conversations.history": self.api_conversations_history,
            "conversations.replies": self.api_conversations_replies,
            "users.info": self.api_users_info,
            "users.getPresence": self.api_users_get_presence,
            "usergroups.users.list": self.api_usergroups_users_list,
            "views.open": self.api_views_open,
            "views.push": self.api_views_push,
            "views.update": self.api_views_update,
            "views.publish": self.api_views_publish,
            "files.getUploadURLExternal": self.api_files_get_upload_url_external,
            "files.completeUploadExternal": self.api_files_complete_upload_external,
        }

    # -- triggers and views -----------------------------------------------------------------------------------------

    def issue_trigger_id(self, user_id: str = DEFAULT_USER_ID) -> str:
        """A fresh trigger_id, as Slack puts in an interaction payload; valid once, for 3 s of the clock."""
        trigger_id = f"{7_400_000_000_000 + len(self.triggers) + 1}.7000000000.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.clock())
        return trigger_id

    def modal_stack(self, user_id: str) -> list[dict[str, Any]]:
        """The user's open modals, root first."""
        return [self.views[v] for v in self.view_stacks.get(user_id, [])]

    def close_modals(self, user_id: str) -> None:
        self.view_stacks.pop(user_id, None)

    def close_view(self, user_id: str, view_id: str) -> None:
        """Close one modal view (and any pushed on top of it), as a person's Cancel or an empty submission ack."""
        stack = self.view_stacks.get(user_id, [])
        if view_id in stack:
            del stack[stack.index(view_id) :]
        if not stack:
            self.view_stacks.pop(user_id, None)

    def push_view(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """A modal pushed by a submission's ``response_action: push`` (which needs no trigger_id)."""
        checked = self._view_arg({"view": view}, expected_type="modal")
        stack = self.view_stacks.setdefault(user_id, [])
        if len(stack) >= MAX_VIEW_STACK:
            raise SlackError("push_limit_reached")
        record = self._store_view(checked, user_id=user_id, previous_view_id=stack[-1] if stack else None)
        stack.append(record["id"])
        return record

    def _use_trigger(self, args: Args) -> Trigger:
        trigger_id = str_arg(args, "trigger_id") or str_arg(args, "interactivity_pointer")
        trigger = self.triggers.get(trigger_id) if trigger_id else None
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        return trigger

    def _view_arg(self, args: Args, *, expected_type: str | None) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments", "[ERROR] missing or invalid required field: view")
        if expected_type is not None and view.get("type") != expected_type:
            raise SlackError("invalid_arguments", f"[ERROR] view type must be {expected_type}")
        if view_size(view) > VIEW_MAX_BYTES:
            raise SlackError("view_too_large")
        problems = validate_view(view)
        if problems:
            raise SlackError("invalid_arguments", *(f"[ERROR] {p}" for p in problems))
        external_id = view.get("external_id")
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != args.get("view_id") for v in self.views.values()
        ):
            raise SlackError("duplicate_external_id")
        return view

    def _store_view(
        self, view: dict[str, Any], *, user_id: str, view_id: str | None = None, previous_view_id: str | None = None
    ) -> dict[str, Any]:
        view_id = view_id or self.new_id("V")
        old = self.views.get(view_id, {})
        record: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": truthy(view.get("clear_on_close", False)),
            "notify_on_close": truthy(view.get("notify_on_close", False)),
            "previous_view_id": old.get("previous_view_id", previous_view_id),
            "root_view_id": old.get("root_view_id")
            or (self.views[previous_view_id]["root_view_id"] if previous_view_id else view_id),
            "app_id": "A0HANDOFF",
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = record
        self._view_users[view_id] = user_id
        return record

    def api_views_open(self, args: Args) -> Body:
        trigger = self._use_trigger(args)
        view = self._view_arg(args, expected_type="modal")
        trigger.used = True
        record = self._store_view(view, user_id=trigger.user_id)
        self.view_stacks[trigger.user_id] = [record["id"]]
        return {"ok": True, "view": record}

    def api_views_push(self, args: Args) -> Body:
        trigger = self._use_trigger(args)
        view = self._view_arg(args, expected_type="modal")
        stack = self.view_stacks.setdefault(trigger.user_id, [])
        if len(stack) >= MAX_VIEW_STACK:
            raise SlackError("push_limit_reached")
        trigger.used = True
        record = self._store_view(view, user_id=trigger.user_id, previous_view_id=stack[-1] if stack else None)
        stack.append(record["id"])
        return {"ok": True, "view": record}

    def api_views_update(self, args: Args) -> Body:
        view_id = str_arg(args, "view_id")
        external_id = str_arg(args, "external_id")
        if view_id is None and external_id is None:
            raise SlackError("invalid_arguments", "[ERROR] either view_id or external_id is required")
        current = self.views.get(view_id) if view_id else None
        if external_id and current is None:
            current = next((v for v in self.views.values() if v.get("external_id") == external_id), None)
        if current is None:
            raise SlackError("not_found")
        view = self._view_arg({**args, "view_id": current["id"]}, expected_type=current["type"])
        expected_hash = str_arg(args, "hash")
        if expected_hash is not None and expected_hash != current["hash"]:
            raise SlackError("hash_conflict")
        record = self._store_view(view, user_id=self._view_users[current["id"]], view_id=current["id"])
        if record["type"] == "home":
            self.home_views[self._view_users[current["id"]]] = record
        return {"ok": True, "view": record}

    def api_views_publish(self, args: Args) -> Body:
        user_id = str_arg(args, "user_id")
        if user_id is None or user_id[0] not in "UW":
            raise SlackError("invalid_arguments", "[ERROR] invalid `user_id`")
        view = self._view_arg(args, expected_type="home")
        current = self.home_views.get(user_id)
        expected_hash = str_arg(args, "hash")
        if expected_hash is not None and current is not None and expected_hash != current["hash"]:
            raise SlackError("hash_conflict")
        record = self._store_view(view, user_id=user_id, view_id=current["id"] if current else None)
        self.home_views[user_id] = record
        return {"ok": True, "view": record}

    # -- files ------------------------------------------------------------------------------------------------------

    def api_files_get_upload_url_external(self, args: Args) -> Body:
        filename = require_str(args, "filename")
        try:
            length = int(require_str(args, "length"))
        except ValueError:
            raise SlackError("invalid_arguments", "[ERROR] length must be an integer") from None
        if length <= 0:
            raise SlackError("invalid_arguments", "[ERROR] length must be greater than 0")
        file_id = self.new_id("F")
        self.files[file_id] = StoredFile(file_id, filename, length, self.clock(), alt_txt=str_arg(args, "alt_txt"))
        return {"ok": True, "upload_url": f"{self._root_url}upload/v1/{file_id}", "file_id": file_id}

    def store_upload(self, file_id: str, content: bytes) -> bool:
        """Bytes POSTed to an upload_url; False when the file id is unknown or already completed."""
        stored = self.files.get(file_id)
        if stored is None or stored.completed:
            return False
        stored.content = content
        return True

    def file_object(self, stored: StoredFile) -> dict[str, Any]:
        mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
        url = f"{self._root_url}files/{stored.id}/{stored.filename}"
        return {
            "id": stored.id,
            "created": int(stored.created),
            "timestamp": int(stored.created),
            "name": stored.filename,
            "title": stored.title or stored.filename,
            "mimetype": mimetype,
            "filetype": stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "binary",
            "user": self.bot_user_id,
            "size": len(stored.content or b""),
            "url_private": url,
            "url_private_download": url,
            "permalink": url,
            "alt_txt": stored.alt_txt,
            "is_external": False,
            "channels": list(stored.channels),
        }

    def api_files_complete_upload_external(self, args: Args) -> Body:
        items = args.get("files")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise SlackError("invalid_arguments", "[ERROR] files must be a non-empty JSON array of objects")
        stored_files: list[StoredFile] = []
        for item in items:
            stored = self.files.get(str(item.get("id")))
            if stored is None or stored.content is None:
                raise SlackError("file_not_found")
            stored_files.append(stored)
        targets = [str_arg(args, "channel_id")] if str_arg(args, "channel_id") else []
        targets += [c.strip() for c in (str_arg(args, "channels") or "").split(",") if c.strip()]
        channels = [self.resolve_channel(c) for c in targets]
        for item, stored in zip(items, stored_files, strict=True):
            stored.title = str_arg(item, "title") or stored.title
            stored.completed = True
            stored.channels.extend(channels)
        comment = str_arg(args, "initial_comment") or ""
        blocks = None if comment else self._message_blocks(args)
        for channel in channels:
            self.add_message(
                channel,
                text=comment,
                blocks=blocks,
                thread_ts=str_arg(args, "thread_ts"),
                files=[self.file_object(s) for s in stored_files],
            )
        return {"ok": True, "files": [self.file_object(s) for s in stored_files]}

    # -- response_url -----------------------------------------------------------------------------------------------

    def apply_response(self, record: ResponseUrl, body: dict[str, Any]) -> None:
        """Apply a validated response_url payload to the workspace (replace/delete original, post, or ephemeral)."""
        original = (
            self.find_message(record.channel, record.message_ts) if record.channel and record.message_ts else None
        )
        if truthy(body.get("delete_original")):
            if original is not None:
                self.messages[original.channel].remove(original)
            return
        text = str(body["text"]) if isinstance(body.get("text"), str) else ""
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else None
        if truthy(body.get("replace_original")) and original is not None:
            original.text = text
            original.blocks = blocks or []
            original.updated += 1
        elif body.get("response_type") == "in_channel" and record.channel:
            self.add_message(record.channel, text=text, blocks=blocks, thread_ts=str_arg(body, "thread_ts"))
        elif record.user_id:
            ephemeral = Message(
                channel=record.channel or "",
                ts=self.next_ts(),
                text=text,
                blocks=blocks or [],
                user=self.bot_user_id,
                bot_id=self.bot_id,
                ephemeral_user=record.user_id,
            )
            self.ephemerals.setdefault(record.user_id, []).append(ephemeral)

    @staticmethod
    def response_problems(body: dict[str, Any]) -> str | None:
        """The error a response_url answers with HTTP 400, or None when the payload is acceptable."""
        if truthy(body.get("delete_original")):
            return None
        blocks = body.get("blocks")
        if blocks is not None and validate_blocks(blocks, surface="message"):
            return "invalid_blocks"
        if not body.get("text") and not blocks and not body.get("attachments"):
            return "no_text"
        return None
