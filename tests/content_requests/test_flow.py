"""A content request from ask to delivery: posted in marketing's channel, taken, late (the heads-up, then the
escalation to the taker's manager, each once however often the sweep runs), delivered with a URL the library did
not have (added and announced), and the requester DMed the link as a URL button. Declining, with its reason; and
the business-hours deadline."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.content.request_ids import RequestAction, RequestCallback
from tests.conftest import LEADS, MARKETER, REP1, START, StartApp, text_of
from tests.content_requests.helpers import (
    MARKETER2,
    MKT_HEAD,
    MKT_MANAGER,
    REQUESTS,
    ask,
    assets,
    click,
    decline_values,
    deliver_values,
    post,
    requests,
    started,
    submit,
    sweep,
)

TUE_13 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # Tuesday 13:00 in Chicago: 75% of two working days
TUE_17 = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # Tuesday 17:00 in Chicago: two working days after START


def link_buttons(message_blocks: list[dict[str, object]]) -> list[str]:
    return [
        str(el["url"])
        for b in message_blocks
        if b["type"] == "actions"
        for el in b["elements"]  # type: ignore[attr-defined]
        if "url" in el
    ]


async def test_a_request_is_taken_escalates_when_late_and_its_delivery_reaches_the_requester(
    start_app: StartApp,
) -> None:
    app = await started(start_app)
    assert await ask(app, "A case study <for> *logistics* & ops", wanted_by="2026-11-27") == {}
    [request] = await requests(app)
    assert (request.requested_by, request.state, request.agreement_version) == (REP1, "open", 1)
    assert request.due_at == TUE_17 and request.warn_at == TUE_13  # business time: a "d" is a working day
    message = post(app, request.id)
    assert message.channel == REQUESTS
    assert "A case study &lt;for&gt;" in text_of(message.blocks) and "&amp; ops" in text_of(message.blocks)
    assert "Waiting for marketing" in text_of(message.blocks)
    assert "Take it" in text_of(message.blocks)

    assert "You took the request" in await click(app, message, RequestAction.TAKE, MARKETER)
    message = post(app, request.id)
    assert f"Taken by <@{MARKETER}>" in text_of(message.blocks) and "Take it" not in text_of(message.blocks)

    app.clock.set(TUE_13 - timedelta(minutes=1))
    await sweep(app)
    assert app.dms(MARKETER) == []
    app.clock.set(TUE_13)
    await sweep(app)
    await sweep(app)
    [heads_up] = app.dms(MARKETER)
    assert "is due soon" in heads_up.text

    app.clock.set(TUE_17 + timedelta(minutes=5))
    await sweep(app)
    await sweep(app)  # a second sweep (or replica) finds nothing left to fire
    [late] = app.dms(MKT_MANAGER)
    assert "is late" in late.text
    assert app.dms(MKT_HEAD) == []  # the taker's manager hears, not the head
    assert "late" in text_of(post(app, request.id).blocks)
    [request] = await requests(app)
    assert (request.clock_state, request.steps_fired, request.next_at) == ("breached", 1, None)

    stale = replace(post(app, request.id), blocks=copy.deepcopy(post(app, request.id).blocks))
    await click(app, post(app, request.id), RequestAction.DELIVER, MARKETER)
    view = app.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == RequestCallback.DELIVER
    url = "https://example.com/logistics-case"
    answer = await submit(app, RequestCallback.DELIVER, MARKETER, view["private_metadata"],
                          deliver_values(url=url, title="Logistics case study", kind="case_study"))  # fmt: skip
    assert answer == {}
    [asset] = await assets(app)
    assert (asset.url, asset.title, asset.kind, asset.added_by) == (url, "Logistics case study", "case_study", MARKETER)
    assert any("New in the content library" in m.text for m in app.slack.messages.get(LEADS, []))
    [request] = await requests(app)
    assert (request.state, request.clock_state, request.asset_id, request.delivered_url) == (
        "delivered", "missed", asset.id, url,
    )  # fmt: skip
    [dm] = app.dms(REP1)
    assert "was delivered" in dm.text
    assert link_buttons(dm.blocks) == [url]  # a link is a URL button, never mrkdwn
    shown = text_of(post(app, request.id).blocks)
    assert f"Delivered by <@{MARKETER}>" in shown and "late" in shown and "Decline" not in shown

    # a stale Delivered… button, or a second submission of the modal: refused, nothing changes
    assert "already delivered" in await click(app, stale, RequestAction.DELIVER, MARKETER2)
    again = await submit(app, RequestCallback.DELIVER, MARKETER, view["private_metadata"], deliver_values(url=url))
    assert "already delivered" in str(again["errors"])
    assert len(app.dms(REP1)) == 1 and len(await assets(app)) == 1


async def test_an_untaken_late_request_reaches_the_marketing_head(start_app: StartApp) -> None:
    app = await started(start_app)
    await ask(app)
    app.clock.set(TUE_13)
    await sweep(app)
    assert len(app.dms(MARKETER)) == 1 and len(app.dms(MARKETER2)) == 1  # nobody took it: marketing hears
    app.clock.set(TUE_17)
    await sweep(app)
    assert len(app.dms(MKT_HEAD)) == 1 and app.dms(MKT_MANAGER) == []


async def test_a_request_delivered_from_the_library_on_time_is_met(start_app: StartApp) -> None:
    app = await started(start_app)
    lead_id = await app.new_lead()
    await app.settle()
    await ask(app, lead=str(lead_id))
    [request] = await requests(app)
    assert request.lead_id == lead_id
    app.clock.set(START + timedelta(hours=3))
    await submit(app, RequestCallback.DELIVER, MARKETER, str(request.id),
                 deliver_values(url="https://example.com/a", title="A", kind="deck"))  # fmt: skip
    await ask(app, "Another")
    [_, second] = await requests(app)
    [asset] = await assets(app)
    await submit(app, RequestCallback.DELIVER, MARKETER2, str(second.id), deliver_values(asset=str(asset.id)))
    [first, second] = await requests(app)
    assert (first.clock_state, first.elapsed_seconds) == ("met", 3 * 3600)
    assert (second.state, second.clock_state, second.asset_id, second.taken_by) == ("delivered", "met", asset.id,
                                                                                     MARKETER2)  # fmt: skip
    assert len(await assets(app)) == 1  # picked from the library: nothing added
    assert [link_buttons(m.blocks) for m in app.dms(REP1)] == [["https://example.com/a"]] * 2
    [reply] = [m for m in await app.thread_replies(lead_id) if "Content for this lead" in m.text]
    assert link_buttons(reply.blocks) == ["https://example.com/a"]  # only the request that named the lead


async def test_a_declined_request_tells_the_requester_why_and_stops_its_clock(start_app: StartApp) -> None:
    app = await started(start_app)
    await ask(app)
    [request] = await requests(app)
    await click(app, post(app, request.id), RequestAction.DECLINE, MARKETER)
    view = app.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == RequestCallback.DECLINE
    empty = await submit(app, RequestCallback.DECLINE, MARKETER, view["private_metadata"], decline_values("  "))
    assert "errors" in empty
    answer = await submit(app, RequestCallback.DECLINE, MARKETER, view["private_metadata"],
                          decline_values("We have one: the *Acme* case <covers> it"))  # fmt: skip
    assert answer == {}
    [request] = await requests(app)
    assert (request.state, request.clock_state, request.next_at) == ("declined", "cancelled", None)
    [dm] = app.dms(REP1)
    assert "declined" in dm.text and "&lt;covers&gt;" in text_of(dm.blocks)
    app.clock.set(TUE_17 + timedelta(days=3))
    await sweep(app)
    assert app.dms(MKT_MANAGER) == [] and app.dms(MKT_HEAD) == []  # a stopped clock never escalates
    assert "Declined by" in text_of(post(app, request.id).blocks)


async def test_a_request_on_friday_afternoon_is_due_after_the_weekend(start_app: StartApp) -> None:
    app = await started(start_app)
    app.clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))  # Friday 16:00 in Chicago: an hour of Friday left
    await ask(app)
    [request] = await requests(app)
    # one hour on Friday, eight on Monday, seven on Tuesday: due Tuesday 16:00 in Chicago
    assert request.due_at == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


async def test_two_replicas_sweeping_at_once_escalate_once(start_app: StartApp) -> None:
    app = await started(start_app)
    other = await started(start_app)  # a second replica on the same database and workspace
    await ask(app)
    app.clock.set(TUE_17 + timedelta(hours=1))
    await asyncio.gather(app.svc.sweep_all(), other.svc.sweep_all(), app.svc.sweep_all())
    await app.settle()
    await other.settle()
    assert len(app.dms(MKT_HEAD)) == 1  # nobody took it: the marketing head hears, once
    assert app.dms(MARKETER) == []  # the heads-up is not sent after the breach: the escalation says it
