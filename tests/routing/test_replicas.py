"""Two app instances on one database (two engines, two routers, nothing shared but the database) taking intakes at
the same moment: the rotation is the database's, so no rep gets two leads in a row and the shares hold."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.conftest import INTAKE_TOKEN, REP1, REP2, StartApp
from tests.routing.conftest import assigned_events, routed_config, turns

LEADS = 24


async def test_two_replicas_routing_at_once_keep_one_rotation(start_app: StartApp) -> None:
    config = routed_config({"mode": "round_robin", "pool": [REP1, REP2]})
    one, two = await start_app(config), await start_app(config)

    async def intake(n: int) -> int:
        app = (one, two)[n % 2]
        status, body = await app.post_leads({"external_id": f"replica-{n}", "name": f"Lead {n}"}, token=INTAKE_TOKEN)
        assert status == 201, body
        return int(body["id"])

    ids = await asyncio.gather(*(intake(n) for n in range(LEADS)))
    await one.settle()
    await two.settle()

    order = [event.data["to"] for event in await assigned_events(one)]  # in the order the rotation gave them
    assert len(order) == LEADS and len({event.lead_id for event in await assigned_events(one)}) == LEADS
    assert all(a != b for a, b in zip(order, order[1:], strict=False)), order  # never two in a row
    assert Counter(order) == {REP1: LEADS // 2, REP2: LEADS // 2}
    assert {turn.user_id: turn.assigned for turn in await turns(one)} == {REP1: LEADS // 2, REP2: LEADS // 2}
    assert sum(turn.credit for turn in await turns(one)) == 0
    assert sorted([(await one.lead(i)).assignee for i in ids]).count(REP1) == LEADS // 2
