"""Log attempt names the library's assets used: the modal offers the live ones (newest first), the attempt keeps
their ids, the lead's History shows them; an unknown, expired or forged id is refused under the field and nothing
is logged."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import ContactAttempt
from tests.attempts import attempt_values, open_attempt
from tests.calendar.helpers import asset
from tests.conftest import REP1, Harness, StartApp, text_of


async def accepted_lead(app: Harness) -> int:
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    return lead_id


def with_assets(ids: list[str]) -> dict[str, Any]:
    values = attempt_values("email", "replied")
    values[Block.ATTEMPT_ASSETS] = {Action.ATTEMPT_ASSETS: {"selected_options": [{"value": i} for i in ids]}}
    return values


async def stored(app: Harness, lead_id: int) -> list[list[Any] | None]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(select(ContactAttempt).where(ContactAttempt.lead_id == lead_id))
        return [row.assets for row in rows]


async def test_the_assets_used_are_kept_on_the_attempt_and_shown_in_history(app: Harness) -> None:
    acme = await asset(app, "Acme <case> study", "https://ex.com/acme", ("ops",))
    roi = await asset(app, "ROI calculator", "https://ex.com/roi", ())
    await asset(app, "Old deck", "https://ex.com/old", (), expires_on=date(2026, 11, 23))  # expires today: gone
    lead_id = await accepted_lead(app)

    view = await open_attempt(app, lead_id, REP1)
    assert view is not None
    [block] = [b for b in view["blocks"] if b["block_id"] == Block.ATTEMPT_ASSETS]
    assert block["optional"] is True and block["element"]["type"] == "multi_static_select"
    assert [(o["value"], o["text"]["text"]) for o in block["element"]["options"]] == [
        (str(roi), "ROI calculator · Case study"),
        (str(acme), "Acme <case> study · Case study"),
    ]

    answer = await app.submit(Callback.ATTEMPT, REP1, view["private_metadata"], with_assets([str(roi), str(acme)]))
    await app.settle()

    assert answer == (200, "")
    assert await stored(app, lead_id) == [[acme, roi]]
    await app.click(Action.HISTORY, lead_id, REP1)
    await app.settle()
    history = app.slack.calls_to("views.open")[-1].args["view"]
    history = json.loads(history) if isinstance(history, str) else history
    assert "Email attempt by" in text_of(history["blocks"])
    assert "replied · using: Acme &lt;case&gt; study, ROI calculator" in text_of(history["blocks"])


async def test_an_empty_library_shows_no_asset_field_and_logs_without_assets(app: Harness) -> None:
    lead_id = await accepted_lead(app)
    view = await open_attempt(app, lead_id, REP1)
    assert view is not None and Block.ATTEMPT_ASSETS not in {b["block_id"] for b in view["blocks"]}

    assert await app.submit(Callback.ATTEMPT, REP1, view["private_metadata"], attempt_values()) == (200, "")
    await app.settle()
    assert await stored(app, lead_id) == [None]


@pytest.mark.parametrize(
    "hostile",
    [["999999999"], ["1 OR 1=1"], ["1\x00"], ["-1"], ["9" * 40], ["expired"], [str(i) for i in range(1, 13)]],
)
async def test_a_bad_asset_id_is_refused_under_the_field_and_nothing_is_logged(
    start_app: StartApp, hostile: list[str]
) -> None:
    app = await start_app()
    live = await asset(app, "Live", "https://ex.com/live", ())
    old = await asset(app, "Old", "https://ex.com/old", (), expires_on=date(2026, 11, 23))
    lead_id = await accepted_lead(app)
    view = await open_attempt(app, lead_id, REP1)
    assert view is not None
    ids = [str(old) if h == "expired" else h for h in hostile]

    status, body = await app.submit(Callback.ATTEMPT, REP1, view["private_metadata"], with_assets([str(live), *ids]))
    await app.settle()

    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [Block.ATTEMPT_ASSETS]
    assert await stored(app, lead_id) == []
    assert (await app.lead(lead_id)).contacted_at is None
