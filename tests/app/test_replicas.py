"""Two app processes on one database, one killed mid-delivery: every post and every escalation happens once.

The replicas are real processes (`tests/replica.py` runs `create_app` as `handoff run` does) talking to the fake
Slack over HTTP; the test reaches them only through HTTP and reads the shared database. Their clock is moved by
writing an offset into a file, so leases and SLA targets pass without waiting for them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.slack_api import FakeSlack
from sandbox.slack_faults import Stall
from tests.conftest import BOT_TOKEN, INTAKE_TOKEN, LEADS, MANAGER, REP1, REP2, SIGNING_SECRET
from tests.databases import fetch

ROOT = Path(__file__).resolve().parents[2]
LEADS_PER_REPLICA = 15
TEAM = f"""
timezone = "UTC"
[slack]
leads_channel = "{LEADS}"
posts_per_second = 100
batch_when_over = 0
[team]
sales = ["{REP1}", "{REP2}"]
managers = ["{MANAGER}"]
[scheduler]
sla_check_interval = "1s"
[sla.accept]
target = "30m"
business_hours = false
escalate = [{{ after = "0s", notify = "manager" }}]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 60.0) -> None:
    """Wait for an outcome the replicas produce on their own schedule (they poll every second)."""
    try:
        async with asyncio.timeout(seconds):
            while not await check():  # noqa: ASYNC110 - the state lives in other processes: polled
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {seconds:.0f} s: {what}") from None


class Replica:
    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log = logs / f"{name}.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.replica"],
                cwd=ROOT,
                env={**env, "PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


class Cluster:
    def __init__(self, tmp_path: Path, db_url: str, slack: FakeSlack, http: aiohttp.ClientSession) -> None:
        self.db_url = db_url
        self.slack = slack
        self.http = http
        self.logs = tmp_path
        self.clock_file = tmp_path / "clock"
        self.offset = 0.0
        self.clock_file.write_text("0")
        (tmp_path / "handoff.toml").write_text(TEAM)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "INTAKE_TOKEN": INTAKE_TOKEN,
            "DATABASE_URL": db_url,
            "HANDOFF_CONFIG": str(tmp_path / "handoff.toml"),
            "HANDOFF_TEST_CLOCK": str(self.clock_file),
            "LOG_LEVEL": "WARNING",
        }
        self.replicas: list[Replica] = []

    def start(self, name: str) -> Replica:
        replica = Replica(name, self.env, self.logs)
        self.replicas.append(replica)
        return replica

    async def ready(self, replica: Replica) -> None:
        async def answers() -> bool:
            if replica.process.poll() is not None:
                raise AssertionError(f"{replica.name} exited: {replica.log.read_text()[-2000:]}")
            try:
                async with self.http.get(f"{replica.url}/readyz") as response:
                    return response.status == 200
            except aiohttp.ClientConnectionError:
                return False

        await eventually(answers, f"{replica.name} ready")

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.clock_file.write_text(str(self.offset))

    async def post_leads(self, replica: Replica, leads: list[dict[str, Any]]) -> None:
        headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
        async with self.http.post(f"{replica.url}/api/leads", json=leads, headers=headers) as response:
            assert response.status == 201, await response.text()

    async def kill_the_holder(self, stall: Stall) -> Replica:
        """Kill the replica whose call Slack carried out but has not answered yet; then let the answer go."""
        async with asyncio.timeout(60):
            await stall.arrived.wait()
        [call] = [c for c in self.slack.calls if c.method == "chat.postMessage"][-1:]
        [outbox_id] = call.args["metadata"]["event_payload"]["outbox_ids"]
        [(claimed_by,)] = await fetch(self.db_url, f"SELECT claimed_by FROM outbox WHERE id = {int(outbox_id)}")
        pid = int(str(claimed_by).split(":")[1])
        [victim] = [r for r in self.replicas if r.process.pid == pid]
        victim.kill()
        stall.release()
        return victim

    async def drained(self) -> bool:
        [(pending,)] = await fetch(
            self.db_url, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL"
        )
        return pending == 0

    def stop(self) -> None:
        for replica in self.replicas:
            if replica.process.poll() is None:
                replica.process.terminate()
                try:
                    replica.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    replica.kill()


