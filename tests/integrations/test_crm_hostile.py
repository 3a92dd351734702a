"""Hostile text on its way to a CRM: a rejection's note as a rep may paste it (a NUL, Slack's mention syntax, ten
kilobytes) rejects the lead on both databases and reaches the contact cut to the property's length, without NUL."""

from __future__ import annotations

from sandbox.hubspot_api import FakeHubSpot
from tests.conftest import REP2, StartApp, text_of
from tests.integrations.test_hubspot_writeback import from_hubspot, hubspot, start
from tests.lifecycle.test_reject import BUDGET, submit_reject

__all__ = ["hubspot"]  # the fixture

NOTE = "<!channel> <https://evil.example|click> & a\x00b \ud800 " + "x" * 10_000


async def test_a_hostile_ten_kilobyte_note_rejects_the_lead_and_reaches_hubspot_clean(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    app = await start(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "951")

    answer = await submit_reject(app, lead_id, REP2, BUDGET, NOTE)
    await app.settle()

    assert answer is None, answer  # the modal closed: no error of any kind
    assert (await app.lead(lead_id)).stage == "rejected"
    [(contact, written)] = hubspot.writes
    note = written["handoff_reject_note"]
    assert contact == "951" and len(note) == 255
    assert note.startswith("<!channel> <https://evil.example|click> & ab \ufffd x")
    assert "\x00" not in note
    shown = text_of((await app.post_of(lead_id)).blocks)
    assert "<!channel>" not in shown and "<https://evil" not in shown
