"""What the content library's tests share: /content asked through a signed slash command, a result's buttons
clicked as Slack sends them, the add and share modals submitted, and assets stored as the add modal stores them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.content.assets import AssetInput
from bot.content.ids import ADD_ACTIONS, ADD_BLOCKS, SHARE_BLOCK, ContentAction, ContentCallback
from tests import slack_requests as sr
from tests.conftest import LEADS, MARKETER, REP1, Harness


async def content(app: Harness, text: str = "", user_id: str = REP1) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`/content <text>`: the ack's body, and what came back through response_url."""
    before = len(app.slack.responses)
    body = sr.slash_command(user_id=user_id, command="/content", text=text, channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
                            trigger_id=app.slack.issue_trigger_id(user_id))  # fmt: skip
    status, answer = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    assert status == 200
    return (json.loads(answer) if answer else {}), app.slack.responses[before:]


def titles(response: dict[str, Any]) -> list[str]:
    """The titles of the assets an answer lists, in order (each card's first line, between the asterisks)."""
    out = []
    for block in response["blocks"]:
        if block["type"] == "section" and block["block_id"].count(":") == 2:
            out.append(block["text"]["text"].split("\n")[0].strip("*"))
    return out


def buttons(response: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    return [el for b in response["blocks"] if b["type"] == "actions" for el in b["elements"]
            if el["action_id"] == action_id]  # fmt: skip


async def press(app: Harness, user_id: str, action_id: str, value: str) -> list[dict[str, Any]]:
    """Click a button on /content's ephemeral answer; what came back through response_url."""
    before = len(app.slack.responses)
    payload = sr.block_actions(
        user_id=user_id, action_id=action_id, value=value, channel=LEADS, message_ts=None,
        trigger_id=app.slack.issue_trigger_id(user_id),
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
    )  # fmt: skip
    status, _ = await app.interact(payload)
    assert status == 200
    await app.settle()
    return app.slack.responses[before:]


def last_view(app: Harness) -> dict[str, Any]:
    view = app.slack.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def add_values(**fields: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in fields.items():
        action = ADD_ACTIONS[name]
        if name in ("kind", "stage"):
            element = {"type": "static_select", "selected_option": {"value": value} if value else None}
        elif name == "owner":
            element = {"type": "users_select", "selected_user": value or None}
        elif name == "expires":
            element = {"type": "datepicker", "selected_date": value or None}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[ADD_BLOCKS[name]] = {action: element}
    return values


async def submit_add(app: Harness, user_id: str = MARKETER, **fields: str) -> dict[str, Any]:
    """Submit the add modal; its answer ({} when it closed)."""
    status, answer = await app.submit(ContentCallback.ADD, user_id, LEADS, add_values(**fields))
    assert status == 200
    await app.settle()
    return json.loads(answer) if answer else {}


async def share(app: Harness, user_id: str, asset_id: int, lead_id: int) -> dict[str, Any]:
    """Share to a lead: the button opens the modal, the lead is picked and submitted; the submission's answer."""
    await press(app, user_id, ContentAction.SHARE, str(asset_id))
    view = last_view(app)
    assert view["callback_id"] == ContentCallback.SHARE
    values = {SHARE_BLOCK: {ContentAction.SHARE_LEAD: {"type": "static_select",
                                                       "selected_option": {"value": str(lead_id)}}}}  # fmt: skip
    status, answer = await app.submit(ContentCallback.SHARE, user_id, view["private_metadata"], values)
    assert status == 200
    await app.settle()
    return json.loads(answer) if answer else {}


async def stored(app: Harness, title: str, url: str, *, kind: str = "case_study", tags: tuple[str, ...] = (),
                 industries: tuple[str, ...] = (), stage: str | None = None, expires_on: date | None = None,
                 owner: str | None = MARKETER) -> int:  # fmt: skip
    """An asset stored as the add modal stores it (and announced); its id."""
    asset = AssetInput(title=title, kind=kind, url=url, stage=stage, industries=industries, tags=tags,
                       owner=owner, expires_on=expires_on)  # fmt: skip
    row, _ = await app.svc.library.store(asset, actor=MARKETER)
    await app.settle()
    return row.id