@pytest.fixture
async def cluster(tmp_path: Path, db_url: str) -> AsyncIterator[Cluster]:
    async with FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS]) as slack, aiohttp.ClientSession() as http:
        cluster = Cluster(tmp_path, db_url, slack, http)
        try:
            yield cluster
        finally:
            cluster.stop()


def top_level(slack: FakeSlack, channel: str) -> list[Any]:
    return [m for m in slack.messages.get(channel, []) if m.thread_ts is None]


async def test_two_replicas_one_killed_mid_delivery_post_and_escalate_every_lead_exactly_once(
    cluster: Cluster,
) -> None:
    slack = cluster.slack
    a, b = cluster.start("a"), cluster.start("b")  # both start on the empty database at once
    await asyncio.gather(cluster.ready(a), cluster.ready(b))

    # 1. Leads arrive through both replicas; Slack takes one post but its answer never reaches the sender.
    stall = slack.stall_next("chat.postMessage")
    for replica in (a, b):
        leads = [{"external_id": f"{replica.name}-{i}", "name": f"Lead {i}"} for i in range(LEADS_PER_REPLICA)]
        for start in range(0, len(leads), 5):
            await cluster.post_leads(replica, leads[start : start + 5])
    victim = await cluster.kill_the_holder(stall)
    cluster.advance(61)  # the dead replica's claims expire; the survivor takes them over

    async def all_posted() -> bool:
        [(unposted,)] = await fetch(cluster.db_url, "SELECT count(*) FROM leads WHERE slack_ts IS NULL")
        return unposted == 0 and await cluster.drained()

    await eventually(all_posted, "every lead posted")
    posts = top_level(slack, LEADS)
    stored = await fetch(cluster.db_url, "SELECT slack_ts FROM leads")
    assert len(posts) == 2 * LEADS_PER_REPLICA == len(stored)
    assert sorted(str(ts) for (ts,) in stored) == sorted(m.ts for m in posts)  # each lead: its one post
    assert slack.calls_to("conversations.history"), "the survivor looked for the post before posting again"

    # 2. The killed replica comes back; the accept target passes; one escalation DM is held and its sender killed.
    c = cluster.start(f"{victim.name}-again")
    await cluster.ready(c)
    stall = slack.stall_next("chat.postMessage")
    cluster.advance(31 * 60)
    await cluster.kill_the_holder(stall)
    cluster.advance(61)

    async def all_escalated() -> bool:
        [(escalated,)] = await fetch(
            cluster.db_url, "SELECT count(DISTINCT lead_id) FROM lead_events WHERE kind = 'sla_escalated'"
        )
        [(unsent,)] = await fetch(cluster.db_url, "SELECT count(*) FROM sla_notices WHERE slack_ts IS NULL")
        return escalated == len(posts) and unsent == 0 and await cluster.drained()

    await eventually(all_escalated, "every lead escalated and every DM sent")
    escalations = Counter(
        lead for (lead,) in await fetch(cluster.db_url, "SELECT lead_id FROM lead_events WHERE kind = 'sla_escalated'")
    )
    assert set(escalations.values()) == {1}
    items = Counter(
        lead
        for (lead,) in await fetch(
            cluster.db_url,
            "SELECT i.lead_id FROM sla_notice_items i JOIN sla_notices n ON n.id = i.notice_id "
            f"WHERE n.kind = 'breach' AND n.recipient = '{MANAGER}'",
        )
    )
    assert len(items) == len(posts) and set(items.values()) == {1}  # every lead in exactly one DM
    notices = await fetch(cluster.db_url, f"SELECT slack_ts FROM sla_notices WHERE recipient = '{MANAGER}'")
    dms = top_level(slack, "D" + MANAGER[1:])
    assert sorted(str(ts) for (ts,) in notices) == sorted(m.ts for m in dms)  # each DM posted once
    assert [c.args["users"] for c in slack.calls_to("conversations.open")] == [MANAGER]  # found the held DM
