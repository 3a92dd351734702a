"""The write-back to HubSpot: what a rep decides in Slack reaches the contact it came from, through the outbox,
against a local HubSpot (sandbox/hubspot_api.py) that answers, limits and refuses as HubSpot does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config.crm_write import WriteBackSettings
from bot.ids import Action
from sandbox.hubspot_api import FakeHubSpot
from tests.app.test_operations import scrape, value
from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import REP1, REP2, Harness, StartApp, team_config
from tests.integrations.conftest import HubSpot, contact, start_hubspot
from tests.lifecycle.test_reassign import reassign
from tests.lifecycle.test_reject import BUDGET, submit_reject

HANDOFF_PROPERTIES = ("handoff_reject_reason", "handoff_reject_note", "handoff_owner", "handoff_stage",
                      "handoff_outcome", "handoff_suppress")  # fmt: skip
EXAMPLE = ROOT / "handoff.example.toml"
OWNER1 = "u0rep00001 (U0REP00001)"  # the rep's Slack display name, then their id


@pytest.fixture
async def hubspot(clock: ManualClock) -> AsyncIterator[FakeHubSpot]:
    fake = FakeHubSpot(now=clock.now)
    for name in HANDOFF_PROPERTIES:
        fake.custom_properties[name] = {"name": name}
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def start(start_app: StartApp, fake: FakeHubSpot, **overrides: object) -> Harness:
    writeback = WriteBackSettings(hubspot_access_token=fake.token, hubspot_api_url=fake.url)
    hub = await start_hubspot(start_app, team_config(**overrides), writeback=writeback)
    return hub.app


async def from_hubspot(app: Harness, hubspot: FakeHubSpot, contact_id: str) -> int:
    """A lead for contact `contact_id`, sent by a HubSpot workflow's signed webhook, and posted."""
    hubspot.add_contact(contact_id, email=f"{contact_id}@example.com")
    status, body = await HubSpot(app).post(contact(int(contact_id), email=f"c{contact_id}@example.com"))
    assert status == 201, body
    await app.settle()
    return int(body["id"])


async def test_an_accept_and_a_rejection_reach_their_contacts(start_app: StartApp, hubspot: FakeHubSpot) -> None:
    app = await start(start_app, hubspot)
    accepted = await from_hubspot(app, hubspot, "501")
    rejected = await from_hubspot(app, hubspot, "502")

    await app.click(Action.ACCEPT, accepted, REP1)
    await submit_reject(app, rejected, REP2, BUDGET, "Student <@U0MGR00001> project")
    await app.settle()

    assert sorted(hubspot.writes) == [  # two leads' writes: in whichever order the clicks' work finished
        ("501", {"hs_lead_status": "IN_PROGRESS", "handoff_owner": OWNER1, "handoff_stage": "sal"}),
        ("502", {"hs_lead_status": "UNQUALIFIED", "handoff_reject_reason": BUDGET,
                 "handoff_reject_note": "Student <@U0MGR00001> project", "handoff_stage": "rejected"}),
    ]  # fmt: skip
    assert hubspot.contacts["502"]["handoff_reject_reason"] == BUDGET


