"""`/campaigns`: privately, the campaigns running and coming up, soonest first, each with its owner, dates, what to
say and its leads so far; ended ones only with `/campaigns all`; other words get the usage and change nothing."""

from __future__ import annotations

from datetime import date

from sandbox.blocks import validate_blocks
from tests.calendar.helpers import WEBINAR, campaigns_command, config
from tests.conftest import MANAGER, MARKETER, StartApp, text_of
from tests.views.test_templates import assert_inert

CAMPAIGNS = {
    "q4-ops-webinar": WEBINAR,  # running: Nov 23 – Dec 4
    "jan-launch": {"owner": MANAGER, "name": "January <Launch>", "starts": date(2027, 1, 11)},  # coming up
    "summer": {"owner": MARKETER, "starts": date(2026, 6, 1), "ends": date(2026, 6, 30)},  # ended
}


async def test_campaigns_lists_running_and_upcoming_with_owner_dates_and_leads(start_app: StartApp) -> None:
    app = await start_app(config(**CAMPAIGNS))
    await app.new_lead(name="By key", campaign="q4-ops-webinar")
    await app.new_lead(name="By name", campaign="Q4 Ops Webinar")
    await app.new_lead(name="Summer lead", campaign="summer")

    ack, [answer] = await campaigns_command(app, "")

    assert ack == {}
    assert answer["response_type"] == "ephemeral"
    assert validate_blocks(answer["blocks"], surface="message") == []
    assert_inert(answer)
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sections == [
        f"*Q4 Ops Webinar* · running\nMon Nov 23 2026 – Fri Dec 4 2026 · owner <@{MARKETER}> · 2 leads so far\n"
        "What to say: Ops leaders who watched: lead with the &lt;audit&gt; checklist &amp; *not* pricing",
        f"*January &lt;Launch&gt;* · coming up\nMon Jan 11 2027 · owner <@{MANAGER}> · 0 leads so far",
    ]
    assert "`/campaigns all`" in text_of(answer["blocks"])


async def test_campaigns_all_lists_ended_ones_too(start_app: StartApp) -> None:
    app = await start_app(config(**CAMPAIGNS))
    await app.new_lead(name="Summer lead", campaign="summer")

    _, [answer] = await campaigns_command(app, " ALL ")

    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert sections[0] == f"*summer* · ended\nMon Jun 1 2026 – Tue Jun 30 2026 · owner <@{MARKETER}> · 1 lead so far"
    assert len(sections) == 3


async def test_campaigns_says_so_when_none_runs_and_refuses_other_words(start_app: StartApp) -> None:
    app = await start_app(config(summer=CAMPAIGNS["summer"]))

    _, [answer] = await campaigns_command(app, "")
    ack, responses = await campaigns_command(app, "next <!here>\x00" + "x" * 3000)

    assert "No campaign is running or coming up." in text_of(answer["blocks"])
    assert responses == []
    assert "Usage: `/campaigns`" in text_of(ack["blocks"])
