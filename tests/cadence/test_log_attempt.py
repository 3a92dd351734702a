"""Log attempt (what Log contact became): the button opens a modal with channel, outcome and note; a connected or
replied attempt is the first contact, the others count as attempts only. Signed requests, as Slack sends them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import ContactAttempt, SlaTimer
from tests.attempts import attempt_values, log_attempt, open_attempt
from tests.conftest import MANAGER, MARKETER, REP1, REP2, Harness, StartApp, action_ids, team_config, text_of

SLA: dict[str, Any] = {
    "first_touch": {"target": "24h", "escalate": [{"after": "0s", "notify": "manager"}]},
    "follow_up": {"attempts": 3, "within": "5d"},
}


async def accepted_lead(app: Harness, rep: str = REP1, **fields: Any) -> int:
    lead_id = await app.new_lead(**fields)
    await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()
    return lead_id


async def attempts_of(app: Harness, lead_id: int) -> list[tuple[str, str, str, str | None]]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(
            select(ContactAttempt).where(ContactAttempt.lead_id == lead_id).order_by(ContactAttempt.id)
        )
        return [(a.actor, a.channel, a.outcome, a.note) for a in rows]


async def clock_states(app: Harness, lead_id: int) -> dict[str, str]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(select(SlaTimer).where(SlaTimer.lead_id == lead_id).order_by(SlaTimer.id))
        return {timer.clock: timer.state for timer in rows}


def errors_of(body: str) -> dict[str, str]:
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    return dict(answer["errors"])


async def test_the_button_says_log_attempt_and_opens_a_modal_with_channel_outcome_and_note(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await accepted_lead(app, name="Dana Buyer", company="Globex")
    post = await app.post_of(lead_id)
    [button] = [
        el
        for b in post.blocks
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == Action.LOG_CONTACT
    ]
    assert button["text"]["text"] == "Log attempt"

    view = await open_attempt(app, lead_id, REP1)

    assert view is not None and view["callback_id"] == Callback.ATTEMPT and view["private_metadata"] == str(lead_id)
    blocks = {b["block_id"]: b for b in view["blocks"]}
    channels = [o["value"] for o in blocks[Block.ATTEMPT_CHANNEL]["element"]["options"]]
    outcomes = [o["value"] for o in blocks[Block.ATTEMPT_OUTCOME]["element"]["options"]]
    assert channels == ["call", "email", "linkedin", "meeting", "other"]
    assert outcomes == ["connected", "replied", "voicemail", "no_answer", "bounced"]
    assert blocks[Block.ATTEMPT_NOTE]["optional"] is True
    assert "0 of 3 attempts logged so far" in text_of(view["blocks"])


async def test_a_voicemail_is_an_attempt_only_and_a_reply_is_the_first_contact(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await accepted_lead(app)

    assert await log_attempt(app, lead_id, REP1, "voicemail", note="Left a message\nwill retry") == (200, "")
    assert (await app.lead(lead_id)).contacted_at is None
    assert await clock_states(app, lead_id) == {"follow_up": "running", "first_touch": "running"}
    post = await app.post_of(lead_id)
    assert Action.LOG_CONTACT in action_ids(post.blocks)  # still to reach
    assert "📞 1 attempt logged, no connection yet" in text_of(post.blocks)

    app.clock.advance(3600)
    assert await log_attempt(app, lead_id, REP1, "replied", channel="email") == (200, "")

    lead = await app.lead(lead_id)
    assert lead.contacted_at == app.clock.now()
    assert await attempts_of(app, lead_id) == [
        (REP1, "call", "voicemail", "Left a message\nwill retry"),
        (REP1, "email", "replied", None),
    ]
    assert await clock_states(app, lead_id) == {"follow_up": "met", "first_touch": "met"}
    kinds = [e.kind for e in await app.events(lead_id)]
    assert kinds.count("attempt") == 2 and kinds.count("contacted") == 1
    post = await app.post_of(lead_id)
    assert f"First contact logged by <@{REP1}>" in text_of(post.blocks)
    assert Action.LOG_CONTACT not in action_ids(post.blocks)


async def test_the_timeline_shows_each_attempt(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await accepted_lead(app)
    await log_attempt(app, lead_id, REP1, "no_answer", channel="linkedin")
    await log_attempt(app, lead_id, MANAGER, "bounced", channel="email", note="<!channel> *typo* & co")

    await app.click(Action.HISTORY, lead_id, REP1)
    await app.settle()
    history = text_of(app.slack.calls_to("views.open")[-1].args["view"]["blocks"])

    assert f"📞 LinkedIn attempt by <@{REP1}>: no answer" in history
    assert f"📞 Email attempt by <@{MANAGER}>: bounced — &lt;!channel&gt; *typo* &amp; co" in history
    assert "<!channel>" not in history


@pytest.mark.parametrize("user_id", [REP2, MARKETER])
async def test_only_the_owner_or_a_manager_may_log_and_a_forged_submission_is_refused_too(
    start_app: StartApp, user_id: str
) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await accepted_lead(app)

    assert await open_attempt(app, lead_id, user_id) is None
    assert app.slack.responses[-1]["text"] == f"Only the owner (<@{REP1}>) or a manager can log contact on this lead."
    status, body = await app.submit(Callback.ATTEMPT, user_id, str(lead_id), attempt_values())
    assert status == 200
    [(block, message)] = errors_of(body).items()
    assert block == Block.ATTEMPT_CHANNEL and "or a manager can log contact on this lead." in message
    assert await attempts_of(app, lead_id) == []

    assert await log_attempt(app, lead_id, MANAGER, "no_answer") == (200, "")  # a manager may
    assert [a[0] for a in await attempts_of(app, lead_id)] == [MANAGER]


async def test_an_unaccepted_lead_takes_no_attempt(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await app.new_lead()

    status, body = await app.submit(Callback.ATTEMPT, MANAGER, str(lead_id), attempt_values())

    assert errors_of(body) == {Block.ATTEMPT_CHANNEL: "Contact can be logged once the lead is accepted."}
    assert await attempts_of(app, lead_id) == []


@pytest.mark.parametrize(
    ("values", "block", "problem"),
    [
        (attempt_values(note="call back\x00 later"), Block.ATTEMPT_NOTE, "control character"),
        (attempt_values(note="\x1b[31mred"), Block.ATTEMPT_NOTE, "control character"),
        (attempt_values(note="lone \ud800 surrogate"), Block.ATTEMPT_NOTE, "control character"),
        (attempt_values(note="x" * 1001), Block.ATTEMPT_NOTE, "1,000 characters"),
        (attempt_values(note="x" * 1_000_000), Block.ATTEMPT_NOTE, "1,000 characters"),
        (attempt_values(channel="carrier pigeon"), Block.ATTEMPT_CHANNEL, "Pick how you reached out"),
        (attempt_values(outcome="married"), Block.ATTEMPT_OUTCOME, "Pick what happened"),
        ({}, Block.ATTEMPT_CHANNEL, "Pick how you reached out"),
        (attempt_values(channel="call\x00"), Block.ATTEMPT_CHANNEL, "Pick how you reached out"),
    ],
)
async def test_hostile_values_get_an_inline_error_under_their_field(
    start_app: StartApp, values: dict[str, Any], block: str, problem: str
) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await accepted_lead(app)

    status, body = await app.submit(Callback.ATTEMPT, REP1, str(lead_id), values)

    assert status == 200
    [(where, message)] = errors_of(body).items()
    assert where == block and problem in message
    assert await attempts_of(app, lead_id) == []
    assert (await app.lead(lead_id)).contacted_at is None


@pytest.mark.parametrize("metadata", ["", "abc", "9" * 40, "9" * 18, "-1", "١", "0:home"])
async def test_a_tampered_modal_is_told_to_reopen(start_app: StartApp, metadata: str) -> None:
    app = await start_app(team_config(sla=SLA))
    await accepted_lead(app)

    status, body = await app.submit(Callback.ATTEMPT, REP1, metadata, attempt_values())

    assert status == 200
    [message] = errors_of(body).values()
    assert "reopen" in message or "does not exist" in message


async def test_without_a_follow_up_cadence_log_attempt_still_logs_first_contact(app: Harness) -> None:
    lead_id = await accepted_lead(app)

    view = await open_attempt(app, lead_id, REP1)
    assert view is not None and "0 attempts logged so far" in text_of(view["blocks"])
    assert await log_attempt(app, lead_id, REP1, "no_answer") == (200, "")
    assert await log_attempt(app, lead_id, REP1, "connected", channel="meeting") == (200, "")

    assert (await app.lead(lead_id)).contacted_at is not None
    assert [a[2] for a in await attempts_of(app, lead_id)] == ["no_answer", "connected"]


def test_the_attempt_modal_is_a_valid_view_with_hostile_data() -> None:
    from bot.ids import ATTEMPT_MODAL_IDS
    from bot.lifecycle.attempts import CHANNELS, NOTE_MAX, OUTCOMES
    from sandbox.blocks import validate_view
    from tests.views.test_templates import HOSTILE, RENDERER, assert_inert

    view = RENDERER.render(
        "modals/attempt.json.j2", ids=ATTEMPT_MODAL_IDS, metadata="42:home", headline=HOSTILE * 50,
        progress=HOSTILE * 20, channels=CHANNELS, outcomes=OUTCOMES, note_max=NOTE_MAX,
    )  # fmt: skip

    assert validate_view(view) == []
    assert_inert(view)