async def test_an_accept_and_a_rejection_survive_a_429_which_holds_back_the_rest(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    app = await start(start_app, hubspot)
    accepted, rejected = await from_hubspot(app, hubspot, "601"), await from_hubspot(app, hubspot, "602")
    hubspot.fail_next(429, retry_after="30")

    await app.click(Action.ACCEPT, accepted, REP1)
    await submit_reject(app, rejected, REP2, BUDGET)
    await app.settle()
    assert hubspot.writes == []
    assert [status for _, _, status in hubspot.calls] == [429]  # the other waited instead of meeting a 429 too
    rows = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert sorted(str(r.last_error)[:24] for r in rows) == ["HubSpot answered HTTP 42", "HubSpot's rate limit: wa"]
    assert all(r.failed_at is None for r in rows)

    app.clock.advance(29)
    await app.settle()
    assert hubspot.writes == []
    app.clock.advance(1)
    await app.settle()
    assert dict(hubspot.writes) == {
        "601": {"hs_lead_status": "IN_PROGRESS", "handoff_owner": OWNER1, "handoff_stage": "sal"},
        "602": {"hs_lead_status": "UNQUALIFIED", "handoff_reject_reason": BUDGET, "handoff_reject_note": "",
                "handoff_stage": "rejected"},
    }  # fmt: skip


async def test_a_leads_outcomes_are_written_in_order_never_merged(start_app: StartApp, hubspot: FakeHubSpot) -> None:
    app = await start(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "701")
    hubspot.fail_next(503)

    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    await app.post_stage("hubspot:701", {"stage": "sql"})
    await app.post_stage("hubspot:701", {"stage": "lost", "reason": "No budget"})
    await app.settle()
    assert hubspot.writes == []  # the accept is being retried: what came after it waits behind it

    app.clock.advance(10)
    await app.settle()
    assert [props["handoff_stage"] for _, props in hubspot.writes] == ["sal", "sql", "lost"]
    assert hubspot.writes[0][1]["hs_lead_status"] == "IN_PROGRESS"
    assert hubspot.contacts["701"]["handoff_outcome"] == "lost"


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "HUBSPOT_ACCESS_TOKEN was refused"), (403, "crm.objects.contacts.write"), (404, "no longer exists")],
)
async def test_a_refusal_is_kept_on_the_row_and_counted(
    start_app: StartApp, hubspot: FakeHubSpot, status: int, hint: str
) -> None:
    app = await start(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "801")
    if status == 401:
        hubspot.token = "pat-na1-another-token"
    elif status == 403:
        hubspot.scopes = frozenset({"crm.objects.contacts.read"})
    else:
        del hubspot.contacts["801"]

    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None and row.attempts == 1
    assert row.last_error and f"HTTP {status}" in row.last_error and hint in row.last_error
    assert hubspot.token not in row.last_error
    samples = await scrape(app)
    assert value(samples, "handoff_crm_refusals_total", crm="hubspot", status=str(status)) == 1
    assert (await app.lead(lead_id)).stage == "sal"  # the decision stands: HubSpot refusing it changes nothing here


