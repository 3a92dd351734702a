"""Forged ids in content-request modals: a value that is not ASCII digits ("²", which str.isdigit() takes) is
answered under its field, like any other id the modal never offered, and stores nothing."""

from __future__ import annotations

from bot.content.request_ids import DELIVER_BLOCKS, REQUEST_BLOCKS, RequestCallback
from tests.conftest import MARKETER, REP1, StartApp
from tests.content_requests.helpers import ask, assets, deliver_values, request_values, requests, started, submit


async def test_a_superscript_digit_for_a_lead_or_an_asset_is_an_error_under_its_field(start_app: StartApp) -> None:
    app = await started(start_app)
    for lead in ("²", "١٢", "1²"):
        answer = await submit(app, RequestCallback.REQUEST, REP1, "", request_values("ok", lead=lead))
        assert "Pick one of your open leads" in answer["errors"][REQUEST_BLOCKS["lead"]], answer
    assert await requests(app) == []
    await ask(app)
    [request] = await requests(app)
    for asset in ("²", "١٢"):
        answer = await submit(app, RequestCallback.DELIVER, MARKETER, str(request.id), deliver_values(asset=asset))
        assert "no longer in the library" in answer["errors"][DELIVER_BLOCKS["asset"]], answer
    [request] = await requests(app)
    assert request.state == "open" and await assets(app) == []
