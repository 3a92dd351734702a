"""A lead's thread over a whole escalation chain (heads-up, breach, the managers by DM, the channel) reads top to
bottom: each reply says something the ones above it did not, the heads-up that came true is edited rather than
repeated, and the thread shows whom the breach has reached, DMs included."""

from __future__ import annotations

from bot.ids import Action
from sandbox.slack_models import Message
from tests.conftest import LEADS, MANAGER, REP1, StartApp, text_of
from tests.sla.test_sla import UNOWNED, at, start_sla


def title(message: Message) -> str:
    return str(message.blocks[0]["text"]["text"])


async def test_the_thread_reads_top_to_bottom_from_heads_up_to_the_channel_step_without_repeating(
    start_app: StartApp,
) -> None:
    app = await start_sla(start_app, UNOWNED)  # heads-up at 75 %, the managers at the breach, the channel 1 h later
    lead_id = await app.new_lead(name="Dana Buyer")

    app.clock.set(at(23))
    await app.sweep()
    [heads_up] = await app.thread_replies(lead_id)
    assert title(heads_up) == "*⏳ Heads-up: the SLA clock is running out on this lead*"

    app.clock.set(at(31))
    await app.sweep()
    [breach] = await app.thread_replies(lead_id)  # the heads-up came true: edited, no second reply
    assert (breach.ts, title(breach)) == (heads_up.ts, "*🚨 SLA breached on this lead*")
    assert "📣 Escalated: the managers at 09:30 CST" in text_of(breach.blocks)
    assert len(app.dms(MANAGER)) == 1

    app.clock.set(at(91))
    await app.sweep()
    replies = await app.thread_replies(lead_id)
    assert [title(m) for m in replies] == [
        "*🚨 SLA breached on this lead*",
        "*📣 Escalated to the channel: nobody has accepted this lead — can someone in sales take it?*",
    ]
    assert len({m.text for m in replies}) == 2
    assert "📣 Escalated: the managers at 09:30 CST · the channel at 10:30 CST" in text_of(replies[1].blocks)
    channel_step = [c for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")][-1]
    assert channel_step.args["reply_broadcast"] is True and channel_step.args["channel"] == LEADS

    app.clock.set(at(95))
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    assert all(title(m).startswith("*✅ Handled") for m in await app.thread_replies(lead_id))


async def test_an_owned_leads_channel_step_tells_the_channel_whom_the_breach_already_reached(
    start_app: StartApp,
) -> None:
    steps = [{"after": "0s", "notify": "manager"}, {"after": "1h", "notify": "channel"}]
    app = await start_sla(start_app, {"first_touch": {"target": "4h", "warn_at": "50%", "escalate": steps}})
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    for minutes in (120, 241, 301):  # the owner's heads-up, the breach to their manager, the channel
        app.clock.set(at(minutes))
        await app.sweep()

    assert len(app.dms(REP1)) == 1 and len(app.dms(MANAGER)) == 1
    [reply] = await app.thread_replies(lead_id)  # the thread hears only the step meant for it
    assert title(reply) == "*📣 Escalated to the channel: SLA breached on this lead*"
    shown = text_of(reply.blocks)
    assert f"🚨 *Breached at 13:00 CST* · owner <@{REP1}>" in shown
    assert "📣 Escalated: the owner's manager at 13:00 CST · the channel at 14:00 CST" in shown
