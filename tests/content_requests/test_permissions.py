"""Who may do what with a content request, hostile input, and races: sales asks (reps and managers); only
marketing takes, delivers or declines, checked when the modal opens and again on its submission; bad input is an
inline error that changes nothing; two marketers taking one request at once, a double click, a forged id: exactly
one wins, and the other is told who."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import timedelta

from bot.content.request_ids import REQUEST_BLOCKS, RequestAction, RequestCallback
from tests.conftest import MANAGER, MARKETER, REP1, REP2, START, StartApp
from tests.content_requests.helpers import (
    MARKETER2,
    ask,
    assets,
    click,
    content,
    decline_values,
    deliver_values,
    post,
    request_values,
    requests,
    started,
    submit,
    told,
)


async def test_only_sales_may_request_and_only_marketing_may_answer(start_app: StartApp) -> None:
    app = await started(start_app)
    before = len(app.slack.responses)
    assert await content(app, MARKETER) == {}
    assert "Only sales" in told(app, before) and app.slack.calls_to("views.open") == []
    # a forged submission of the modal by marketing is refused too
    refused = await submit(app, RequestCallback.REQUEST, MARKETER, "", request_values("Need a deck"))
    assert "Only sales" in str(refused["errors"])
    assert await ask(app, "From a manager", user_id=MANAGER) == {}
    assert await ask(app) == {}
    [_, request] = await requests(app)
    message = post(app, request.id)
    for action in (RequestAction.TAKE, RequestAction.DELIVER, RequestAction.DECLINE):
        assert "Only marketing" in await click(app, message, action, REP2)
    for callback, values in ((RequestCallback.DELIVER, deliver_values(url="https://example.com/x", title="X")),
                             (RequestCallback.DECLINE, decline_values("no"))):  # fmt: skip
        answer = await submit(app, callback, REP1, str(request.id), values)
        assert "Only marketing" in str(answer["errors"])
    [_, request] = await requests(app)
    assert (request.state, request.taken_by) == ("open", None) and await assets(app) == []


async def test_hostile_input_is_an_inline_error_that_changes_nothing(start_app: StartApp) -> None:
    app = await started(start_app)
    lead_id = await app.new_lead()
    today = START.date()
    cases = [
        (request_values("a\x00b"), "need", "NUL"),
        (request_values("   "), "need", "Say what is needed"),
        (request_values("x" * 3000), "need", "2000 characters"),
        (request_values("ok", wanted_by=(today - timedelta(days=1)).isoformat()), "wanted_by", "has passed"),
        (request_values("ok", wanted_by=(today + timedelta(days=400)).isoformat()), "wanted_by", "within a year"),
        (request_values("ok", wanted_by="99999-01-01"), "wanted_by", "Pick a date"),
        (request_values("ok", lead="999999999"), "lead", "no longer open"),
        (request_values("ok", lead="9" * 40), "lead", "Pick one of your open leads"),
        (request_values("ok", lead="1 OR 1=1"), "lead", "Pick one of your open leads"),
    ]
    for values, field, said in cases:
        answer = await submit(app, RequestCallback.REQUEST, REP1, "", values)
        assert said in answer["errors"][REQUEST_BLOCKS[field]], (field, answer)
    assert await requests(app) == []
    assert await submit(app, RequestCallback.REQUEST, REP1, "", request_values("ok", lead=str(lead_id))) == {}
    [request] = await requests(app)
    assert request.lead_id == lead_id
    for metadata in ("", "abc", "99999999", "-1"):
        answer = await submit(app, RequestCallback.DELIVER, MARKETER, metadata, deliver_values(asset="1"))
        assert "errors" in answer
    bad_urls = ["javascript:alert(1)", "https://exa mple.com", "https://example.com/<x>", "ftp://example.com/a",
                "https://" + "a" * 2100 + ".com"]  # fmt: skip
    for url in bad_urls:
        answer = await submit(app, RequestCallback.DELIVER, MARKETER, str(request.id),
                              deliver_values(url=url, title="T", kind="deck"))  # fmt: skip
        assert "errors" in answer, url
    for values in (deliver_values(), deliver_values(asset="12345"), deliver_values(url="https://example.com/n")):
        assert "errors" in await submit(app, RequestCallback.DELIVER, MARKETER, str(request.id), values)
    decline = await submit(app, RequestCallback.DECLINE, MARKETER, str(request.id), decline_values("x\x00"))
    assert "NUL" in str(decline["errors"])
    [request] = await requests(app)
    assert request.state == "open" and await assets(app) == [] and app.dms(REP1) == []


async def test_two_marketers_taking_at_once_one_wins_and_the_other_is_told_who(start_app: StartApp) -> None:
    app = await started(start_app)
    await ask(app)
    [request] = await requests(app)
    message = post(app, request.id)
    message = replace(message, blocks=copy.deepcopy(message.blocks))  # the button as both saw it
    before = len(app.slack.responses)
    await asyncio.gather(app.press(message, RequestAction.TAKE, MARKETER), app.press(message, RequestAction.TAKE,
                                                                                     MARKETER2))  # fmt: skip
    await app.settle()
    [request] = await requests(app)
    assert request.taken_by in (MARKETER, MARKETER2)
    other = MARKETER2 if request.taken_by == MARKETER else MARKETER
    answers = told(app, before)
    assert "You took the request" in answers and f"<@{request.taken_by}> already took this request" in answers
    assert f"<@{request.taken_by}> already took" in await click(app, message, RequestAction.TAKE, other)
    assert "already took" in await click(app, message, RequestAction.TAKE, request.taken_by)


async def test_a_double_submitted_decline_and_delivery_answer_once(start_app: StartApp) -> None:
    app = await started(start_app)
    await ask(app)
    [request] = await requests(app)
    answers = await asyncio.gather(
        app.submit(RequestCallback.DECLINE, MARKETER, str(request.id), decline_values("We have it already")),
        app.submit(RequestCallback.DELIVER, MARKETER2, str(request.id),
                   deliver_values(url="https://example.com/d", title="D", kind="deck")),
    )  # fmt: skip
    await app.settle()
    assert sorted(bool(body) for _, body in answers) == [False, True]  # one closed its modal, one got an error
    [request] = await requests(app)
    assert request.state in ("declined", "delivered")
    assert len(app.dms(REP1)) == 1
