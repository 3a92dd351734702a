"""Slack hears about every change through the outbox: retried on 429 and 5xx, resumed after a restart, once."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.ids import Action, Block, Callback
from tests.app.test_operations import scrape, value
from tests.attempts import log_attempt
from tests.conftest import LEADS, REP1, Harness, StartApp, team_config


async def test_429_waits_for_retry_after_then_posts_once(app: Harness) -> None:
    app.slack.fail_next("chat.postMessage", status=429, retry_after=7)

    status, body = await app.post_leads({"external_id": "rl-1"})
    await app.settle()

    assert status == 201
    [row] = await app.outbox_rows()
    assert row.delivered_at is None
    assert row.next_attempt_at == app.clock.now() + timedelta(seconds=7)
    assert "ratelimited" in (row.last_error or "")

    app.clock.advance(6)
    await app.settle()
    assert [c.status for c in app.slack.calls_to("chat.postMessage")] == [429]  # not before Retry-After

    app.clock.advance(1)
    await app.settle()
    assert [c.status for c in app.slack.calls_to("chat.postMessage")] == [429, 200]
    [row] = await app.outbox_rows()
    assert (row.delivered_at, row.attempts) == (app.clock.now(), 2)
    assert (await app.lead(body["id"])).slack_ts is not None


async def test_server_errors_back_off_and_retry(app: Harness) -> None:
    app.slack.fail_next("chat.postMessage", status=500, times=2)

    await app.post_leads({"external_id": "5xx-1"})
    await app.settle()
    [row] = await app.outbox_rows()
    first_delay = row.next_attempt_at - app.clock.now()
    assert timedelta(seconds=0.8) <= first_delay <= timedelta(seconds=1.2)

    app.clock.advance(first_delay)
    await app.settle()
    [row] = await app.outbox_rows()
    second_delay = row.next_attempt_at - app.clock.now()
    assert timedelta(seconds=1.6) <= second_delay <= timedelta(seconds=2.4)

    app.clock.advance(second_delay)
    await app.settle()
    assert [c.status for c in app.slack.calls_to("chat.postMessage")] == [500, 500, 200]


async def test_a_lead_stored_while_slack_is_down_is_posted_exactly_once_when_it_returns(app: Harness) -> None:
    app.slack.set_down(True)
    status, _ = await app.post_leads([{"external_id": "down-1"}, {"external_id": "down-2"}])
    assert status == 201  # intake does not depend on Slack
    for _ in range(4):
        await app.settle()
        app.clock.advance(timedelta(minutes=5))

    app.slack.set_down(False)
    await app.settle()

    delivered = [c for c in app.slack.calls_to("chat.postMessage") if c.status == 200]
    assert len(delivered) == 2
    assert len(app.slack.messages[LEADS]) == 2


async def test_a_restart_resumes_the_undelivered_outbox(start_app: StartApp) -> None:
    first = await start_app()
    first.slack.set_down(True)
    _, body = await first.post_leads({"external_id": "restart-1"})
    await first.settle()
    await first.server.close()  # the process stops with the post still owed
    first.slack.set_down(False)
    first.clock.advance(5)  # past the retry time the first process had set

    second = await start_app()
    await second.settle()

    assert len([c for c in second.slack.calls_to("chat.postMessage") if c.status == 200]) == 1
    assert (await second.lead(body["id"])).slack_ts is not None
    [row] = await second.outbox_rows()
    assert row.delivered_at is not None


async def test_a_claim_left_by_a_dead_process_is_taken_over_after_its_lease(app: Harness) -> None:
    from storage import outbox as queries

    await app.svc.outbox.stop()  # keep this process's loop out of the race; settle() still delivers
    await app.post_leads({"external_id": "lease-1"})
    async with app.svc.db.session() as session:  # a process claims the row, then dies before delivering
        [claimed] = await queries.claim_batch(
            session=session, worker="dead-process", now=app.clock.now(), lease=timedelta(seconds=60), limit=10
        )
    await app.settle()
    assert app.slack.calls_to("chat.postMessage") == []

    app.clock.advance(61)
    await app.settle()

    assert len(app.slack.calls_to("chat.postMessage")) == 1
    [row] = await app.outbox_rows()
    assert (row.id, row.attempts, row.delivered_at) == (claimed.id, 2, app.clock.now())


async def test_changes_queued_together_coalesce_and_the_post_shows_the_latest(app: Harness) -> None:
    lead_id = await app.new_lead()
    await app.svc.outbox.stop()  # hold deliveries so both changes queue up before any is sent

    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.svc.background.wait()  # the accept commits before the contact is logged, as with a person clicking
    await log_attempt(app, lead_id, REP1, settle=False)
    pending = [r for r in await app.outbox_rows() if r.delivered_at is None]
    await app.settle()

    assert len(pending) == 1
    updates = [c for c in app.slack.calls_to("chat.update") if c.response.get("ok")]
    assert len(updates) == 1
    assert "First contact logged" in str(updates[0].args["blocks"])


async def test_an_error_retrying_cannot_fix_is_kept_on_the_row_not_retried(start_app: StartApp) -> None:
    app = await start_app(team_config(slack={"leads_channel": "C0NOSUCH01"}))

    await app.post_leads({"external_id": "nowhere-1"})
    await app.settle()
    app.clock.advance(timedelta(hours=1))
    await app.settle()

    [row] = await app.outbox_rows()
    assert (row.failed_at is not None, row.last_error, row.attempts) == (True, "channel_not_found", 1)
    assert len(app.slack.calls_to("chat.postMessage")) == 1


async def test_a_post_slack_took_before_the_sender_died_is_found_not_posted_twice(start_app: StartApp) -> None:
    first = await start_app()
    stall = first.slack.stall_next("chat.postMessage")  # Slack posts it; the answer never reaches the sender
    _, body = await first.post_leads({"external_id": "crash-1", "name": "Ann Lee"})
    await stall.arrived.wait()
    await first.server.close()  # the process dies holding the claim, not knowing the ts
    stall.release()
    assert (await first.lead(body["id"])).slack_ts is None

    first.clock.advance(61)  # the dead process's lease runs out
    second = await start_app()
    await second.settle()

    posts = [m for m in second.slack.messages[LEADS] if m.thread_ts is None]
    assert len(posts) == 1 and len(second.slack.calls_to("chat.postMessage")) == 1
    lead = await second.lead(body["id"])
    assert (lead.slack_channel, lead.slack_ts) == (LEADS, posts[0].ts)
    assert [c.args["include_all_metadata"] for c in second.slack.calls_to("conversations.history")] == ["1"]
    assert [e.kind for e in await second.events(body["id"])] == ["mql_received", "posted"]


async def test_a_retry_after_a_post_that_never_reached_slack_posts_it(app: Harness) -> None:
    app.slack.fail_next("chat.postMessage", status=500)

    _, body = await app.post_leads({"external_id": "lost-1"})
    await app.settle()
    app.clock.advance(5)
    await app.settle()

    assert [c.status for c in app.slack.calls_to("chat.postMessage")] == [500, 200]
    assert len(app.slack.calls_to("conversations.history")) == 1  # looked first: nothing there, so it posted
    assert (await app.lead(body["id"])).slack_ts == app.slack.messages[LEADS][0].ts


@pytest.mark.parametrize("refusal", ["missing_scope", "not_in_channel", "channel_not_found", "unknown_method"])
async def test_a_retry_slack_will_not_let_look_itself_up_posts_anyway_warns_once_and_counts(
    app: Harness, refusal: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.slack.fail_next("chat.postMessage", status=500, times=2)
    app.slack.fail_next("conversations.history", status=200, error=refusal, times=2)  # an install without history

    _, first = await app.post_leads({"external_id": "scope-1"})
    _, second = await app.post_leads({"external_id": "scope-2"})
    await app.settle()
    app.clock.advance(5)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.slack"):
        await app.settle()

    assert [c.status for c in app.slack.calls_to("conversations.history")] == [200, 200]
    for body in (first, second):  # neither lead is lost: each is posted, recorded, its accept clock running
        lead = await app.lead(body["id"])
        assert lead.slack_ts is not None
        assert [e.kind for e in await app.events(body["id"])] == ["mql_received", "posted"]
    rows = await app.outbox_rows()
    assert [(r.delivered_at is not None, r.failed_at) for r in rows] == [(True, None), (True, None)]
    assert len([m for m in app.slack.messages[LEADS] if m.thread_ts is None]) == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and refusal in r.getMessage()]
    assert len(warnings) == 1 and LEADS in warnings[0]  # once per channel and reason, not once per post
    samples = await scrape(app)
    assert value(samples, "handoff_duplicate_check_skipped_total", reason=refusal) == 2


async def test_a_thread_reply_whose_lookup_is_refused_is_posted(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "warn_at": "50%"}}
    app = await start_app(team_config(sla=sla))
    lead_id = await app.new_lead(name="threaded")
    app.slack.fail_next("chat.postMessage", status=500)
    app.slack.fail_next("conversations.replies", status=200, error="missing_scope")
    app.clock.advance(timedelta(minutes=16))
    await app.sweep()
    app.clock.advance(5)
    await app.settle()

    assert len(app.slack.calls_to("conversations.replies")) == 1
    assert len(await app.thread_replies(lead_id)) == 1
    assert [r.failed_at for r in await app.outbox_rows()] == [None, None]


async def test_a_batch_that_outlives_its_lease_leaves_the_rest_to_the_replica_that_took_it_over(
    start_app: StartApp,
) -> None:
    """Slack holds one answer past the lease (a slow call, a long batch): another replica takes the batch over and
    delivers it; the first, when its answer comes, must not deliver the rest of its stale batch a second time."""
    first = await start_app()
    await first.svc.outbox.stop()  # this test drives the first replica's delivery itself
    for company in ("Initech", "Hooli"):  # two one-off posts: nothing in the database says whether they were made
        values = {
            Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": company}},
            Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": "1000"}},
            Block.WIN_REP: {Action.WIN_REP: {"selected_user": REP1}},
        }
        assert await first.submit(Callback.WIN, REP1, "", values) == (200, "")
    stall = first.slack.stall_next("chat.postMessage")  # Slack posts the first; its answer is held
    delivering = asyncio.create_task(first.svc.outbox.drain())
    await stall.arrived.wait()

    first.clock.advance(61)  # the first replica's lease on both rows runs out
    second = await start_app()
    await second.settle()  # takes both over: finds the first post by its metadata, posts the second
    stall.release()
    await delivering
    await second.settle()

    wins = sorted(m.text for m in first.slack.messages[LEADS] if "Joint win" in m.text)
    assert len(wins) == 2 and "Hooli" in wins[0] and "Initech" in wins[1], wins


async def test_a_change_made_while_its_post_outlives_the_lease_is_still_shown(app: Harness) -> None:
    """A slow Slack holds a lead's update past the 60 s lease. The update went out rendering the lead as it was; a
    contact logged meanwhile must queue an update of its own, not count the lapsed one as still waiting for it."""
    lead_id = await app.new_lead()
    await app.svc.outbox.stop()  # this test drives delivery itself, so nothing takes the lapsed row over
    stall = app.slack.stall_next("chat.update")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.svc.background.wait()
    delivering = asyncio.create_task(app.svc.outbox.drain())
    await stall.arrived.wait()  # the accepted post is rendered and in Slack's hands; its answer is held

    app.clock.advance(61)
    await log_attempt(app, lead_id, REP1, settle=False)
    stall.release()
    await delivering
    await app.settle()

    updates = [c for c in app.slack.calls_to("chat.update") if c.response.get("ok")]
    assert "First contact logged" in str(updates[-1].args["blocks"])


async def test_stopping_while_a_post_is_in_flight_finishes_it_and_leaves_the_database_free(
    start_app: StartApp, db_url: str
) -> None:
    """Shutdown (SIGTERM, a deploy) lets the delivery in hand finish and record itself instead of cancelling it in
    the middle: the row is delivered, not left claimed for a restart to post again, and no transaction is left
    holding the database."""
    from tests.databases import fetch

    app = await start_app()
    held = app.slack.hold("chat.postMessage")
    _, body = await app.post_leads({"external_id": "in-flight-1"})
    await held.arrived.wait()

    closing = asyncio.create_task(app.server.close())
    await app.svc.outbox.stopping.wait()  # shutdown has reached the worker while Slack still holds the answer
    held.release()
    await closing

    assert len(app.slack.calls_to("chat.postMessage")) == 1
    assert await fetch(db_url, "SELECT delivered_at IS NOT NULL, claimed_until FROM outbox") == [(True, None)]
    assert await fetch(db_url, f"SELECT slack_ts IS NOT NULL FROM leads WHERE id = {body['id']}") == [(True,)]
