"""What Slack does between a person and the app, for the sandbox page: a click, a modal submission, a slash command
or opening the Home tab becomes the signed HTTP request Slack would send to the app's /slack/events, and the app's
answer is applied to the emulated workspace the way Slack applies it (inline modal errors, a command's ephemeral
reply, a closed or updated modal).

Like Slack's client, it only sends what the person could have done: a click names an element that is on the message
or view, a chosen option is one of the element's options, and a form with an empty required field is not sent.
"""

from __future__ import annotations

import json
from typing import Any, Final

import aiohttp

from sandbox.slack_api import FakeSlack
from sandbox.slack_models import Message, ResponseUrl, SlackError
from sandbox.slack_requests import (
    FORM,
    app_home_opened,
    block_actions,
    event_callback,
    interactive_body,
    signed_headers,
    slash_command,
    view_closed,
    view_submission,
)

REQUIRED: Final = "Please complete this required field."
SINGLE_OPTION: Final = frozenset({"static_select", "radio_buttons", "overflow", "external_select"})
MULTI_OPTION: Final = frozenset({"multi_static_select", "checkboxes", "multi_external_select"})
TEXT_INPUTS: Final = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})


class BadInput(Exception):
    """A request the page should not have sent; answered with HTTP 400 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AppTrouble(Exception):
    """The app answered Slack's request with something Slack would not accept (shown to the person)."""


def block_id_of(block: dict[str, Any], index: int) -> str:
    """Slack gives a block without a block_id one of its own; ours is stable so the page can name it."""
    return str(block.get("block_id") or f"b{index}")


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options") or [])]


def find_option(element: dict[str, Any], value: object, field: str) -> dict[str, Any]:
    for option in options_of(element):
        if option.get("value") == value:
            return option
    raise BadInput(field, f"{value!r} is not one of the options of {element.get('action_id')}")


