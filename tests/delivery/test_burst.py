"""Slack's rate limits: delivery paces itself per channel, and a burst of MQLs is posted as batch messages with
per-lead buttons instead of flooding the channel. Nothing is dropped, nothing is doubled."""

from __future__ import annotations

from typing import Any

from bot.config.team_file import HandoffConfig
from bot.delivery.pacing import Pacer
from bot.ids import Action
from sandbox.slack_models import Message
from tests import databases
from tests.attempts import log_attempt
from tests.conftest import LEADS, MANAGER, REP1, Harness, StartApp, action_ids, team_config, text_of
from tests.lifecycle.test_reject import BUDGET, submit_reject


def burst_config(**slack: Any) -> HandoffConfig:
    settings = {"leads_channel": LEADS, "posts_per_second": 100, "post_burst": 100, "batch_when_over": 10}
    return team_config(slack={**settings, **slack})


def leads(count: int, prefix: str = "b") -> list[dict[str, Any]]:
    return [{"external_id": f"{prefix}-{i}", "name": f"Lead {i}", "company": f"Co {i}"} for i in range(count)]


async def fetch(app: Harness, sql: str) -> list[tuple[object, ...]]:
    return await databases.fetch(app.svc.db.url, sql)


def posts(app: Harness) -> list[Message]:
    return [m for m in app.slack.messages.get(LEADS, []) if m.thread_ts is None]


async def test_a_burst_is_posted_as_batch_messages_with_every_lead_once(start_app: StartApp) -> None:
    app = await start_app(burst_config(batch_size=20))

    status, body = await app.post_leads(leads(25))
    await app.settle()

    assert status == 201
    ids = [item["id"] for item in body["leads"]]
    first, second = sorted(posts(app), key=lambda m: -len(m.blocks))  # claims of 20 rows: a batch of 20, one of 5
    assert [action_ids(m.blocks).count(Action.ACCEPT) for m in (first, second)] == [20, 5]
    buttons = [el["value"] for m in (first, second) for b in m.blocks if b["type"] == "actions" for el in b["elements"]]
    assert sorted(int(v) for v in set(buttons)) == sorted(ids)  # every lead has its buttons, once
    assert first.blocks[0]["text"]["text"] == "⚡ 20 new MQLs"
    for lead_id in ids:
        lead = await app.lead(lead_id)
        assert lead.slack_ts in (first.ts, second.ts) and lead.posted_at == app.clock.now()
        assert [e.kind for e in await app.events(lead_id)] == ["mql_received", "posted"]
    rows = await app.outbox_rows()
    assert len(rows) == 25 and all(r.delivered_at is not None for r in rows)


async def test_accepting_one_lead_of_a_batch_updates_its_line_and_keeps_the_others_buttons(
    start_app: StartApp,
) -> None:
    app = await start_app(burst_config())
    _, body = await app.post_leads(leads(12))
    await app.settle()
    ids = [item["id"] for item in body["leads"]]
    [batch] = posts(app)
    app.clock.advance(4 * 60)

    await app.click(Action.ACCEPT, ids[3], REP1)
    await app.settle()

    [update] = app.slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (LEADS, batch.ts)
    [batch] = posts(app)
    line = next(b for b in batch.blocks if b.get("block_id") == f"lead:{ids[3]}:line")
    assert f"*Accepted* by <@{REP1}> in 4 min" in line["text"]["text"]
    assert action_ids(batch.blocks).count(Action.ACCEPT) == 11
    assert Action.LOG_CONTACT in action_ids(batch.blocks)

    await app.click(Action.REJECT, ids[5], REP1)
    await submit_reject(app, ids[5], REP1, BUDGET)
    await app.settle()
    [batch] = posts(app)
    assert f"*Rejected* by <@{REP1}> on Nov 23, 09:04 CST, 4 min after posting — {BUDGET}" in text_of(batch.blocks)
    assert action_ids(batch.blocks).count(Action.ACCEPT) == 10
    assert len(app.slack.calls_to("chat.postMessage")) == 1


