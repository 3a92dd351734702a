"""The proposal's modals and post, rendered by a strict renderer with hostile text in every field a person typed:
valid Block Kit (as the fake Slack checks it), and no typed text ever acts as markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.agreement.proposals import CHANNEL, Form, Heads
from bot.agreement.terms_input import FIELDS
from bot.views.proposals import decline_modal, proposal_message, propose_modal
from sandbox.blocks import validate_blocks, validate_view
from storage.models import AgreementProposal
from tests.conftest import team_config
from tests.views.test_templates import HOSTILE, RENDERER, assert_inert

AT = datetime(2026, 11, 23, 15, tzinfo=UTC)
HEADS = Heads("U0SALESHD1", "U0MKTHEAD1")
TERMS = {"accept": {"target": "30m", "warn_at": 0.75}, "mql": {"min_score": 0, "rule": HOSTILE}}


def hostile_proposal(state: str) -> AgreementProposal:
    return AgreementProposal(
        id=7, proposer="U0MKT00001", base_version=1, rationale=(HOSTILE * 30)[:2000], origin="command", state=state,
        changes={"accept.target": "20m", "accept.warn_at": None, "mql.rule": HOSTILE * 2, "mql.min_score": 35},
        created_at=AT, expires_at=AT + timedelta(days=7), sales_approved_by="U0SALESHD1",
        marketing_approved_by="U0MKTHEAD1" if state == "approved" else None, closed_at=AT, version=2,
        declined_by="U0MKTHEAD1", decline_reason=HOSTILE * 10,
    )  # fmt: skip


def test_the_propose_modal_is_a_valid_view_with_hostile_values() -> None:
    form = Form({f.term: (HOSTILE if f.kind == "text" else "30m") for f in FIELDS}, version=3)
    view = propose_modal(RENDERER, form, origin="review", rationale=HOSTILE * 100)
    assert validate_view(view) == []
    # An input's initial value is the person's own text, shown literally in a plain-text input: never escaped.
    initial = [b["element"].pop("initial_value") for b in view["blocks"] if "initial_value" in b.get("element", {})]
    assert initial.count(HOSTILE) == 1 and initial.count("30m") == len(FIELDS) - 1
    assert initial[-1] == (HOSTILE * 100)[:2000]
    assert_inert(view)


def test_the_decline_modal_is_a_valid_view() -> None:
    view = decline_modal(RENDERER, hostile_proposal("open"))
    assert validate_view(view) == []
    assert_inert(view)


@pytest.mark.parametrize("state", ["open", "approved", "declined", "expired"])
@pytest.mark.parametrize("to", [CHANNEL, HEADS.marketing])
def test_the_proposal_post_is_valid_and_inert_in_every_state(state: str, to: str) -> None:
    message = proposal_message(RENDERER, hostile_proposal(state), TERMS, HEADS, to, team_config())
    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)
    has_buttons = any(block["type"] == "actions" for block in message["blocks"])
    assert has_buttons == (state == "open" and to != CHANNEL)
