"""Content-request scenarios: REP1 asks with `/content request` (as Slack sends it), marketing (MARKETER, whose
manager is MKT_MANAGER; MARKETER2, who has none, so the marketing head hears) answers on the request's post in
the requests channel."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.config.team_file import HandoffConfig
from bot.content.request_ids import DECLINE_BLOCKS, DELIVER_BLOCKS, REQUEST_BLOCKS, RequestAction, RequestCallback
from sandbox.slack_models import Message
from storage.content_models import ContentAsset, ContentRequest
from tests import slack_requests as sr
from tests.conftest import LEADS, MANAGER, MARKETER, REP1, REP2, SALES_GROUP, Harness, team_config

MARKETER2 = "U0MKT00002"
MKT_MANAGER = "U0MKTMGR01"
MKT_HEAD = "U0MKTHEAD1"
REQUESTS = "C0MKTG0001"
FORM = "application/x-www-form-urlencoded"


def requests_config(**overrides: Any) -> HandoffConfig:
    team = {
        "sales": [REP1, REP2, SALES_GROUP], "managers": [MANAGER, MKT_MANAGER], "marketing": [MARKETER, MARKETER2],
        "manager_of": {REP1: MANAGER, MARKETER: MKT_MANAGER}, "marketing_head": MKT_HEAD,
    }  # fmt: skip
    return team_config(team=team, content={"requests_channel": REQUESTS}, **overrides)


async def content(app: Harness, user_id: str, text: str = "request") -> dict[str, Any]:
    """`/content text` typed in the leads channel; the ack's JSON ({} when empty), after the work it started."""
    body = sr.slash_command(
        user_id=user_id, command="/content", text=text, channel=LEADS,
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
        trigger_id=app.slack.issue_trigger_id(user_id),
    )  # fmt: skip
    status, answer = await app.post_slack(body, content_type=FORM)
    await app.settle()
    assert status == 200
    return json.loads(answer) if answer else {}


def told(app: Harness, since: int) -> str:
    return "\n".join(str(r.get("text")) for r in app.slack.responses[since:])


async def open_request_modal(app: Harness, user_id: str = REP1) -> dict[str, Any]:
    opened = len(app.slack.calls_to("views.open"))
    assert await content(app, user_id) == {}
    calls = app.slack.calls_to("views.open")
    assert len(calls) == opened + 1, app.slack.responses[-1:]
    view: dict[str, Any] = calls[-1].args["view"]
    assert view["callback_id"] == RequestCallback.REQUEST
    return view


def request_values(need: str | None, lead: str | None = None, wanted_by: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        REQUEST_BLOCKS["need"]: {RequestAction.NEED: {"type": "plain_text_input", "value": need}},
        REQUEST_BLOCKS["wanted_by"]: {RequestAction.WANTED_BY: {"type": "datepicker", "selected_date": wanted_by}},
    }
    if lead is not None:
        option = {"value": lead, "text": {"type": "plain_text", "text": "a lead"}}
        values[REQUEST_BLOCKS["lead"]] = {RequestAction.LEAD: {"type": "static_select", "selected_option": option}}
    return values


async def submit(app: Harness, callback: str, user_id: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    status, body = await app.submit(callback, user_id, metadata, values)
    await app.settle()
    assert status == 200
    return json.loads(body) if body else {}


async def ask(
    app: Harness, need: str = "A case study for a logistics prospect", user_id: str = REP1, **fields: str
) -> dict[str, Any]:
    """`user_id` asks through the modal; the submission's answer ({} when the modal closed)."""
    view = await open_request_modal(app, user_id)
    return await submit(app, RequestCallback.REQUEST, user_id, view["private_metadata"], request_values(need, **fields))


def deliver_values(url: str = "", title: str = "", kind: str = "", asset: str = "") -> dict[str, Any]:
    def option(value: str) -> dict[str, Any] | None:
        return {"value": value, "text": {"type": "plain_text", "text": value}} if value else None

    return {
        DELIVER_BLOCKS["asset"]: {RequestAction.ASSET: {"type": "static_select", "selected_option": option(asset)}},
        DELIVER_BLOCKS["url"]: {RequestAction.URL: {"type": "plain_text_input", "value": url or None}},
        DELIVER_BLOCKS["title"]: {RequestAction.TITLE: {"type": "plain_text_input", "value": title or None}},
        DELIVER_BLOCKS["kind"]: {RequestAction.KIND: {"type": "static_select", "selected_option": option(kind)}},
    }


def decline_values(reason: str) -> dict[str, Any]:
    return {DECLINE_BLOCKS["reason"]: {RequestAction.REASON: {"type": "plain_text_input", "value": reason}}}


def post(app: Harness, request_id: int) -> Message:
    [message] = [m for m in app.slack.messages.get(REQUESTS, []) if f"Content request #{request_id}*" in m.text]
    return message


async def click(app: Harness, message: Message, action: str, user_id: str) -> str:
    """A click on a request's button; what the clicker was told, ephemerally ("" when nothing)."""
    before = len(app.slack.responses)
    status, _ = await app.press(message, action, user_id)
    await app.settle()
    assert status == 200
    return told(app, before)


async def requests(app: Harness) -> list[ContentRequest]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(ContentRequest).order_by(ContentRequest.id)))


async def assets(app: Harness) -> list[ContentAsset]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(ContentAsset).order_by(ContentAsset.id)))


async def sweep(app: Harness) -> None:
    await app.svc.sweep_all()
    await app.settle()


async def started(start_app: Any, **overrides: Any) -> Harness:
    """The app on `requests_config`, with marketing's channel in the workspace."""
    app: Harness = await start_app(requests_config(**overrides))
    app.slack.channels.add(REQUESTS)
    return app
