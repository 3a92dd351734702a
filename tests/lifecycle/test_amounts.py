"""Money typed into a modal (/win, the move modal, the spend modal): a bounded decimal string, or an inline error
within a second. `1e999990` once built a million-digit integer and blocked the event loop for half a minute."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.errors import UserError
from bot.ids import Action, Block, Callback
from bot.lifecycle.money import parse_amount
from tests.conftest import MARKETER, REP1, Harness

HOSTILE = ["1e999990", "1e999999", "1E5", "NaN", "Infinity", "-5", "12.345", "1,00", "1,0000", ",100", "1.2.3",
           "0x10", "1_000", "１２", "1000000000000.01", "99999999999999999999", "", "   ", "$"]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1234", 123400), ("1,234.50", 123450), ("$1234.5", 123450), (" 24,000 ", 2400000), ("0", 0),
     ("0.99", 99), (".5", 50), ("1,000,000,000,000", 100_000_000_000_000), ("12,500.00", 1_250_000)],
)  # fmt: skip
def test_amounts_parse_to_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", HOSTILE)
def test_anything_else_is_refused_at_once(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as refused:
        parse_amount(text)
    assert time.monotonic() - started < 0.1
    assert refused.value.field == "amount"


async def timed_submit(app: Harness, callback: str, user: str, metadata: str, values: dict[str, Any]) -> Any:
    started = time.monotonic()
    status, body = await app.submit(callback, user, metadata, values)
    assert time.monotonic() - started < 1.0
    assert status == 200, body
    return json.loads(body) if body else {}


@pytest.mark.parametrize("amount", ["1e999990", "1e999999", "1000000000001", "12.345", "1,00"])
async def test_win_spend_and_move_modals_answer_a_hostile_amount_inline(app: Harness, amount: str) -> None:
    win = {
        Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": "Initech"}},
        Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": amount}},
        Block.WIN_REP: {Action.WIN_REP: {"selected_user": REP1}},
    }
    answer = await timed_submit(app, Callback.WIN, REP1, "", win)
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [Block.WIN_AMOUNT]
    assert answer["errors"][Block.WIN_AMOUNT].startswith(repr(amount))

    spend = {
        Block.SPEND_MONTH: {Action.SPEND_MONTH: {"value": "2026-11"}},
        Block.SPEND_SOURCE: {Action.SPEND_SOURCE: {"value": "ads"}},
        Block.SPEND_AMOUNT: {Action.SPEND_AMOUNT: {"value": amount}},
    }
    answer = await timed_submit(app, Callback.SPEND, MARKETER, "", spend)
    assert list(answer["errors"]) == [Block.SPEND_AMOUNT]

    lead_id = await app.new_lead(external_id="m-1")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    move = {Block.MOVE_AMOUNT: {Action.MOVE_AMOUNT: {"value": amount}}}
    answer = await timed_submit(app, Callback.MOVE, REP1, f"{lead_id}:opportunity", move)
    assert list(answer["errors"]) == [Block.MOVE_AMOUNT]
    assert (await app.lead(lead_id)).stage == "sal"
    status, _ = await app.submit(Callback.MOVE, REP1, f"{lead_id}:opportunity", {
        Block.MOVE_AMOUNT: {Action.MOVE_AMOUNT: {"value": "1,000,000,000,000"}}
    })  # fmt: skip
    assert status == 200 and (await app.lead(lead_id)).amount_cents == 100_000_000_000_000
