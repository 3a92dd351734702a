"""A web process (`HANDOFF_ROLE=web`) and a worker process (`handoff worker`) on one database: the web answers Slack
and the intake API, the worker alone delivers and sweeps. Real processes (tests/replica.py), a clock moved through a
file, the fake Slack in this process; the test reaches them over HTTP and reads the shared database."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.ids import Action
from sandbox.slack_api import FakeSlack
from tests import slack_requests as sr
from tests.app.test_replicas import ROOT, Cluster, Replica, eventually, free_port, top_level
from tests.conftest import (
    BOT_TOKEN,
    INTAKE_TOKEN,
    LEADS,
    MANAGER,
    REP1,
    SIGNING_SECRET,
    Harness,
    StartApp,
)
from tests.databases import fetch

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def processes(tmp_path: Path, db_url: str) -> AsyncIterator[Cluster]:
    async with FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS]) as slack, aiohttp.ClientSession() as http:
        cluster = Cluster(tmp_path, db_url, slack, http)
        try:
            yield cluster
        finally:
            cluster.stop()


def start(cluster: Cluster, name: str, role: str) -> Replica:
    replica = Replica(name, {**cluster.env, "HANDOFF_ROLE": role}, cluster.logs)
    cluster.replicas.append(replica)
    return replica


async def claimers(cluster: Cluster) -> set[int]:
    """The process ids that claimed outbox rows (a delivered row keeps its claimer)."""
    rows = await fetch(cluster.db_url, "SELECT claimed_by FROM outbox")
    return {int(str(by).split(":")[1]) for (by,) in rows if by is not None}


async def test_the_web_process_answers_and_the_worker_process_delivers_each_thing_once(processes: Cluster) -> None:
    cluster, slack = processes, processes.slack
    web, worker = start(cluster, "web", "web"), start(cluster, "worker", "worker")
    await cluster.ready(web)
    await cluster.ready(worker)

    # The worker answers no Slack request and takes no leads, only its probes.
    async with cluster.http.post(f"{worker.url}/slack/events", data=b"") as response:
        assert response.status == 404
    async with cluster.http.post(f"{worker.url}/api/leads", json={}) as response:
        assert response.status == 404
    async with cluster.http.get(f"{worker.url}/metrics") as response:
        assert response.status == 200

    # 1. A lead sent to the web process is posted by the worker, once.
    await cluster.post_leads(web, [{"external_id": "role-1", "name": "Lead 1"}])

    async def posted() -> bool:
        [(unposted,)] = await fetch(cluster.db_url, "SELECT count(*) FROM leads WHERE slack_ts IS NULL")
        return unposted == 0 and await cluster.drained()

    await eventually(posted, "the lead posted")
    [post] = top_level(slack, LEADS)
    [(lead_id, ts)] = await fetch(cluster.db_url, "SELECT id, slack_ts FROM leads")
    assert (ts, len(slack.calls_to("chat.postMessage"))) == (post.ts, 1)
    assert await claimers(cluster) == {worker.process.pid}

    # 2. An Accept click is acked by the web process; the worker brings the post up to date.
    body = sr.interactive_body(
        sr.block_actions(
            user_id=REP1,
            action_id=Action.ACCEPT.value,
            value=str(lead_id),
            channel=LEADS,
            message_ts=post.ts,
            trigger_id=slack.issue_trigger_id(REP1),
            response_url=slack.new_response_url(channel=LEADS, message_ts=post.ts, user_id=REP1),
        )
    )
    headers = sr.signed_headers(SIGNING_SECRET, body, content_type=FORM)
    async with cluster.http.post(f"{web.url}/slack/events", data=body.encode(), headers=headers) as response:
        assert response.status == 200

    async def updated() -> bool:
        [(stage,)] = await fetch(cluster.db_url, f"SELECT stage FROM leads WHERE id = {lead_id}")
        return stage == "sal" and bool(slack.calls_to("chat.update")) and await cluster.drained()

    await eventually(updated, "the accepted lead's post updated")
    assert [c.args["ts"] for c in slack.calls_to("chat.update")] == [post.ts]
    assert await claimers(cluster) == {worker.process.pid}

    # 3. An SLA breach (the worker's scheduler sweeps) is escalated once, in one DM to the manager.
    await cluster.post_leads(web, [{"external_id": "role-2", "name": "Lead 2"}])
    await eventually(posted, "the second lead posted")
    [(late,)] = await fetch(cluster.db_url, "SELECT id FROM leads WHERE external_id = 'role-2'")
    cluster.advance(31 * 60)

    async def escalated() -> bool:
        [(events,)] = await fetch(
            cluster.db_url, f"SELECT count(*) FROM lead_events WHERE kind = 'sla_escalated' AND lead_id = {late}"
        )
        [(unsent,)] = await fetch(cluster.db_url, "SELECT count(*) FROM sla_notices WHERE slack_ts IS NULL")
        return events == 1 and unsent == 0 and await cluster.drained()

    await eventually(escalated, "the late lead escalated and its DM sent")
    notices = await fetch(
        cluster.db_url,
        "SELECT n.slack_ts FROM sla_notices n JOIN sla_notice_items i ON i.notice_id = n.id "
        f"WHERE n.kind = 'breach' AND n.recipient = '{MANAGER}' AND i.lead_id = {late}",
    )
    assert len(notices) == 1
    assert [m.ts for m in top_level(slack, "D" + MANAGER[1:])] == [notices[0][0]]
    assert await claimers(cluster) == {worker.process.pid}


async def test_a_web_app_alone_delivers_nothing_and_a_worker_later_delivers_what_it_queued(
    start_app: StartApp, slack: FakeSlack
) -> None:
    web: Harness = await start_app(role="web")
    status, body = await web.post_leads({"external_id": "alone-1", "name": "Dana Buyer"})
    assert status == 201, body
    await web.svc.background.wait()
    [row] = await web.outbox_rows()
    assert (row.claimed_by, row.delivered_at, slack.calls_to("chat.postMessage")) == (None, None, [])

    worker = await start_app(role="worker")
    await worker.settle()
    [row] = await web.outbox_rows()
    assert (row.claimed_by, row.delivered_at is not None) == (worker.svc.outbox.worker_id, True)
    assert len(slack.calls_to("chat.postMessage")) == 1
    async with web.http.post(worker.url("/api/leads"), json={}) as response:
        assert response.status == 404  # the worker takes no requests but its probes


async def test_python_m_bot_worker_is_the_worker_whatever_handoff_role_says(tmp_path: Path, slack: FakeSlack) -> None:
    """The Procfile's processes share one environment, where HANDOFF_ROLE says `web`: `python -m bot worker` is the
    worker all the same. It creates the schema on an empty database, becomes ready and answers only its probes."""
    (tmp_path / "handoff.toml").write_text(f'[slack]\nleads_channel = "{LEADS}"\n[team]\nsales = ["{REP1}"]\n'
                                           f'managers = ["{MANAGER}"]\n')  # fmt: skip
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "INTAKE_TOKEN": INTAKE_TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'handoff.db'}",
        "HANDOFF_CONFIG": str(tmp_path / "handoff.toml"),
        "HANDOFF_ROLE": "web",
        "PORT": str(port),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "worker", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                assert process.returncode is None, log.read_text()[-2000:]
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await eventually(ready, "the worker ready")
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=b"") as response:
                assert response.status == 404
        said = "Handoff is ready (worker, delivers and runs the scheduler; answers no Slack requests)"
        assert said in log.read_text()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)