async def test_a_property_that_does_not_exist_names_the_setup_command(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    del hubspot.custom_properties["handoff_owner"]
    app = await start(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "901")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [row] = [r for r in await app.outbox_rows() if r.kind == "crm_write"]
    assert row.failed_at is not None
    assert row.last_error and "handoff_owner" in row.last_error and "handoff hubspot setup" in row.last_error


async def test_properties_turned_off_are_not_written_and_statuses_are_configurable(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    write = {"owner_property": "", "stage_property": "", "accepted_status": "CONNECTED"}
    app = await start(start_app, hubspot, hubspot={"write": write})
    lead_id = await from_hubspot(app, hubspot, "1001")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    assert hubspot.writes == [("1001", {"hs_lead_status": "CONNECTED"})]


async def test_a_manager_assigning_a_lead_writes_its_new_owner(start_app: StartApp, hubspot: FakeHubSpot) -> None:
    app = await start(start_app, hubspot)
    lead_id = await from_hubspot(app, hubspot, "1101")
    await reassign(app, lead_id, REP1, "Knows the account")
    await app.settle()
    assert hubspot.writes == [
        ("1101", {"hs_lead_status": "IN_PROGRESS", "handoff_owner": OWNER1, "handoff_stage": "sal"})
    ]


async def test_leads_from_elsewhere_and_installs_without_a_token_write_nothing(
    start_app: StartApp, hubspot: FakeHubSpot
) -> None:
    app = await start(start_app, hubspot)
    plain = await app.new_lead(name="Not From HubSpot")
    await app.click(Action.ACCEPT, plain, REP1)
    await app.settle()
    assert hubspot.calls == [] and not [r for r in await app.outbox_rows() if r.kind == "crm_write"]

    without = (await start_hubspot(start_app, team_config(), database_url=app.svc.db.url)).app
    lead_id = await from_hubspot(without, hubspot, "1201")
    await without.click(Action.ACCEPT, lead_id, REP1)
    await without.settle()
    assert hubspot.calls == []


# --- handoff hubspot setup / check --------------------------------------------------------------------------------


async def hubspot_cli(tmp_path: Path, fake: FakeHubSpot, action: str, token: str | None = None) -> tuple[int, str]:
    (tmp_path / "handoff.toml").write_text(EXAMPLE.read_text())
    env = {**GOOD_ENV, "HUBSPOT_ACCESS_TOKEN": token or fake.token, "HUBSPOT_API_URL": fake.url}
    result = await asyncio.to_thread(run_handoff, tmp_path, env, "hubspot", action)  # the fake answers meanwhile
    return result.returncode, result.stdout + result.stderr


async def test_setup_creates_the_missing_properties_once_and_check_then_passes(
    tmp_path: Path, clock: ManualClock
) -> None:
    fake = FakeHubSpot(now=clock.now)
    await fake.start()
    try:
        code, shown = await hubspot_cli(tmp_path, fake, "check")
        assert code == 1 and shown.count("  missing  ") == 6 and "6 thing(s) missing" in shown

        code, shown = await hubspot_cli(tmp_path, fake, "setup")
        assert code == 0, shown
        assert sorted(fake.custom_properties) == sorted(HANDOFF_PROPERTIES)
        assert fake.custom_properties["handoff_reject_note"]["fieldType"] == "textarea"
        assert shown.count("created") == 6

        code, shown = await hubspot_cli(tmp_path, fake, "setup")  # again: nothing to do
        assert code == 0 and "created" not in shown
        assert [m for m, _, s in fake.calls if m == "POST"] == ["POST"] * 6

        code, shown = await hubspot_cli(tmp_path, fake, "check")
        assert code == 0 and "everything the write-back needs" in shown
    finally:
        await fake.stop()


async def test_setup_with_a_refused_token_is_one_line_naming_it(tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeHubSpot(now=clock.now)
    await fake.start()
    try:
        code, shown = await hubspot_cli(tmp_path, fake, "setup", token="pat-na1-revoked")
        assert code == 2
        assert "handoff: cannot start: HUBSPOT_ACCESS_TOKEN: was refused by HubSpot (401)" in shown
        assert "pat-na1-revoked" not in shown and fake.custom_properties == {}
    finally:
        await fake.stop()


async def test_a_token_that_is_not_a_private_app_token_is_named(tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeHubSpot(now=clock.now)
    await fake.start()
    try:
        code, shown = await hubspot_cli(tmp_path, fake, "check", token="0123-legacy-api-key")
        assert code == 2 and "HUBSPOT_ACCESS_TOKEN: must be a private app access token" in shown
    finally:
        await fake.stop()


async def run_with(tmp_path: Path, fake: FakeHubSpot, action: str, team_file: str) -> tuple[int, str]:
    (tmp_path / "handoff.toml").write_text(team_file)
    env = {**GOOD_ENV, "HUBSPOT_ACCESS_TOKEN": fake.token, "HUBSPOT_API_URL": fake.url}
    result = await asyncio.to_thread(run_handoff, tmp_path, env, "hubspot", action)
    return result.returncode, result.stdout + result.stderr


async def test_check_reads_an_answer_that_is_not_a_property_without_crashing(
    tmp_path: Path, clock: ManualClock
) -> None:
    off = "".join(f'{part}_property = ""\n' for part in ("reason", "note", "owner", "stage", "outcome"))
    team_file = EXAMPLE.read_text().replace("[hubspot.write]\n", "[hubspot.write]\n" + off, 1)
    fake = FakeHubSpot(now=clock.now)
    await fake.start()
    try:
        fake.fail_next(200, body=b"[1, 2, 3]")  # hs_lead_status answered with a list, not a property
        code, shown = await run_with(tmp_path, fake, "check", team_file)
        assert code == 0, shown
        assert "Traceback" not in shown
    finally:
        await fake.stop()


async def test_a_refusal_with_a_huge_page_is_one_short_line(tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeHubSpot(now=clock.now)
    await fake.start()
    try:
        fake.fail_next(404, body=b"<html>not found</html>")  # the first property is missing
        fake.fail_next(400, body=b"<html>" + b"x" * 100_000 + b"</html>")  # and creating it is refused
        code, shown = await run_with(tmp_path, fake, "setup", EXAMPLE.read_text())
        assert code == 2
        [line] = [line for line in shown.splitlines() if "cannot start" in line]
        assert "HubSpot refused to create handoff_reject_reason: HTTP 400" in line and len(line) < 300

        fake.fail_next(502, body=b"<html>bad gateway</html>")
        code, shown = await run_with(tmp_path, fake, "check", EXAMPLE.read_text())
        assert code == 2 and "HUBSPOT_API_URL: HubSpot answered HTTP 502" in shown
    finally:
        await fake.stop()
