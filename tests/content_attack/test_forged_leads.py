"""Forged lead ids in the content library's modals: a lead the modal never offered (a closed lead, another rep's
lead) is refused under the lead field on submission, and nothing is posted, shared or stored."""

from __future__ import annotations

import json

from bot.content.ids import SHARE_BLOCK, ContentAction, ContentCallback
from bot.content.request_ids import REQUEST_BLOCKS, RequestCallback
from bot.ids import Action, Block, Callback
from tests.conftest import REP1, REP2, StartApp
from tests.content.helpers import stored
from tests.content_requests.helpers import request_values, requests, started, submit


async def test_sharing_to_a_closed_lead_is_refused_and_posts_nothing(start_app: StartApp) -> None:
    app = await started(start_app)
    asset_id = await stored(app, "A deck", "https://x.example.com/d", kind="deck")
    lead_id = await app.new_lead(name="Kim", company="Delta")
    reason = {"type": "static_select", "selected_option": {"value": "Bad contact data"}}
    await app.submit(Callback.REJECT, REP1, str(lead_id), {Block.REJECT_REASON: {Action.REJECT_REASON: reason}})
    await app.settle()
    assert (await app.lead(lead_id)).stage == "rejected"
    lead = {"type": "static_select", "selected_option": {"value": str(lead_id)}}
    status, answer = await app.submit(ContentCallback.SHARE, REP1, str(asset_id),
                                      {SHARE_BLOCK: {ContentAction.SHARE_LEAD: lead}})  # fmt: skip
    await app.settle()
    assert status == 200 and "closed" in json.loads(answer)["errors"][SHARE_BLOCK]
    assert await app.thread_replies(lead_id) == []
    assert [e for e in await app.events(lead_id) if e.kind == "content_shared"] == []


async def test_requesting_content_for_another_reps_lead_is_refused(start_app: StartApp) -> None:
    app = await started(start_app)
    lead_id = await app.new_lead(name="Lee", company="Echo")
    await app.click(Action.ACCEPT, lead_id, REP2)
    await app.settle()
    assert (await app.lead(lead_id)).owner == REP2
    answer = await submit(app, RequestCallback.REQUEST, REP1, "", request_values("A deck", lead=str(lead_id)))
    assert "Pick one of your open leads" in answer["errors"][REQUEST_BLOCKS["lead"]], answer
    assert await requests(app) == []
    assert await submit(app, RequestCallback.REQUEST, REP2, "", request_values("A deck", lead=str(lead_id))) == {}
    [request] = await requests(app)
    assert (request.lead_id, request.requested_by) == (lead_id, REP2)
