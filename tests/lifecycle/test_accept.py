"""Accept, and Log attempt after it: signed clicks to /slack/events, as Slack sends them."""

from __future__ import annotations

import asyncio

from bot.ids import Action
from tests.attempts import log_attempt
from tests.conftest import MANAGER, OUTSIDER, REP1, REP2, REP3, Harness, action_ids, text_of


async def test_accept_makes_the_rep_owner_and_updates_the_post_in_place(app: Harness) -> None:
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex")
    app.clock.advance(12 * 60 + 30)

    status, body = await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    assert (status, body) == (200, "")
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner, lead.decided_at) == ("sal", REP1, app.clock.now())
    accepted = [e for e in await app.events(lead_id) if e.kind == "accepted"]
    assert [(e.actor, e.data["seconds_to_accept"]) for e in accepted] == [(REP1, 750)]
    [update] = app.slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (lead.slack_channel, lead.slack_ts)
    post = await app.post_of(lead_id)
    assert f"Accepted* by <@{REP1}> in 12 min" in text_of(post.blocks)
    assert action_ids(post.blocks) == [Action.LOG_CONTACT, Action.QUALIFY, Action.LOST, Action.RECYCLE]
    assert len(app.slack.calls_to("chat.postMessage")) == 1  # updated, never posted twice


async def test_two_reps_clicking_at_once_produce_exactly_one_owner(app: Harness) -> None:
    lead_id = await app.new_lead()

    answers = await asyncio.gather(*(app.click(Action.ACCEPT, lead_id, rep) for rep in (REP1, REP2, REP1, REP2)))
    await app.settle()

    assert all(status == 200 for status, _ in answers)
    lead = await app.lead(lead_id)
    assert lead.owner in (REP1, REP2)
    assert len([e for e in await app.events(lead_id) if e.kind == "accepted"]) == 1
    refusals = [r["text"] for r in app.slack.responses]
    assert 1 <= len(refusals) <= 3  # a rep's repeat while their first click is still in flight is answered once
    assert all(f"already accepted by <@{lead.owner}>" in text for text in refusals)
    assert all(r.get("response_type") == "ephemeral" for r in app.slack.responses)
    post = await app.post_of(lead_id)
    assert f"by <@{lead.owner}>" in text_of(post.blocks)


async def test_a_click_from_outside_sales_is_refused_privately_and_changes_nothing(app: Harness) -> None:
    lead_id = await app.new_lead()
    updates_before = len(app.slack.calls_to("chat.update"))

    status, _ = await app.click(Action.ACCEPT, lead_id, OUTSIDER)
    await app.settle()

    assert status == 200
    [refusal] = app.slack.responses
    assert "Only the sales team can accept" in refusal["text"]
    assert refusal["response_type"] == "ephemeral"
    assert refusal.get("replace_original") is False
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner) == ("mql", None)
    assert [e.kind for e in await app.events(lead_id)] == ["mql_received", "posted"]
    assert len(app.slack.calls_to("chat.update")) == updates_before


async def test_a_member_of_a_sales_user_group_may_accept(app: Harness) -> None:
    lead_id = await app.new_lead()

    await app.click(Action.ACCEPT, lead_id, REP3)  # REP3 is only listed through the S… group
    await app.settle()

    assert (await app.lead(lead_id)).owner == REP3
    assert len(app.slack.calls_to("usergroups.users.list")) == 1


async def test_log_contact_by_the_owner_is_recorded_once_and_shown(app: Harness) -> None:
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    assert await log_attempt(app, lead_id, REP2) is None  # not the owner, not a manager: no modal
    assert await log_attempt(app, lead_id, REP1) == (200, "")
    assert await log_attempt(app, lead_id, MANAGER) is None  # connected already

    contacted = [e.actor for e in await app.events(lead_id) if e.kind == "contacted"]
    assert contacted == [REP1]
    texts = [r["text"] for r in app.slack.responses]
    assert len(texts) == 2
    assert f"Only the owner (<@{REP1}>) or a manager" in texts[0]
    assert "already logged" in texts[1]
    post = await app.post_of(lead_id)
    assert f"First contact logged by <@{REP1}>" in text_of(post.blocks)
    assert action_ids(post.blocks) == [Action.QUALIFY, Action.LOST, Action.RECYCLE]  # contact is done


async def test_a_button_with_a_tampered_value_gets_a_clear_answer(app: Harness) -> None:
    from tests import slack_requests as sr

    payload = sr.block_actions(
        user_id=REP1,
        action_id=Action.ACCEPT,
        value="not-a-number",
        channel="C0LEADS001",
        message_ts="1.2",
        trigger_id=app.slack.issue_trigger_id(REP1),
        response_url=app.slack.new_response_url(),
    )
    status, _ = await app.interact(payload)
    await app.settle()

    assert status == 200
    assert "older version of Handoff" in app.slack.responses[0]["text"]