async def test_leads_at_the_usual_pace_are_posted_one_by_one(start_app: StartApp) -> None:
    app = await start_app(burst_config())

    await app.post_leads(leads(10))  # ten in a minute is not more than batch_when_over = 10
    await app.settle()

    assert len(posts(app)) == 10 and all(action_ids(p.blocks).count(Action.ACCEPT) == 1 for p in posts(app))


async def test_an_unowned_lead_of_a_batch_escalates_in_the_batch_thread(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "business_hours": False, "escalate": [{"after": "0s", "notify": "channel"}]}}
    app = await start_app(team_config(slack=burst_config().slack.model_dump(), sla=sla))
    await app.post_leads(leads(11))
    await app.settle()
    [batch] = posts(app)

    app.clock.advance(31 * 60)
    await app.sweep()

    [alarm] = [m for m in app.slack.messages[LEADS] if m.thread_ts == batch.ts]  # one alarm, in the batch's thread
    assert all(f"Lead {i}" in text_of(alarm.blocks) for i in range(11))  # listing every lead it shows
    assert app.dms(MANAGER) == []
    [batch] = posts(app)  # and the batch itself shows each lead's breached clock, as a lead's own post does
    lines = [b["text"]["text"] for b in batch.blocks if b.get("block_id", "").endswith(":line")]
    assert len(lines) == 11 and all("🚨 *Accept SLA breached*" in line for line in lines)


async def test_a_batch_slack_took_before_the_sender_died_is_found_not_posted_twice(start_app: StartApp) -> None:
    first = await start_app(burst_config())
    stall = first.slack.stall_next("chat.postMessage")
    _, body = await first.post_leads(leads(15))
    await stall.arrived.wait()
    await first.server.close()
    stall.release()

    first.clock.advance(61)
    second = await start_app(burst_config())
    await second.settle()

    [batch] = posts(second)
    assert len(second.slack.calls_to("chat.postMessage")) == 1
    for item in body["leads"]:
        assert (await second.lead(item["id"])).slack_ts == batch.ts


async def test_delivery_paces_posts_to_the_channel_within_slacks_limit(start_app: StartApp) -> None:
    app = await start_app(burst_config(posts_per_second=15, post_burst=3, batch_when_over=0))  # under the limit
    app.slack.enforce_rate_limits = True
    app.slack.post_message_rate, app.slack.post_message_burst = 20.0, 3

    await app.post_leads(leads(12))
    await app.settle()

    calls = app.slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [200] * 12  # paced: not one 429
    assert len(posts(app)) == 12


async def test_without_pacing_the_same_posts_hit_429_and_are_retried_not_lost(start_app: StartApp) -> None:
    app = await start_app(burst_config(batch_when_over=0))  # 100 per second: far over the channel's 20
    app.slack.enforce_rate_limits = True
    app.slack.post_message_rate, app.slack.post_message_burst = 20.0, 3
    # Slack's budget does not refill until it has refused a post: on a busy machine 12 posts could otherwise take
    # longer than the limit allows and never be refused
    wall_clock, frozen = app.slack.clock, app.slack.clock()

    def refused() -> bool:
        return any(c.status == 429 for c in app.slack.calls_to("chat.postMessage"))

    app.slack.clock = lambda: wall_clock() if refused() else frozen

    await app.post_leads(leads(12))
    await app.settle()
    assert refused()
    app.clock.advance(5)  # past every Retry-After
    while len(posts(app)) < 12:
        app.clock.advance(1)
        await app.settle()
    assert len(posts(app)) == 12


