"""While a rep is away, the SLA alarms that would DM them about their open leads (a heads-up, an escalation step to
the "owner") DM their manager instead (team.manager_of, else team.managers); a lead nobody owns is not DMed to them
with `unowned_notify = "dm"`. When the absence is over, the alarms reach the owner again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.ids import Action
from tests.away.helpers import answered
from tests.conftest import MANAGER, REP1, REP2, REP3, START, Harness, StartApp, team_config, text_of

MANAGER2 = "U0MGR00002"
TEAM = {"sales": [REP1, REP2], "managers": [MANAGER, MANAGER2], "manager_of": {REP1: MANAGER2}}
SLA: dict[str, Any] = {
    "first_touch": {
        "target": "4h",
        "warn_at": "50%",
        "escalate": [{"after": "0s", "notify": "owner"}, {"after": "1h", "notify": "manager"}],
    },
}


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


async def accepted(app: Harness, rep: str, name: str) -> int:
    lead_id = await app.new_lead(external_id=name, name=name)
    await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()
    return lead_id


async def test_an_away_reps_heads_up_and_owner_step_go_to_their_manager(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA, team=TEAM))
    await accepted(app, REP1, "Dana Buyer")
    await answered(app, "away until friday", REP1)

    app.clock.set(at(121))
    await app.sweep()
    assert app.dms(REP1) == []
    [heads_up] = app.dms(MANAGER2)  # REP1's own manager (team.manager_of)
    assert "Heads-up" in heads_up.text and "Dana Buyer" in text_of(heads_up.blocks)
    assert app.dms(MANAGER) == []

    app.clock.set(at(241))
    await app.sweep()  # the "owner" step
    assert app.dms(REP1) == []
    assert len(app.dms(MANAGER2)) == 2 and "First contact within 4 h" in text_of(app.dms(MANAGER2)[1].blocks)


async def test_without_a_manager_of_their_own_an_away_reps_alarms_go_to_the_managers(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA, team=TEAM))
    await accepted(app, REP2, "Dana Buyer")  # REP2 has no manager_of entry
    await answered(app, "away", REP2)

    app.clock.set(at(121))
    await app.sweep()

    assert app.dms(REP2) == []
    assert ["Heads-up" in m.text for m in app.dms(MANAGER) + app.dms(MANAGER2)] == [True, True]


async def test_a_rep_here_or_back_hears_their_own_alarms(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA, team=TEAM))
    await accepted(app, REP1, "First Lead")
    await accepted(app, REP2, "Second Lead")
    await answered(app, "away", REP1)
    await answered(app, "back", REP1)  # back before anything was due

    app.clock.set(at(121))
    await app.sweep()

    assert ["Heads-up" in m.text for m in app.dms(REP1)] == [True]
    assert ["Heads-up" in m.text for m in app.dms(REP2)] == [True]
    assert app.dms(MANAGER) == [] and app.dms(MANAGER2) == []


async def test_an_absence_over_by_its_date_sends_the_alarms_to_the_owner_again(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA, team=TEAM))
    await answered(app, "away until tomorrow", REP1)  # back Tue Nov 24, 09:00
    app.clock.set(START + timedelta(days=1))
    await accepted(app, REP1, "Dana Buyer")

    app.clock.set(START + timedelta(days=1, minutes=121))
    await app.sweep()

    assert ["Heads-up" in m.text for m in app.dms(REP1)] == [True]
    assert app.dms(MANAGER2) == []


async def test_reps_marked_away_are_not_dmed_about_a_lead_nobody_owns(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "warn_at": "75%"}, "unowned_notify": "dm"}
    app = await start_app(team_config(sla=sla))  # sales: REP1, REP2 and REP3 (through a user group)
    await answered(app, "away until friday", REP2)
    await app.new_lead(external_id="unowned", name="Dana Buyer")

    app.clock.set(at(23))
    await app.sweep()

    assert app.dms(REP2) == []
    for rep in (REP1, REP3):
        [heads_up] = app.dms(rep)
        assert "Heads-up" in heads_up.text


async def test_when_every_rep_is_marked_away_someone_still_hears(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "warn_at": "75%"}, "unowned_notify": "dm"}
    app = await start_app(team_config(sla=sla, team=TEAM))
    for rep in (REP1, REP2):
        await answered(app, "away", rep)
    await app.new_lead(external_id="unowned", name="Dana Buyer")

    app.clock.set(at(23))
    await app.sweep()

    assert ["Heads-up" in m.text for m in app.dms(REP1) + app.dms(REP2)] == [True, True]
