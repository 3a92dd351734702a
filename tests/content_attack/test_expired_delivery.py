"""Delivered… and an asset whose expiry date has come: it dropped out of `/content` and Share refuses it, so the
modal does not offer it and a forged submission naming it is an error under the asset field."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.content.request_ids import DELIVER_BLOCKS, RequestAction, RequestCallback
from tests.conftest import MARKETER, REP1, START, StartApp
from tests.content.helpers import stored
from tests.content_requests.helpers import ask, click, deliver_values, post, requests, started, submit


async def test_an_asset_past_its_expiry_date_is_not_offered_nor_delivered(start_app: StartApp) -> None:
    app = await started(start_app)
    old = await stored(app, "Old pricing", "https://x.example.com/old", kind="one_pager",
                       expires_on=START.date() + timedelta(days=2))  # fmt: skip
    fresh = await stored(app, "New pricing", "https://x.example.com/new", kind="one_pager")
    app.clock.set(START + timedelta(days=3))
    await ask(app)
    [request] = await requests(app)
    await click(app, post(app, request.id), RequestAction.DELIVER, MARKETER)
    view = app.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    offered = [o["value"] for b in view["blocks"] if b.get("block_id") == DELIVER_BLOCKS["asset"]
               for o in b["element"].get("options", [])]  # fmt: skip
    assert offered == [str(fresh)]
    answer = await submit(app, RequestCallback.DELIVER, MARKETER, str(request.id), deliver_values(asset=str(old)))
    assert "no longer in the library" in answer["errors"][DELIVER_BLOCKS["asset"]], answer
    [request] = await requests(app)
    assert request.state == "open" and app.dms(REP1) == []
