"""The content request's templates with hostile stored text: the request's post in every state and each DM about it,
and the request, Delivered… and Decline… modals with the most leads and assets they list: valid Block Kit, nothing
Slack would parse as markup."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.views.content_requests import decline_modal, deliver_modal, request_message, request_modal
from message_templates import Renderer
from sandbox.blocks import validate_blocks, validate_view
from storage.content_models import ContentAsset, ContentRequest
from storage.models import Lead
from tests.conftest import team_config
from tests.views.test_templates import HOSTILE, assert_inert

RENDERER = Renderer(strict=True)
AT = datetime(2026, 11, 23, 15, tzinfo=UTC)
CONFIG = team_config()
LEAD = Lead(id=7, external_id="7", company=HOSTILE * 3, name=HOSTILE, stage="sal", owner="U0REP00001")


def asset(i: int) -> ContentAsset:
    return ContentAsset(id=i + 1, title=(HOSTILE * 10)[:200], kind="deck", url=f"https://x.example.com/{i}?a=<b>",
                        added_by="U0MKT00001", added_at=AT, updated_at=AT, search_text="x")  # fmt: skip


def request(state: str, clock_state: str = "running") -> ContentRequest:
    return ContentRequest(
        id=12, need=(HOSTILE * 40)[:2000], lead_id=7, wanted_by=date(2027, 1, 8), requested_by="U0REP00001",
        requested_at=AT, state=state, taken_by="U0MKT00001" if state != "open" else None,
        delivered_by="U0MKT00001" if state == "delivered" else None, asset_id=1 if state == "delivered" else None,
        delivered_url="https://x.example.com/1?a=<b>&c=d" if state == "delivered" else None,
        declined_by="U0MKT00001" if state == "declined" else None,
        decline_reason=(HOSTILE * 20)[:1000] if state == "declined" else None,
        business_hours=True, target_seconds=57600, due_at=AT + timedelta(days=2), clock_state=clock_state,
        elapsed_seconds=3600 if state in ("delivered", "declined") else None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("state", "clock_state", "event"),
    [("open", "running", "post"), ("taken", "running", "warn"), ("taken", "breached", "late"),
     ("delivered", "met", "delivered"), ("delivered", "missed", "lead_delivered"),
     ("declined", "cancelled", "declined")],
)  # fmt: skip
def test_the_request_post_and_its_dms_are_inert_and_valid(state: str, clock_state: str, event: str) -> None:
    message = request_message(RENDERER, request(state, clock_state), CONFIG, event=event, lead=LEAD, asset=asset(0),
                              now=AT)  # fmt: skip
    assert validate_blocks(message["blocks"], surface="message") == []
    assert len(message["text"]) <= 3000
    assert_inert(message)


def test_the_request_deliver_and_decline_modals_are_valid_with_the_most_they_list() -> None:
    leads = [Lead(id=i + 1, external_id=str(i), company=HOSTILE * 3, name=HOSTILE, stage="sal", owner="U0REP00001")
             for i in range(100)]  # fmt: skip
    for view in (
        request_modal(RENDERER, leads, "C0LEADS001"),
        request_modal(RENDERER, [], "C0LEADS001"),
        deliver_modal(RENDERER, request("taken"), [asset(i) for i in range(100)]),
        deliver_modal(RENDERER, request("open"), []),
        decline_modal(RENDERER, request("taken")),
    ):
        assert validate_view(view) == []
        assert_inert(view)


def test_the_request_and_deliver_modals_offer_at_most_the_100_options_slack_allows() -> None:
    leads = [Lead(id=i + 1, external_id=str(i), company="Acme", stage="sal", owner="U0REP00001") for i in range(150)]
    for view in (
        request_modal(RENDERER, leads, "C0LEADS001"),
        deliver_modal(RENDERER, request("taken"), [asset(i) for i in range(150)]),
    ):
        assert validate_view(view) == []
