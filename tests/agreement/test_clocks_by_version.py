"""A lead's clocks run on the version of the agreement in force when it arrived: one arriving under version 1
(accept in 30 min) and one after version 2 (accept in 10 min) each breach on their own terms, and a process that
never saw version 2 being made reads it before sweeping a timer of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ids import Action
from storage.models import SlaTimer
from tests.agreement.helpers import SLA, config, record_version
from tests.attempts import log_attempt
from tests.conftest import MANAGER, REP1, REP2, START, Harness, StartApp

V2_CHAIN = [{"after": "0s", "notify": REP2}]


async def accept_timer(app: Harness, lead_id: int) -> SlaTimer:
    async with app.svc.db.session() as session:
        timer = await session.scalar(select(SlaTimer).where(SlaTimer.lead_id == lead_id, SlaTimer.clock == "accept"))
        assert timer is not None
        return timer


async def test_each_lead_breaches_on_the_terms_of_its_own_version(start_app: StartApp) -> None:
    app = await start_app(config())
    early = await app.new_lead(name="Early Lead")  # 09:00: version 1, due 09:30
    app.clock.set(START + timedelta(minutes=1))
    version = await record_version(app, {"accept.target": "10m", "accept.escalate": V2_CHAIN}, at=app.clock.now())
    late = await app.new_lead(name="Late Lead")  # 09:01: version 2, due 09:11

    timers = [await accept_timer(app, early), await accept_timer(app, late)]
    assert [t.agreement_version for t in timers] == [1, version]
    assert [t.due_at - t.started_at for t in timers] == [timedelta(minutes=30), timedelta(minutes=10)]

    app.clock.set(START + timedelta(minutes=11))
    assert (await app.sweep()).breaches == 1
    assert (await accept_timer(app, early)).state == "running"
    assert (await accept_timer(app, late)).state == "breached"
    assert app.dms(REP2) and not app.dms(MANAGER)  # version 2's chain, not the team file's

    app.clock.set(START + timedelta(minutes=30))
    assert (await app.sweep()).breaches == 1
    assert (await accept_timer(app, early)).state == "breached"
    assert app.dms(MANAGER)  # version 1's chain


async def test_a_version_another_replica_made_is_read_before_its_timers_are_swept(start_app: StartApp) -> None:
    intake = await start_app(config())
    sweeper = await start_app(config())  # started before version 2 existed: it has never read it
    version = await record_version(intake, {"accept.target": "10m", "accept.escalate": V2_CHAIN}, at=START)
    lead_id = await intake.new_lead(name="Other Replica")

    sweeper.clock.set(START + timedelta(minutes=10))
    report = await sweeper.sweep()

    timer = await accept_timer(sweeper, lead_id)
    assert (timer.agreement_version, timer.state, report.breaches) == (version, "breached", 1)
    assert sweeper.dms(REP2)  # the chain of the timer's version, read by the sweeper itself
    assert not sweeper.dms(MANAGER)


async def test_the_follow_up_cadence_promised_is_the_leads_version(start_app: StartApp) -> None:
    cadence = {"attempts": 3, "within": "5d"}
    app = await start_app(config({**SLA, "follow_up": cadence}))
    early = await app.new_lead(name="Early Cadence")
    version = await record_version(app, {"follow_up.attempts": 1}, at=START)
    late = await app.new_lead(name="Late Cadence")
    for lead_id in (early, late):
        await app.click(Action.ACCEPT, lead_id, REP1)
        await app.settle()
        await log_attempt(app, lead_id, REP1, outcome="no_answer")

    async with app.svc.db.session() as session:
        states = {
            t.lead_id: (t.state, t.agreement_version)
            for t in await session.scalars(select(SlaTimer).where(SlaTimer.clock == "follow_up"))
        }
    assert states == {early: ("running", 1), late: ("met", version)}  # 1 of 3 attempts; 1 of 1


async def test_a_user_group_only_a_later_version_names_is_expanded_by_the_sweep(start_app: StartApp) -> None:
    app = await start_app(config())
    app.slack.usergroups["S0NEWGROUP"] = [REP2]
    sweeper = await start_app(config())
    chain = [{"after": "0s", "notify": "S0NEWGROUP"}]
    await record_version(app, {"accept.target": "10m", "accept.escalate": chain}, at=START)
    await app.new_lead(name="Group Lead")

    sweeper.clock.set(START + timedelta(minutes=10))
    await sweeper.sweep()

    assert sweeper.dms(REP2)  # a member of the group version 2 escalates to
    assert not sweeper.dms(MANAGER)
