"""`handoff import leads.csv`: the same validation and write path as the API, with a summary and row numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import LEADS, StartApp, text_of
from tests.databases import fetch

ACTIVITY = '"[{""at"": ""2026-11-20T15:00:00Z"", ""kind"": ""form""}]"'
CSV = f"""external_id,email,name,company,source,campaign,score,activity
crm-1,ann@example.com,Ann Lee,Initech,webinar,Q4 Ops Webinar,88,{ACTIVITY}
crm-2,bob@example.com,Bob Roe,Globex,paid_search,,41,
crm-1,ann@example.com,Ann Lee again,Initech,webinar,,88,
crm-3,not-an-email,Cy,Umbrella,seo,,50,
crm-4,dee@example.com,Dee,Hooli,seo,,140,
,eve@example.com,Eve,Massive,seo,,10,
crm-5,fay@example.com,Fay,Acme,seo,,,[not json
"""


async def test_import_reports_imported_duplicates_and_rejected_rows_with_line_numbers(
    tmp_path: Path, db_url: str
) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text(CSV)
    env = {**GOOD_ENV, "DATABASE_URL": db_url}

    result = run_handoff(tmp_path, env, "import", "leads.csv")
    again = run_handoff(tmp_path, env, "import", "leads.csv")

    assert result.returncode == 1, result.stderr  # rows were rejected: a script running the import must notice
    out = " ".join(result.stderr.split())
    assert "2 imported, 1 skipped as duplicates, 4 rejected" in out
    assert "line 5: email: is not an email address" in out
    assert "line 6: score: Input should be less than or equal to 100" in out
    assert "line 7: external_id:" in out
    assert "line 8: activity: not a JSON list" in out
    assert "3 skipped as duplicates" in " ".join(again.stderr.split())
    rows = await fetch(db_url, "SELECT external_id, name, score, activity FROM leads ORDER BY id")
    [(outbox,)] = await fetch(db_url, "SELECT count(*) FROM outbox")
    events = await fetch(db_url, "SELECT kind, actor FROM lead_events ORDER BY id")
    assert [(r[0], r[1], r[2]) for r in rows] == [("crm-1", "Ann Lee", 88), ("crm-2", "Bob Roe", 41)]
    activity = rows[0][3]
    assert (json.loads(activity) if isinstance(activity, str) else activity) == [
        {"at": "2026-11-20T15:00:00Z", "kind": "form"}
    ]
    assert outbox == 2  # a running app posts them
    assert events == [("mql_received", "import"), ("mql_received", "import")]


async def test_import_no_post_stores_history_only(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text("external_id,name\nold-1,Old Lead\n")

    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "import", "leads.csv", "--no-post")

    assert result.returncode == 0, result.stderr
    assert await fetch(db_url, "SELECT count(*) FROM leads") == [(1,)]
    assert await fetch(db_url, "SELECT count(*) FROM outbox") == [(0,)]


async def test_a_lead_imported_with_no_post_stays_unposted_when_the_crm_moves_it_and_its_win_is_still_celebrated(
    tmp_path: Path, db_url: str, start_app: StartApp
) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text("external_id,name,company\nold-1,Old Lead,Initech\n")
    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "import", "leads.csv", "--no-post")
    assert result.returncode == 0, result.stderr

    app = await start_app()
    app.clock.set(datetime.now(UTC))  # the import ran on the real clock
    await app.crm_moves("old-1", {"stage": "sql"}, {"stage": "opportunity", "amount": 900})
    await app.settle()
    assert await fetch(db_url, "SELECT stage, slack_ts FROM leads") == [("opportunity", None)]
    assert app.slack.messages.get(LEADS, []) == []
    await app.crm_moves("old-1", {"stage": "won", "amount": 1000})
    await app.settle()

    [win] = app.slack.messages[LEADS]
    assert "Joint win: Initech — $1,000" in text_of(win.blocks)
    assert await fetch(db_url, "SELECT stage, slack_ts FROM leads") == [("won", None)]
    assert [r.kind for r in await app.outbox_rows()] == ["win_post"]


def test_import_of_a_file_without_an_external_id_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text("email,name\na@b.co,A\n")
    db = tmp_path / "x.db"

    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, "import", "leads.csv")

    assert result.returncode == 2
    assert "lacks the column(s) external_id" in result.stderr


def test_import_of_a_missing_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    result = run_handoff(tmp_path, GOOD_ENV, "import", "nope.csv")
    assert result.returncode == 2
    assert result.stderr.strip() == "handoff: cannot start: nope.csv: no such file"


def test_import_names_an_unquoted_comma_and_exits_1_listing_every_rejected_row(tmp_path: Path) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    bad = "".join(f"bad-{i},not-an-email,X\n" for i in range(60))
    (tmp_path / "leads.csv").write_text(
        f"external_id,email,name,company\nok-1,a@b.co,Ann,Initech\nok-2,b@b.co,Bob,Acme, Inc.\n{bad}"
    )
    db = tmp_path / "x.db"

    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, "import", "leads.csv")

    assert result.returncode == 1
    assert "1 imported, 0 skipped as duplicates, 61 rejected" in result.stderr
    assert "line 3: row: 5 cells but the header has 4 columns: quote every value that contains a comma" in result.stderr
    assert "line 63: email: is not an email address" in result.stderr  # every row, not the first 50


def test_handoff_without_a_command_prints_help_and_starts_nothing(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, GOOD_ENV)

    assert result.returncode == 2
    assert "usage: handoff" in result.stdout and "handoff run" in result.stdout and "import" in result.stdout
    assert "cannot start" not in result.stderr


HISTORY = """external_id,email,name,company,source,campaign,received_at,stage,owner,decided_at,amount,reason
h-1,a1@example.com,Ann,Initech,webinar,Q4 Ops Webinar,2026-10-02 10:00,won,U0REP00001,2026-10-12 10:00,"$12,000",
h-2,a2@b.co,Bo,Globex,webinar,,2026-10-05T09:00-05:00,rejected,U0REP00002,2026-10-05T11:00-05:00,,No budget or authority
h-3,a3@example.com,Cy,Hooli,ads,,2026-10-07,sal,U0REP00001,2026-10-08,,
h-4,a4@example.com,Di,Acme,ads,,2026-10-20 08:00,opportunity,U0REP00002,2026-10-25 08:00,5000,
h-5,a5@example.com,Ed,Umbrella,seo,,2026-10-28,lost,U0REP00001,2026-11-03,2000,Lost to a competitor
h-6,a6@example.com,Fi,Massive,seo,,2026-10-30,mql,,,,
h-7,a7@example.com,Gu,Stark,seo,,2026-11-01 03:00,,,,,
bad-1,b1@example.com,X,X,seo,,2026-10-03,won,U0REP00001,,100,
bad-2,b2@example.com,X,X,seo,,2026-10-03,mql,U0REP00001,,,
bad-3,b3@example.com,X,X,seo,,2026-10-09,sal,U0REP00001,2026-10-08,,
bad-4,b4@example.com,X,X,seo,,2999-01-01,,,,,
bad-5,b5@example.com,X,X,seo,,2026-10-03,closed,,,,
bad-6,b6@example.com,X,X,seo,,2026-10-03,won,bob,2026-10-04,100,
bad-7,b7@example.com,X,X,seo,,,won,U0REP00001,2026-10-04,100,
"""


async def test_a_backfill_keeps_its_dates_and_stages_and_the_funnel_counts_it_in_its_own_months(
    tmp_path: Path, db_url: str, start_app: StartApp
) -> None:
    from tests.conftest import team_config
    from tests.reports.test_funnel import funnel

    toml = (ROOT / "handoff.example.toml").read_text().replace("monthly_target = 120", "monthly_target = 3")
    (tmp_path / "handoff.toml").write_text(toml)
    now = datetime.now(UTC)
    recent = "".join(f"now-{i},n{i}@example.com,N{i},Co,seo,,{now.isoformat()},,,,,\n" for i in range(3))
    (tmp_path / "leads.csv").write_text(HISTORY + recent)

    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "import", "leads.csv")

    assert result.returncode == 1  # the bad rows
    out = result.stderr
    assert "10 imported, 0 skipped as duplicates, 7 rejected" in " ".join(out.split())
    for problem in (
        "line 9: decided_at: is required with stage won (when the lead reached it)",
        "line 10: owner: an MQL has no owner yet: give its stage (sal or later)",
        "line 11: decided_at: 2026-10-08 is before received_at (2026-10-09)",
        "line 12: received_at: 2999-01-01 is in the future",
        "line 13: stage: 'closed' is not a stage: use mql, sal, sql, opportunity, won, lost, rejected or recycled",
        "line 14: owner: 'bob' is not a Slack user id (U…)",
        "line 15: received_at: is required with stage, owner, decided_at, amount or reason",
    ):
        assert problem in out, problem
    # history fires nothing: no posts, no clocks, no celebrations, no feedback
    assert await fetch(db_url, "SELECT count(*) FROM outbox") == [(0,)]
    assert await fetch(db_url, "SELECT count(*) FROM sla_timers") == [(0,)]

    app = await start_app(team_config(sla={"mql_volume": {"monthly_target": 3}}))
    app.clock.set(now + timedelta(minutes=1))
    posted = await app.svc.reviews.run()  # 3 MQLs this month meet the target of 3: that was history, not news
    assert not [key for key in posted if key.startswith("mql_volume")], posted
    app.clock.set(datetime(2026, 11, 23, 15, tzinfo=UTC))

    events = await fetch(
        db_url,
        "SELECT e.kind, e.actor FROM lead_events e JOIN leads l ON l.id = e.lead_id WHERE l.external_id = 'h-1' "
        "ORDER BY e.at",
    )
    assert events == [("mql_received", "import"), ("moved", "U0REP00001")]
    h1 = await fetch(db_url, "SELECT stage, owner, amount_cents, quiet FROM leads WHERE external_id = 'h-1'")
    assert [(*r[:3], bool(r[3])) for r in h1] == [("won", "U0REP00001", 1_200_000, True)]

    await funnel(app, "2026-10")
    await app.settle()
    [reply] = [r for r in app.slack.responses if r.get("blocks")]
    shown = text_of(reply["blocks"])
    # October, by hand: h-1..h-6 were received then (h-7 at 03:00 Chicago on Nov 1 is November's)
    assert "*MQLs*\n6 of 3 target (200%)" in shown
    assert "*Acceptance rate*\n80% (4 of 5 decided)" in shown  # h-1, h-3, h-4, h-5 accepted; h-2 rejected
    assert "*SAL → SQL → Opportunity → Won*\n4 → 2 → 2 → 1" in shown
    assert "*Won revenue*\n$12,000" in shown and "conversion 17%" in shown
    assert "*Time to accept*\nmedian — · p90 —" in shown  # never posted in the channel: not measured
    assert "10 days to won · $1,200/day" in shown  # 2 opportunities × 1/2 win rate × $12,000 ÷ 10 days
    assert "pipeline $17,000 · revenue $12,000" in shown
    assert "Top rejection reason: *No budget or authority* (1 of 1 rejected)" in shown
    assert "no clocks ran" in shown

    app.slack.responses.clear()
    await funnel(app, "2026-11")
    await app.settle()
    [reply] = [r for r in app.slack.responses if r.get("blocks")]
    assert "*MQLs*\n1 of 3 target" in text_of(reply["blocks"])  # h-7 only