def test_the_pacer_spends_the_burst_then_spaces_posts_and_closes_the_channel_on_retry_after() -> None:
    now = [100.0]
    pacer = Pacer(1.0, 3, monotonic=lambda: now[0])

    assert [pacer._wait("C1") for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert pacer._wait("C2") == 0.0  # each channel has its own budget
    now[0] += 10
    assert pacer._wait("C1") == 0.0
    pacer.close_for("C1", 30)
    assert pacer._wait("C1") == 30.0


async def test_a_burst_of_1000_mqls_is_posted_in_batches_within_the_channel_limit_none_lost_none_doubled(
    start_app: StartApp,
) -> None:
    app = await start_app(burst_config(posts_per_second=40, post_burst=3))
    app.slack.enforce_rate_limits = True  # Slack's per-channel limit, scaled up 50x so the test takes a second
    app.slack.post_message_rate, app.slack.post_message_burst = 50.0, 3

    for start in range(0, 1000, 500):
        status, _ = await app.post_leads(leads(1000)[start : start + 500])
        assert status == 201
    await app.settle()

    batches = posts(app)
    calls = app.slack.calls_to("chat.postMessage")
    assert len(batches) == len(calls) == 50 and {c.status for c in calls} == {200}  # 20 leads a message, no 429
    shown = [int(el["value"]) for m in batches for b in m.blocks if b["type"] == "actions" for el in b["elements"]]
    assert len(shown) == 2 * 1000 and len(set(shown)) == 1000  # Accept and Reject for each lead, once
    [(unposted,)] = await fetch(app, "SELECT count(*) FROM leads WHERE slack_ts IS NULL")
    [(posted_events,)] = await fetch(app, "SELECT count(*) FROM lead_events WHERE kind = 'posted'")
    assert (unposted, posted_events) == (0, 1000)


async def test_a_batch_shows_each_leads_deadline_history_known_person_and_contact_as_its_own_post_would(
    start_app: StartApp,
) -> None:
    sla = {"accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_app(team_config(slack=burst_config().slack.model_dump(), sla=sla))
    earlier = await app.new_lead(external_id="p-1", email="dana@example.com", name="Dana")  # alone: its own post
    await app.click(Action.REJECT, earlier, REP1)
    await submit_reject(app, earlier, REP1, BUDGET)
    await app.settle()
    app.clock.advance(3600)  # 10:00 CST

    burst = leads(11)
    burst[0]["email"] = "Dana@Example.com"
    _, body = await app.post_leads(burst)
    await app.settle()
    ids = [item["id"] for item in body["leads"]]

    [batch] = [m for m in posts(app) if m.blocks[0]["text"]["text"] == "⚡ 11 new MQLs"]
    lines = {b["block_id"]: b for b in batch.blocks if b.get("block_id", "").endswith(":line")}
    assert len(lines) == 11
    for lead_id in ids:
        line = lines[f"lead:{lead_id}:line"]
        assert line["accessory"]["action_id"] == Action.HISTORY and line["accessory"]["value"] == str(lead_id)
        assert "⏱ Accept due 10:30 CST (30 min SLA)" in line["text"]["text"]
    known = "🔁 Known person: also an MQL on Nov 23 (rejected: No budget or authority)"
    assert known in lines[f"lead:{ids[0]}:line"]["text"]["text"]
    assert sum(known in line["text"]["text"] for line in lines.values()) == 1

    await app.press(batch, Action.HISTORY, MANAGER, value=str(ids[0]))
    await app.settle()
    [_reject_modal, history] = app.slack.calls_to("views.open")
    assert history.args["view"]["title"]["text"] == "History"
    assert "Posted in the channel" in text_of(history.args["view"]["blocks"])

    await app.click(Action.ACCEPT, ids[1], REP1)
    await app.settle()
    await log_attempt(app, ids[1], REP1)
    [batch] = [m for m in posts(app) if m.ts == batch.ts]
    line = next(b for b in batch.blocks if b.get("block_id") == f"lead:{ids[1]}:line")
    assert f"📞 First contact logged by <@{REP1}>" in line["text"]["text"]
    contact = [b for b in batch.blocks if b.get("block_id") == f"lead:{ids[1]}:actions"]
    assert Action.LOG_CONTACT not in action_ids(contact)  # no button that would only be refused
