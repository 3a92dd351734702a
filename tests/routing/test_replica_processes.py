"""Two app processes (`tests/replica.py`, as `handoff run` runs) on one database, routing at once: intakes through
both keep one rotation, and when every accept clock breaches each lead moves on to the other rep exactly once and
the manager hears about it once, whichever process sweeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.slack_api import FakeSlack
from tests.app.test_replicas import TEAM, Cluster, eventually
from tests.conftest import BOT_TOKEN, LEADS, REP1, REP2
from tests.databases import fetch

PER_REPLICA = 6
ROUTING = """
[routing]
mode = "round_robin"
reassign_unaccepted = true
"""


@pytest.fixture
async def cluster(tmp_path: Path, db_url: str) -> AsyncIterator[Cluster]:
    async with FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS]) as slack, aiohttp.ClientSession() as http:
        cluster = Cluster(tmp_path, db_url, slack, http)
        (tmp_path / "handoff.toml").write_text(TEAM + ROUTING)
        try:
            yield cluster
        finally:
            cluster.stop()


async def test_two_processes_route_concurrent_intakes_and_reassign_each_breach_once(cluster: Cluster) -> None:
    a, b = cluster.start("a"), cluster.start("b")
    await asyncio.gather(cluster.ready(a), cluster.ready(b))

    await asyncio.gather(*(
        cluster.post_leads(replica, [{"external_id": f"{replica.name}-{i}", "name": f"Lead {i}"}])
        for i in range(PER_REPLICA) for replica in (a, b)
    ))  # fmt: skip

    async def routed() -> list[str]:
        rows = await fetch(cluster.db_url, "SELECT data FROM lead_events WHERE kind = 'assigned' ORDER BY id")
        return [str(_data(row)["to"]) for (row,) in rows]

    order = await routed()
    assert len(order) == 2 * PER_REPLICA
    assert all(x != y for x, y in zip(order, order[1:], strict=False)), order  # never two in a row
    assert Counter(order) == {REP1: PER_REPLICA, REP2: PER_REPLICA}

    async def all_posted() -> bool:
        [(unposted,)] = await fetch(cluster.db_url, "SELECT count(*) FROM leads WHERE slack_ts IS NULL")
        return unposted == 0 and await cluster.drained()

    await eventually(all_posted, "every lead posted")
    before = dict(await fetch(cluster.db_url, "SELECT id, assignee FROM leads"))
    cluster.advance(31 * 60)  # every accept clock breaches; both processes sweep every second

    async def all_moved() -> bool:
        [(moved,)] = await fetch(cluster.db_url, "SELECT count(*) FROM lead_events WHERE kind = 'assigned' AND "
                                                 "CAST(data AS TEXT) LIKE '%breach%'")  # fmt: skip
        [(unsent,)] = await fetch(cluster.db_url, "SELECT count(*) FROM sla_notices WHERE slack_ts IS NULL")
        return moved == 2 * PER_REPLICA and unsent == 0 and await cluster.drained()

    await eventually(all_moved, "every breached lead reassigned")
    after = dict(await fetch(cluster.db_url, "SELECT id, assignee FROM leads"))
    assert all(after[lead] != before[lead] for lead in before)  # each to the other rep
    escalated = Counter(
        lead for (lead,) in await fetch(cluster.db_url, "SELECT lead_id FROM lead_events WHERE kind = 'sla_escalated'")
    )
    assert len(escalated) == 2 * PER_REPLICA and set(escalated.values()) == {1}  # the manager heard once each
    states = Counter(
        (str(owner), str(state))
        for owner, state in await fetch(cluster.db_url, "SELECT owner, state FROM sla_timers WHERE clock = 'accept'")
    )
    assert states == {(REP1, "breached"): PER_REPLICA, (REP2, "breached"): PER_REPLICA,
                      (REP1, "running"): PER_REPLICA, (REP2, "running"): PER_REPLICA}  # fmt: skip


def _data(value: object) -> dict[str, object]:
    import json

    return value if isinstance(value, dict) else json.loads(str(value))
