"""Round robin, weights, rules, capacity and away through the real app: leads POSTed to /api/leads, clicks signed as
Slack sends them, every assignment read back from the database, the channel post and the reps' DMs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from bot.ids import Action
from storage.models import AwayRep
from tests.conftest import MANAGER, REP1, REP2, REP3, START, StartApp, action_ids, text_of
from tests.routing.conftest import assigned_events, leads, routed_config, timers, turns


async def test_round_robin_offers_each_lead_to_the_next_rep_and_says_so_on_the_post_and_by_dm(
    start_app: StartApp,
) -> None:
    app = await start_app(routed_config({"mode": "round_robin"}))

    ids = await leads(app, 4)

    # the pool defaults to team.sales, the user group expanded: REP1, REP2, then the group's REP3
    assert [(await app.lead(i)).assignee for i in ids] == [REP1, REP2, REP3, REP1]
    assert [(e.lead_id, e.actor, e.data) for e in await assigned_events(app)] == [
        (lead_id, None, {"to": rep, "from": None, "why": "rotation"})
        for lead_id, rep in zip(ids, [REP1, REP2, REP3, REP1], strict=True)
    ]
    post = await app.post_of(ids[0])
    assert f"Assigned to <@{REP1}> — accept within 30 min" in text_of(post.blocks)
    assert action_ids(post.blocks) == [Action.ACCEPT, Action.REJECT, Action.PASS]
    [dm] = [m for m in app.dms(REP2)]
    assert "Assigned to you" in text_of(dm.blocks) and "Accept within 30 min" in text_of(dm.blocks)
    [accept] = await timers(app, ids[0])
    assert (accept.clock, accept.owner, accept.state) == ("accept", REP1, "running")  # the assignee's clock
    assert sum(turn.credit for turn in await turns(app)) == 0


async def test_the_rotation_continues_where_it_stopped_after_a_restart(start_app: StartApp) -> None:
    config = routed_config({"mode": "round_robin", "pool": [REP1, REP2]})
    first = await start_app(config)
    [one] = await leads(first, 1)
    await first.server.close()

    second = await start_app(config)
    two = await second.new_lead(external_id="after-restart")

    assert [(await second.lead(i)).assignee for i in (one, two)] == [REP1, REP2]


async def test_weighted_shares_hold_over_any_number_of_leads(start_app: StartApp) -> None:
    app = await start_app(routed_config({"mode": "weighted", "pool": [REP1, REP2], "weights": {REP1: 2}}))

    ids = await leads(app, 9)

    order = [(await app.lead(i)).assignee for i in ids]
    assert Counter(order) == {REP1: 6, REP2: 3}
    for n in range(1, len(order) + 1):  # every prefix within one lead of its share
        assert abs(order[:n].count(REP1) - n * 2 / 3) < 1
    assert {t.user_id: t.assigned for t in await turns(app)} == {REP1: 6, REP2: 3}


async def test_a_rule_routes_matching_leads_among_its_own_reps(start_app: StartApp) -> None:
    rules = [
        {"source": "Partner", "assign": [REP3]},
        {"min_score": 80, "email_domain": "bigco.com", "assign": [REP2]},
    ]
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1, REP2], "rules": rules}))

    partner = await app.new_lead(external_id="p1", source="partner")
    big = await app.new_lead(external_id="b1", email="ceo@BigCo.com", score=91)
    small = await app.new_lead(external_id="b2", email="intern@bigco.com", score=20)

    assert [(await app.lead(i)).assignee for i in (partner, big, small)] == [REP3, REP2, REP1]
    assert [e.data["why"] for e in await assigned_events(app)] == ["rule", "rule", "rotation"]


async def test_a_rep_at_max_open_is_skipped_and_a_lead_nobody_can_take_is_open_to_claim_and_told_to_managers(
    start_app: StartApp,
) -> None:
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1, REP2], "max_open": 1}))
    first, second = await leads(app, 2)
    await app.click(Action.ACCEPT, first, REP1)  # accepted: still open, still REP1's load
    await app.settle()

    third = await app.new_lead(external_id="third")

    assert [(await app.lead(i)).assignee for i in (first, second, third)] == [REP1, REP2, None]
    assert "No rep to route to" in text_of(app.dms(MANAGER)[-1].blocks)
    post = await app.post_of(third)
    assert action_ids(post.blocks) == [Action.ACCEPT, Action.REJECT]  # claim mode: no Pass
    await app.click(Action.ACCEPT, third, REP3)
    await app.settle()
    assert (await app.lead(third)).owner == REP3  # anyone in sales may claim it


async def test_a_batch_nobody_can_take_is_one_dm_per_manager(start_app: StartApp) -> None:
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1]}))
    async with app.svc.db.session() as session:  # what /handoff away writes
        session.add(AwayRep(user_id=REP1, since=START, until=None, set_by=REP1))

    status, body = await app.post_leads([{"external_id": f"b{n}", "name": f"Lead {n}"} for n in range(5)])
    await app.settle()

    assert status == 201, body
    [dm] = app.dms(MANAGER)
    assert "No rep to route 5 leads to" in text_of(dm.blocks)
    assert [(await app.lead(int(row["id"]))).assignee for row in body["leads"]] == [None] * 5


async def test_an_away_rep_gets_no_new_leads_until_back(start_app: StartApp) -> None:
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1, REP2]}))
    async with app.svc.db.session() as session:  # what /handoff away writes
        session.add(AwayRep(user_id=REP1, since=START, until=START + timedelta(hours=1), set_by=REP1))

    during = await leads(app, 3)
    app.clock.advance(3600)  # the absence ends by itself at its `until`
    after = await app.new_lead(external_id="after")

    assert [(await app.lead(i)).assignee for i in during] == [REP2, REP2, REP2]
    assert (await app.lead(after)).assignee == REP1  # owed its share of the leads shared while it was here


async def test_claim_mode_is_unchanged(start_app: StartApp) -> None:
    app = await start_app(routed_config({}))

    [lead_id] = await leads(app, 1)

    assert (await app.lead(lead_id)).assignee is None
    assert await assigned_events(app) == [] and await turns(app) == []
    assert action_ids((await app.post_of(lead_id)).blocks) == [Action.ACCEPT, Action.REJECT]


async def test_a_hostile_lead_is_offered_with_every_string_escaped(start_app: StartApp) -> None:
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1, REP2]}))

    lead_id = await app.new_lead(external_id="x\u202e", name="Pat <!channel> & <@U0BOSS0001>", company="<https://x|y>")

    post, [dm] = (await app.post_of(lead_id)).blocks, app.dms(REP1)
    for shown in (mrkdwn_texts(post), mrkdwn_texts(dm.blocks)):  # plain-text headers are not parsed by Slack
        assert "<!channel>" not in shown and "<@U0BOSS0001>" not in shown and "<https://x|y>" not in shown
    assert "Pat &lt;!channel&gt; &amp; &lt;@U0BOSS0001&gt;" in mrkdwn_texts(dm.blocks)
    assert f"Assigned to <@{REP1}>" in mrkdwn_texts(post)


def mrkdwn_texts(node: Any) -> str:
    if isinstance(node, list):
        return "\n".join(mrkdwn_texts(item) for item in node)
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return "\n".join(own + [mrkdwn_texts(v) for v in node.values() if isinstance(v, (dict, list))])
    return ""
