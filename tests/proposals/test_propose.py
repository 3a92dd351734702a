"""`/sla propose`: who may propose, what the modal shows, and bad input refused under the field it is about, with
nothing stored; two open proposals never touch the same term."""

from __future__ import annotations

from typing import Any

import pytest

from bot.agreement.ids import RATIONALE_BLOCK, ProposalAction, term_block
from tests.conftest import MANAGER, MARKETER, OUTSIDER, REP1, Harness, StartApp, text_of
from tests.proposals.conftest import (
    MARKETING_HEAD,
    SALES_HEAD,
    channel_post,
    heads_config,
    locks,
    open_form,
    proposals,
    propose,
    sla,
    versions,
)

HOSTILE = "<!channel> <@U0BOSS0001> <https://evil.example|click> & *bold* `code`"


@pytest.fixture
async def app(start_app: StartApp) -> Harness:
    return await start_app(heads_config())


@pytest.mark.parametrize("who", [REP1, OUTSIDER], ids=["sales rep", "stranger"])
async def test_someone_not_allowed_to_propose_is_refused_privately(app: Harness, who: str) -> None:
    assert await sla(app, who) == {}

    [answer] = app.slack.responses
    assert answer["response_type"] == "ephemeral"
    assert "Only managers, marketing and the two heads can propose" in answer["text"]
    assert app.slack.calls_to("views.open") == [] and await proposals(app) == []


async def test_without_both_heads_nobody_can_propose(start_app: StartApp) -> None:
    app = await start_app(heads_config(marketing_head=None))
    assert await sla(app, MANAGER) == {}
    [answer] = app.slack.responses
    assert "`[team] sales_head` and `marketing_head`" in answer["text"]
    assert app.slack.calls_to("views.open") == []


@pytest.mark.parametrize("who", [MANAGER, MARKETER, SALES_HEAD, MARKETING_HEAD])
async def test_the_modal_shows_the_terms_in_force(app: Harness, who: str) -> None:
    view = await open_form(app, who)

    shown = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert shown == {
        term_block("accept.target"): "30m", term_block("accept.warn_at"): "75%",
        term_block("first_touch.target"): None, term_block("follow_up.attempts"): None,
        term_block("follow_up.within"): None, term_block("mql_volume.monthly_target"): "120",
        term_block("mql_volume.min_accept_rate"): None, term_block("mql.min_score"): "0", term_block("mql.rule"): None,
        RATIONALE_BLOCK: None,
    }  # fmt: skip
    assert "agreement version 1" in text_of(view["blocks"])


BAD: list[tuple[str, dict[str, str], str, str]] = [
    ("zero target", {"accept.target": "0m"}, "accept.target", "must be longer than 0s (sla.accept.target"),
    ("zero attempts", {"follow_up.attempts": "0", "follow_up.within": "5d"}, "follow_up.attempts",
     "sla.follow_up.attempts"),
    ("half a clock", {"follow_up.attempts": "3"}, "follow_up.within", "is required (sla.follow_up.within"),
    ("zero volume", {"mql_volume.monthly_target": "0"}, "mql_volume.monthly_target", "sla.mql_volume.monthly_target"),
    ("huge number", {"mql_volume.monthly_target": "9" * 40}, "mql_volume.monthly_target", "Write a whole number"),
    ("huge duration", {"accept.target": "99999999999d"}, "accept.target", "too long a duration"),
    ("long text", {"accept.target": "1" * 500 + "m"}, "accept.target", "too long to be one"),
    ("score over 100", {"mql.min_score": "101"}, "mql.min_score", "sla.mql.min_score"),
    ("heads-up after breach", {"accept.warn_at": "100%"}, "accept.warn_at", "must be below 100%"),
    ("not a percentage", {"mql_volume.min_accept_rate": "lots"}, "mql_volume.min_accept_rate", "is not a percentage"),
    ("NUL in the rule", {"mql.rule": "Director\x00+"}, "mql.rule", "NUL"),
    ("a required term emptied", {"accept.target": ""}, "accept.target", "Required"),
    ("nothing changed", {}, "accept.target", "Change at least one term"),
    ("same value, other spelling", {"accept.target": " 30m "}, "accept.target", "Change at least one term"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "field", "says"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_terms_are_refused_under_their_field(app: Harness, typed: dict[str, str], field: str,
                                                       says: str) -> None:  # fmt: skip
    answer = await propose(app, MARKETER, typed)

    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [term_block(field)]
    assert says in answer["errors"][term_block(field)]
    assert await proposals(app) == [] and await locks(app) == {}
    assert app.dms(SALES_HEAD) == []


@pytest.mark.parametrize(("rationale", "says"), [("   ", "Say why"), ("x" * 3000, "2000 characters (it has 3000)"),
                                                 ("why\x00", "NUL")])  # fmt: skip
async def test_a_missing_or_hostile_rationale_is_refused(app: Harness, rationale: str, says: str) -> None:
    answer = await propose(app, MARKETER, {"accept.target": "20m"}, rationale)

    assert says in answer["errors"][RATIONALE_BLOCK]
    assert await proposals(app) == []


async def test_a_clock_not_tracked_yet_starts_being_tracked_when_filled_in(app: Harness) -> None:
    assert await propose(app, MANAGER, {"first_touch.target": "4h", "mql.rule": "Director+ asking for a demo"}) == {}
    [proposal] = await proposals(app)
    assert proposal.changes == {"first_touch.target": "4h", "mql.rule": "Director+ asking for a demo"}
    assert "*First-touch target*: _not set_ → 4 h" in text_of(channel_post(app, proposal.id).blocks)


async def test_an_optional_term_emptied_is_dropped(app: Harness) -> None:
    assert await propose(app, MANAGER, {"accept.warn_at": ""}) == {}
    [proposal] = await proposals(app)
    assert proposal.changes == {"accept.warn_at": None}


async def test_a_second_open_proposal_on_the_same_term_is_refused(app: Harness) -> None:
    assert await propose(app, MARKETER, {"accept.target": "20m"}) == {}

    answer = await propose(app, MANAGER, {"accept.target": "15m", "mql.min_score": "30"})

    assert answer["errors"] == {  # the proposer by name (the fake workspace's name for them)
        term_block("accept.target"): "Another open proposal (#1 by u0mkt00001) changes accept target: it is "
        "decided, or expires, first."
    }
    assert len(await proposals(app)) == 1 and await locks(app) == {"accept.target": 1}
    assert await propose(app, MANAGER, {"mql.min_score": "30"}) == {}  # another term is free
    assert await locks(app) == {"accept.target": 1, "mql.min_score": 2}


async def test_hostile_text_is_shown_escaped_everywhere(app: Harness) -> None:
    assert await propose(app, MARKETER, {"mql.rule": HOSTILE[:300]}, HOSTILE * 3) == {}
    [proposal] = await proposals(app)

    for message in (channel_post(app, proposal.id), *[m for h in (SALES_HEAD, MARKETING_HEAD) for m in app.dms(h)]):
        payload: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        everything = message.text + text_of(message.blocks)
        assert "<!channel>" not in everything and "<@U0BOSS0001>" not in everything and "<https:" not in everything
        assert "&lt;!channel&gt; &lt;@U0BOSS0001&gt;" in text_of(payload["blocks"])
        assert "&amp; *bold*" in everything
    assert "&lt;!channel&gt;" in channel_post(app, proposal.id).text  # the fallback too
    assert [v.version for v in await versions(app)] == [1]
    assert ProposalAction.APPROVE not in str(channel_post(app, proposal.id).blocks)
