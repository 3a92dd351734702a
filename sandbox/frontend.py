"""What Slack does between a person and the app, for the sandbox page: a click, a modal submission, a slash command
or opening the Home tab becomes the signed HTTP request Slack would send to the app's /slack/events, and the app's
answer is applied to the emulated workspace the way Slack applies it (inline modal errors, a command's ephemeral
reply, a closed or updated modal).

Like Slack's client, it only sends what the person could have done: a click names an element that is on the message
or view, a chosen option is one of the element's options, and a form with an empty required field is not sent.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from sandbox.elements import BadInput, clicked, find_element, form_state
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


class AppTrouble(Exception):
    """The app answered Slack's request with something Slack would not accept (shown to the person)."""


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