def find_element(blocks: list[dict[str, Any]], block_index: object, action_id: object) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the interactive element ``action_id`` in block ``block_index``."""
    if not isinstance(block_index, int) or isinstance(block_index, bool) or not 0 <= block_index < len(blocks):
        raise BadInput("block", f"must be the index of a block (0-{len(blocks) - 1})")
    block = blocks[block_index]
    elements = [*(block.get("elements") or []), *([block["accessory"]] if block.get("accessory") else [])]
    for element in elements:
        if isinstance(element, dict) and element.get("action_id") == action_id:
            return block_id_of(block, block_index), element
    raise BadInput("action_id", f"no element {action_id!r} in block {block_index}")


def clicked(element: dict[str, Any], selected: object) -> dict[str, Any]:
    """The ``actions[0]`` Slack sends for a click on (or a choice in) ``element``."""
    kind = element.get("type")
    if kind == "button":
        action = {"type": "button", "text": element.get("text"), "value": element.get("value")}
        return {**action, **({"style": element["style"]} if element.get("style") else {})}
    if kind in SINGLE_OPTION:
        return {"type": kind, "selected_option": find_option(element, selected, "selected")}
    if kind == "users_select":
        if not isinstance(selected, str) or not selected.startswith(("U", "W")):
            raise BadInput("selected", "must be a user id (U…)")
        return {"type": kind, "selected_user": selected}
    raise BadInput("action_id", f"clicking a {kind} is not emulated")


def form_state(view: dict[str, Any], values: object) -> tuple[dict[str, Any], dict[str, str]]:
    """Slack's ``view.state.values`` for what the person entered, and the errors Slack's client shows itself
    (an empty required field, text over max_length) without sending the form."""
    if not isinstance(values, dict):
        raise BadInput("values", "must be an object of block_id: value")
    inputs = {
        block_id_of(b, i): b for i, b in enumerate(view.get("blocks") or []) if b.get("type") == "input"
    }  # fmt: skip
    for block_id in values:
        if block_id not in inputs:
            raise BadInput(f"values.{block_id}", "is not an input block of this modal")
    state: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id, block in inputs.items():
        element = block.get("element") or {}
        kind, field = str(element.get("type")), f"values.{block_id}"
        value = values.get(block_id)
        entry: dict[str, Any] = {"type": kind}
        if kind in TEXT_INPUTS:
            if value is not None and not isinstance(value, str):
                raise BadInput(field, "must be text")
            text = value or None
            entry["value"] = text
            limit = element.get("max_length")
            if text and isinstance(limit, int) and len(text) > limit:
                errors[block_id] = f"Must be {limit} characters or fewer."
        elif kind in SINGLE_OPTION:
            entry["selected_option"] = find_option(element, value, field) if value else None
        elif kind in MULTI_OPTION:
            chosen = value or []
            if not isinstance(chosen, list):
                raise BadInput(field, "must be a list of option values")
            entry["selected_options"] = [find_option(element, v, field) for v in chosen]
        elif kind == "users_select":
            if value and (not isinstance(value, str) or value[0] not in "UW"):
                raise BadInput(field, "must be a user id (U…)")
            entry["selected_user"] = value or None
        elif kind == "multi_users_select":
            users = value or []
            if not isinstance(users, list) or any(not isinstance(u, str) or u[:1] not in "UW" for u in users):
                raise BadInput(field, "must be a list of user ids (U…)")
            entry["selected_users"] = users
        else:
            raise BadInput(field, f"a {kind} is not emulated")
        if not block.get("optional") and not any(entry.get(k) for k in entry if k != "type"):
            errors[block_id] = REQUIRED
        state[block_id] = {str(element.get("action_id")): entry}
    return state, errors


class SlackFrontend:
    def __init__(self, fake: FakeSlack, *, signing_secret: str, commands: tuple[str, ...]) -> None:
        self.fake = fake
        self.commands = commands
        self.app_url = ""  # the app's own address, e.g. http://127.0.0.1:3000 (set by the page)
        self.http: aiohttp.ClientSession | None = None  # created and closed with the app, by the page
        self._secret = signing_secret

    async def post_to_app(self, body: str, content_type: str) -> tuple[int, str]:
        """POST ``body`` to the app's /slack/events, signed like Slack signs it."""
        assert self.http is not None, "the page opens the session when the app starts"
        headers = signed_headers(self._secret, body, content_type=content_type)
        async with self.http.post(f"{self.app_url}/slack/events", data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def _interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self.post_to_app(interactive_body(payload), FORM)

    # -- what a person can do ---------------------------------------------------------------------------------------

    def _message(self, user_id: str, channel: object, ts: object) -> Message:
        if not isinstance(channel, str) or not isinstance(ts, str):
            raise BadInput("channel" if not isinstance(channel, str) else "ts", "is required")
        found = self.fake.find_message(channel, ts) or next(
            (m for m in self.fake.ephemerals.get(user_id, []) if m.ts == ts and m.channel == channel), None
        )
        if found is None:
            raise BadInput("ts", f"no message {ts} in {channel}")
        return found

    async def click(
        self, user_id: str, *, channel: object, ts: object, block: object, action_id: object, selected: object = None
    ) -> int:
        """A click on a message in a channel or DM (or on one of the person's ephemeral messages)."""
        message = self._message(user_id, channel, ts)
        block_id, element = find_element(message.blocks, block, action_id)
        payload = block_actions(
            user_id=user_id,
            action_id=str(action_id),
            value=element.get("value"),
            channel=message.channel,
            message_ts=message.ts,
            trigger_id=self.fake.issue_trigger_id(user_id),
            response_url=self.fake.new_response_url(channel=message.channel, message_ts=message.ts, user_id=user_id),
            block_id=block_id,
            action=clicked(element, selected),
            message=message.to_api(self.fake.team_id),
        )
        payload["container"]["is_ephemeral"] = message.ephemeral_user is not None
        return (await self._interact(payload))[0]

    def _view(self, user_id: str, view_id: object, *, modal_only: bool = False) -> dict[str, Any]:
        home = self.fake.home_views.get(user_id)
        if not modal_only and home is not None and home["id"] == view_id:
            return home
        if view_id in self.fake.view_stacks.get(user_id, []):
            return self.fake.views[str(view_id)]
        raise BadInput("view_id", f"{user_id} has no open {'modal' if modal_only else 'view'} {view_id!r}")

    async def click_in_view(
        self, user_id: str, *, view_id: object, block: object, action_id: object, selected: object = None
    ) -> int:
        """A click on a Home tab or in a modal (Slack sends the view, and no response_url)."""
        view = self._view(user_id, view_id)
        block_id, element = find_element(view.get("blocks") or [], block, action_id)
        payload = block_actions(
            user_id=user_id,
            action_id=str(action_id),
            value=element.get("value"),
            channel=None,
            message_ts=None,
            trigger_id=self.fake.issue_trigger_id(user_id),
            response_url=None,
            block_id=block_id,
            action=clicked(element, selected),
            view=view,
        )
        return (await self._interact(payload))[0]

    async def submit(self, user_id: str, *, view_id: object, values: object) -> dict[str, str]:
        """Submit a modal; returns the errors to show under its fields (empty when the modal moved on)."""
        view = self._view(user_id, view_id, modal_only=True)
        state, errors = form_state(view, values)
        if errors:
            return errors
        payload = view_submission(
            user_id=user_id,
            callback_id=str(view.get("callback_id") or ""),
            private_metadata=str(view.get("private_metadata") or ""),
            values=state,
            view=view,
            trigger_id=self.fake.issue_trigger_id(user_id),
        )
        status, text = await self._interact(payload)
        if status != 200:
            raise AppTrouble(f"We had some trouble connecting (the app answered HTTP {status}). Try again?")
        try:
            answer = json.loads(text) if text.strip() else {}
        except ValueError:
            raise AppTrouble("The app answered the submission with something that is not JSON.") from None
        action = answer.get("response_action") if isinstance(answer, dict) else None
        try:
            if action == "errors":
                return {str(k): str(v) for k, v in dict(answer.get("errors") or {}).items()}
            if action == "update":
                self.fake.api_views_update({"view_id": view["id"], "view": answer.get("view")})
            elif action == "push":
                self.fake.push_view(user_id, answer.get("view") or {})
            elif action == "clear":
                self.fake.close_modals(user_id)
            else:
                self.fake.close_view(user_id, view["id"])
        except SlackError as exc:
            raise AppTrouble(f"The app answered with a view Slack rejects: {exc.error} {exc.messages}") from None
        self.fake.notify_change()
        return {}

    async def close_modal(self, user_id: str, *, view_id: object) -> None:
        view = self._view(user_id, view_id, modal_only=True)
        self.fake.close_view(user_id, view["id"])
        self.fake.notify_change()
        if view.get("notify_on_close"):
            await self._interact(view_closed(user_id=user_id, view=view))

    async def command(self, user_id: str, *, channel: object, text: object) -> None:
        """A slash command typed in ``channel``; the app's immediate answer shows as Slack shows it."""
        if not isinstance(text, str) or not text.strip().startswith("/"):
            raise BadInput("text", "must be a slash command, e.g. /funnel this month by source")
        name, _, rest = text.strip().partition(" ")
        if name not in self.commands:
            raise BadInput("text", f"{name} is not a command of this app (it has {', '.join(self.commands)})")
        try:
            conversation = self.fake.resolve_channel(channel if isinstance(channel, str) else None)
        except SlackError:
            raise BadInput("channel", f"no conversation {channel!r}") from None
        body = slash_command(
            user_id=user_id,
            command=name,
            text=rest.strip(),
            channel=conversation,
            channel_name="leads" if conversation.startswith("C") else "directmessage",
            response_url=self.fake.new_response_url(channel=conversation, user_id=user_id),
            trigger_id=self.fake.issue_trigger_id(user_id),
        )
        status, answer_text = await self.post_to_app(body, FORM)
        here = ResponseUrl("", self.fake.clock(), conversation, None, user_id)
        if status != 200:
            answer: dict[str, Any] = {"text": f'{name} failed with the error "dispatch_failed" (HTTP {status})'}
        elif not answer_text.strip():
            return
        else:
            try:
                parsed = json.loads(answer_text)
            except ValueError:
                parsed = {"text": answer_text}
            answer = parsed if isinstance(parsed, dict) else {"text": answer_text}
        if self.fake.response_problems(answer) is None:
            self.fake.apply_response(here, answer)
            self.fake.notify_change()

    async def open_home(self, user_id: str) -> int:
        """The person opens the app's Home tab: Slack sends app_home_opened."""
        event = app_home_opened(user_id, view=self.fake.home_views.get(user_id))
        return (await self.post_to_app(event_callback(event), "application/json"))[0]
