"""What people read about absences: `/handoff`'s answers, a rep's away toggle on Home, and the manager's Home list
of each rep's open load and who is away until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.ids import Action
from bot.lifecycle.away import Absence, AwayService
from bot.lifecycle.away_input import HandoffCommand
from bot.lifecycle.stages import OWNED, Stage
from bot.views.lead_cards import Button
from message_templates.wording import mention, until_phrase
from storage import away as queries

MAX_REPS = 100  # reps listed on a manager's Home (20 a block)
REPS_PER_BLOCK = 20  # a mrkdwn section holds 3,000 characters: 20 lines of about 100


def until_text(until: datetime | None, config: HandoffConfig, *, now: datetime | None = None, you: bool = False) -> str:
    """ "until Thu Dec 10, 09:00 CST" (and the year when it is not this one), or "until they say they are back"."""
    return until_phrase(until, config.tz, now=now, you=you)


def away_list(away: dict[str, datetime | None], config: HandoffConfig) -> str:
    """`/handoff` without words: who is away and until when."""
    if not away:
        return "🟢 Nobody is away: new leads and alarms reach every rep.\nSay `/handoff away` when you are out."
    lines = [f"• {mention(rep)} — {until_text(until, config)}" for rep, until in sorted(away.items())]
    return "🌴 *Away now*\n" + "\n".join(lines[:MAX_REPS])


def away_done(absence: Absence, config: HandoffConfig) -> str:
    yourself = absence.rep == absence.by
    who = "You are" if yourself else f"{mention(absence.rep)} is"
    until = until_text(absence.until, config, now=absence.since, you=yourself)
    return f"🌴 {who} away {until}: no new leads, and open leads' alarms go to the manager." + (
        "\n`/handoff back` ends it sooner." if absence.rep == absence.by else ""
    )


def back_done(actor: str, rep: str, was_away: bool) -> str:
    who = "You are" if rep == actor else f"{mention(rep)} is"
    if not was_away:
        return f"🟢 {who} not marked away: new leads and alarms already reach {'you' if rep == actor else 'them'}."
    return f"👋 {who} back: new leads and open leads' alarms reach {'you' if rep == actor else 'them'} again."


@dataclass(frozen=True)
class AwayToggle:
    """A rep's line on their own Home: here or away, and the button that changes it."""

    text: str
    button: Button


def toggle(user_id: str, away: dict[str, datetime | None], config: HandoffConfig) -> AwayToggle:
    if user_id in away:
        text = (
            f"🌴 *You are away {until_text(away[user_id], config, you=True)}.* You get no new leads, and your open "
            "leads' alarms go to your manager."
        )
        return AwayToggle(text, Button("I'm back", Action.HOME_BACK, "primary"))
    text = "🟢 *You are here:* new leads and your leads' alarms reach you. Out? `/handoff away until DATE`, or:"
    return AwayToggle(text, Button("I'm away", Action.HOME_AWAY))


@dataclass(frozen=True)
class TeamLoad:
    """The manager's Home: each rep's open load and absence, `REPS_PER_BLOCK` lines a block."""

    title: str
    blocks: list[str]
    more: str = ""


async def team_load(session: AsyncSession, team: Team, away: dict[str, datetime | None]) -> TeamLoad:
    reps = await team.sales_reps()
    load = await queries.open_load(session=session, owned=OWNED, waiting=(Stage.MQL,))
    lines = []
    for rep in reps[:MAX_REPS]:
        owned, waiting = load.get(rep, (0, 0))
        parts = [f"{owned} open"] + ([f"{waiting} assigned, not accepted"] if waiting else [])
        if rep in away:
            parts.append(f"🌴 away {until_text(away[rep], team.config)}")
        lines.append(f"• {mention(rep)} — {' · '.join(parts)}")
    blocks = ["\n".join(lines[at : at + REPS_PER_BLOCK]) for at in range(0, len(lines), REPS_PER_BLOCK)]
    out = sum(rep in away for rep in reps)
    title = f"Team load — {len(reps)} reps" + (f", {out} away" if out else "")
    more = f"…and {len(reps) - MAX_REPS} more reps" if len(reps) > MAX_REPS else ""
    return TeamLoad(title, blocks or ["No reps in `team.sales`."], more)


async def handoff_answer(service: AwayService, command: HandoffCommand, actor: str) -> str:
    """What `/handoff` (read and checked) does for `actor`, as the ephemeral answer."""
    config = service.config
    if command.verb == "away":
        return away_done(await service.away(actor, until=command.until, rep=command.rep), config)
    if command.verb == "back":
        rep, was_away = await service.back(actor, rep=command.rep)
        return back_done(actor, rep, was_away)
    return away_list(await service.who(), config)
