"""A content request's post, DMs and modals with hostile stored text: valid Block Kit, nothing Slack would parse as
markup (in the blocks and in the `text` fallback), within Slack's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.content.requests import NEED_MAX
from bot.views.content_requests import HEADLINES, decline_modal, deliver_modal, request_message, request_modal
from message_templates import Renderer
from sandbox.blocks import validate_blocks, validate_view
from storage.content_models import ContentAsset, ContentRequest
from storage.models import Lead
from tests.conftest import team_config
from tests.views.test_templates import HOSTILE, assert_inert

RENDERER = Renderer(strict=True)
AT = datetime(2026, 11, 23, 15, tzinfo=UTC)


def hostile_request(state: str) -> ContentRequest:
    return ContentRequest(
        id=7, need=(HOSTILE * 200)[:NEED_MAX], lead_id=3, wanted_by=date(2026, 12, 1), requested_by="U0REP00001",
        requested_at=AT, state=state, taken_by="U0MKT00001" if state != "open" else None,
        taken_at=AT if state != "open" else None, delivered_by="U0MKT00001" if state == "delivered" else None,
        delivered_at=AT + timedelta(hours=5) if state == "delivered" else None,
        delivered_url="https://x.example.com/a?b=1&c=<2>" if state == "delivered" else None,
        declined_by="U0MKT00001" if state == "declined" else None,
        declined_at=AT + timedelta(hours=1) if state == "declined" else None,
        decline_reason=HOSTILE * 10 if state == "declined" else None, business_hours=True,
        target_seconds=2 * 8 * 3600, due_at=AT + timedelta(days=2), warn_at=AT + timedelta(days=1),
        clock_state={"open": "running", "taken": "breached", "delivered": "met", "declined": "cancelled"}[state],
        steps_fired=1, agreement_version=1,
    )  # fmt: skip


def hostile_asset(i: int) -> ContentAsset:
    return ContentAsset(
        id=i + 1,
        title=(HOSTILE * 10)[:200],
        kind="deck",
        url=f"https://x.example.com/{i}?a=<1>",
        industries=[],
        tags=[],
        added_by="U0MKT00001",
        added_at=AT,
        updated_at=AT,
        search_text="x",
    )


LEAD = Lead(id=3, external_id="x", company=HOSTILE * 3, name=HOSTILE, stage="sal", owner="U0REP00001")


@pytest.mark.parametrize("state", ["open", "taken", "delivered", "declined"])
@pytest.mark.parametrize("event", sorted(HEADLINES) + ["late"])
def test_every_post_and_dm_of_a_request_is_valid_and_inert(state: str, event: str) -> None:
    message = request_message(
        RENDERER, hostile_request(state), team_config(), event=event, lead=LEAD, asset=hostile_asset(1), now=AT
    )
    assert validate_blocks(message["blocks"], surface="message") == []
    assert len(message["text"]) <= 3000
    assert_inert(message)


def test_the_request_deliver_and_decline_modals_are_valid_and_inert() -> None:
    leads = [Lead(id=i + 1, external_id=str(i), company=HOSTILE * 3, name=HOSTILE, stage="sal") for i in range(150)]
    for view in (
        request_modal(RENDERER, leads, "C0LEADS001"),
        deliver_modal(RENDERER, hostile_request("taken"), [hostile_asset(i) for i in range(150)]),
        decline_modal(RENDERER, hostile_request("taken")),
    ):
        assert validate_view(view) == []
        assert_inert(view)
