"""`handoff import leads.csv`: the same validation and write path as the API, with a summary and row numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import LEADS, StartApp, text_of
from tests.databases import fetch
from tests.test_config import GOOD_ENV, ROOT, run_handoff

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
