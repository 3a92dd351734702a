"""Start-up refuses bad settings with one line naming the setting (exit code 2), never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import Settings
from bot.config.team_file import load_config, parse_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GOOD_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "SLACK_SIGNING_SECRET": "s3cr3t",
    "INTAKE_TOKEN": "0123456789abcdef0123",
}


def good_team() -> dict[str, Any]:
    return {
        "timezone": "America/Chicago",
        "slack": {"leads_channel": "C0LEADS001"},
        "team": {"sales": ["U0REP00001", "S0GROUP001"], "managers": ["U0MGR00001"], "marketing": ["U0MKT00001"]},
    }


def test_the_example_team_file_is_valid_and_uses_every_documented_key() -> None:
    config = load_config(ROOT / "handoff.example.toml")
    assert config.slack.leads_channel == "C0LEADS001"
    assert config.team.sales == ("U0REP00001", "U0REP00002")
    assert config.team.manager_of == {"U0REP00001": "U0MGR00001"}
    assert config.tz.key == "America/Chicago"


def test_settings_defaults() -> None:
    settings = Settings.from_env(GOOD_ENV)
    assert (settings.database_url, settings.port, settings.config_path) == (
        "sqlite+aiosqlite:///handoff.db",
        3000,
        Path("handoff.toml"),
    )
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.sandbox
    assert "s3cr3t" not in repr(settings) and "xoxb-1-2-3" not in repr(settings)


def test_no_credentials_at_all_means_the_sandbox() -> None:
    assert Settings.from_env({}).sandbox


def test_the_sandbox_listens_on_this_machine_only_unless_host_is_set() -> None:
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({"HOST": "0.0.0.0"}).host == "0.0.0.0"
    assert Settings.from_env(GOOD_ENV).host == "0.0.0.0"


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN", "is not set"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET", "is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"INTAKE_TOKEN": ""}, "INTAKE_TOKEN", "is not set"),
        ({"INTAKE_TOKEN": "short"}, "INTAKE_TOKEN", "too short"),
        ({"PORT": "eighty"}, "PORT", "not a port"),
        ({"PORT": "70000"}, "PORT", "not a port"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL", "not an http"),
        ({"DATABASE_URL": "handoff.db"}, "DATABASE_URL", "not a database URL"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL", "not one of"),
    ],
)
def test_each_bad_setting_is_named(env: dict[str, str], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**GOOD_ENV, **env})
    assert caught.value.key == key
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda d: d.pop("slack"), "slack", "is required"),
        (lambda d: d["slack"].update(leads_channel="#leads"), "slack.leads_channel", "not a Slack channel id"),
        (lambda d: d["team"].update(sales=[]), "team.sales", "at least 1"),
        (lambda d: d["team"].update(sales=["U0REP00001", "bob"]), "team.sales[1]", "'bob' is not a Slack user id"),
        (lambda d: d["team"].pop("managers"), "team.managers", "is required"),
        (lambda d: d["team"].update(manager_of={"U0REP00001": "U0NOTMGR01"}), "team", "not listed in team.managers"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone", "not an IANA timezone"),
        (lambda d: d.update(leads_channel="C0LEADS001"), "leads_channel", "not a known setting"),
        (lambda d: d.update(reject={"reasons": []}), "reject.reasons", "between 1 and 100"),
        (lambda d: d.update(reject={"reasons": ["x" * 76]}), "reject.reasons", "1 to 75 characters"),
        (lambda d: d.update(reject={"reasons": ["Same", "Same"]}), "reject.reasons", "unique"),
        (lambda d: d.update(sla={"accept": {"target": "30 minutes"}}), "sla.accept.target", "not a duration"),
        (lambda d: d.update(sla={"accept": {"target": 30}}), "sla.accept.target", "write it as a string"),
        (lambda d: d.update(sla={"accept": {"target": "0s"}}), "sla.accept.target", "longer than 0s"),
        (lambda d: d.update(sla={"accept": {}}), "sla.accept.target", "is required"),
        (lambda d: d.update(sla={"accept": {"target": "1h", "warn_at": "75"}}), "sla.accept.warn_at", "percentage"),
        (lambda d: d.update(sla={"accept": {"target": "1h", "warn_at": "100%"}}), "sla.accept.warn_at", "below 100%"),
        (
            lambda d: d.update(sla={"accept": {"target": "1h", "escalate": [{"after": "0s", "notify": "boss"}]}}),
            "sla.accept.escalate[0].notify",
            "'boss' is not a notify target",
        ),
        (
            lambda d: d.update(
                sla={
                    "accept": {
                        "target": "1h",
                        "escalate": [{"after": "2h", "notify": "owner"}, {"after": "1h", "notify": "channel"}],
                    }
                }
            ),
            "sla.accept.escalate",
            "list the steps in order",
        ),  # fmt: skip
        (
            lambda d: d.update(
                sla={
                    "first_touch": {
                        "target": "1h",
                        "bands": [{"min_score": 80, "target": "1m"}, {"min_score": 80, "target": "2m"}],
                    }
                }
            ),
            "sla.first_touch.bands",
            "same min_score",
        ),  # fmt: skip
        (lambda d: d.update(sla={"accept": {"target": "1h", "oops": 1}}), "sla.accept.oops", "not a known setting"),
        (
            lambda d: d.update(business_hours={"hours": ["09:00-12:30", "12:00-17:00"]}),
            "business_hours.hours",
            "09:00-12:30 overlaps 12:00-17:00",
        ),
        (lambda d: d.update(business_hours={"hours": "17:00-09:00"}), "business_hours.hours", "ends before it starts"),
        (lambda d: d.update(business_hours={"days": ["mon", "funday"]}), "business_hours.days", "'funday' is not"),
        (lambda d: d.update(business_hours={"holidays": ["Christmas"]}), "business_hours.holidays[0]", "date"),
        (lambda d: d.update(scheduler={"sla_check_interval": "2h"}), "scheduler.sla_check_interval", "between 1s"),
        (lambda d: d.update(sla={"mql_volume": {"monthly_target": 0}}), "sla.mql_volume.monthly_target", "greater"),
        (lambda d: d.update(digest={"day": "someday"}), "digest.day", "'someday' is not a day"),
        (lambda d: d["slack"].update(wins_channel="#wins"), "slack.wins_channel", "not a Slack channel id"),
        (lambda d: d.update(campaigns={"Q4": {"owner": "casey"}}), "campaigns.Q4.owner", "not a Slack user id"),
        (lambda d: d.update(feedback={"webhook_url": "ftp://x"}), "feedback.webhook_url", "not an http(s) URL"),
        (lambda d: d.update(stages={"qualified": "x"}), "stages", "unknown stage 'qualified'"),
        (lambda d: d.update(lost={"reasons": []}), "lost.reasons", "between 1 and 100"),
        (lambda d: d.update(digest={"time": "9am"}), "digest.time", "not a time of day"),
    ],
)
def test_each_bad_team_key_is_named(change: Any, key: str, problem: str) -> None:
    data = good_team()
    change(data)
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert caught.value.key == key
    assert problem in caught.value.problem


def run_handoff(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INTAKE_", "HANDOFF_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_with_a_bad_setting_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, {**GOOD_ENV, "PORT": "eighty"}, "run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "handoff: cannot start: PORT: 'eighty' is not a port number (0-65535)"
    ]


def test_start_up_without_a_team_file_names_handoff_config(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, GOOD_ENV, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: HANDOFF_CONFIG: handoff.toml does not exist")


def test_start_up_with_a_bad_team_file_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "handoff.toml").write_text(
        '[slack]\nleads_channel = "leads"\n[team]\nsales=["U0A1"]\nmanagers=["U0B1"]\n'
    )
    result = run_handoff(tmp_path, GOOD_ENV, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: slack.leads_channel: 'leads' is not a Slack channel id")


def test_start_up_refuses_a_schema_that_is_behind_and_names_the_fix(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:  # a database an older Handoff made
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0000')")
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())

    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}, "run")

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "database schema is at 0000" in line and "run `handoff db upgrade`" in line


@pytest.mark.parametrize(
    "url", ["postgresql://nobody@127.0.0.1:1/none", "sqlite+aiosqlite:////proc/no/such/dir/x.db", "nosuchdb://x"]
)
def test_a_database_that_cannot_be_used_is_one_line_naming_database_url(tmp_path: Path, url: str) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": url}, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: DATABASE_URL: cannot use the database")


def test_db_upgrade_creates_the_schema_and_reports_it(tmp_path: Path, db_url: str) -> None:
    env = {**GOOD_ENV, "DATABASE_URL": db_url}
    first = run_handoff(tmp_path, env, "db", "upgrade")
    second = run_handoff(tmp_path, env, "db", "current")
    from storage.db import head_revision

    assert (first.returncode, first.stdout.strip()) == (0, f"schema: empty -> {head_revision()}")
    assert second.stdout.strip() == head_revision()


async def test_a_database_from_the_previous_release_is_refused_then_upgraded_in_place(
    tmp_path: Path, db_url: str
) -> None:
    from storage.db import Database, head_revision

    url = db_url
    db = Database(url)
    await db.upgrade("0001")  # what Handoff 0.1 (the handoff loop, before SLA clocks) created
    await db.dispose()
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    env = {**GOOD_ENV, "DATABASE_URL": url}

    refused = run_handoff(tmp_path, env, "run")
    upgraded = run_handoff(tmp_path, env, "db", "upgrade")

    assert refused.returncode == 2
    assert "database schema is at 0001" in refused.stderr and "run `handoff db upgrade`" in refused.stderr
    assert (upgraded.returncode, upgraded.stdout.strip()) == (0, f"schema: 0001 -> {head_revision()}")


def test_the_example_file_documents_every_sla_key_and_they_work_as_written() -> None:
    config = parse_config(tomllib.loads((ROOT / "handoff.example.toml").read_text()))

    accept = config.sla.accept
    assert accept is not None and accept.target.total_seconds() == 1800 and accept.warn_at == 0.75
    assert [(s.after.total_seconds(), s.notify) for s in accept.escalate] == [(0, "manager"), (7200, "U0VP000001")]
    assert accept.for_score(85)[0].total_seconds() == 600
    assert config.business_hours.holidays and config.scheduler.sla_check_interval.total_seconds() == 30
    assert config.sla.mql_volume.monthly_target == 120 and config.sla.mql_volume.min_accept_rate == 0.6


def test_start_up_with_a_bad_sla_duration_is_one_line_naming_the_key(tmp_path: Path) -> None:
    team = '[slack]\nleads_channel = "C0LEADS001"\n[team]\nsales = ["U0REP00001"]\nmanagers = ["U0MGR00001"]\n'
    (tmp_path / "handoff.toml").write_text(team + '[sla.accept]\ntarget = "half an hour"\n')
    result = run_handoff(tmp_path, GOOD_ENV, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: sla.accept.target: 'half an hour' is not a duration")


def test_example_file_is_plain_toml() -> None:
    tomllib.loads((ROOT / "handoff.example.toml").read_text())


# --- secrets stay out of repr and errors ------------------------------------------------------------------------


def test_repr_of_settings_shows_no_password_token_or_secret() -> None:
    env = {
        **GOOD_ENV,
        "DATABASE_URL": "postgresql://handoff:pg-pass-9876@db.internal:5432/handoff",
        "FEEDBACK_SECRET": "feedback-secret-5555",
    }
    shown = repr(Settings.from_env(env))
    for secret in ("pg-pass-9876", "s3cr3t", "xoxb-1-2-3", GOOD_ENV["INTAKE_TOKEN"], "feedback-secret-5555"):
        assert secret not in shown
    assert "db.internal" in shown  # the host is not a secret, and it helps


@pytest.mark.parametrize(
    "url", ["handoff:pg-pass-9876@db.internal/handoff", "postgresql://handoff:pg-pass-9876@db.internal:port/x"]
)
def test_a_malformed_database_url_never_echoes_its_password(tmp_path: Path, url: str) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": url}, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: DATABASE_URL:")
    assert "pg-pass-9876" not in line


@pytest.mark.parametrize("port", ["²", "3000" * 1300, "-1", "80 80"])
def test_a_port_that_is_not_a_number_is_one_line_and_exit_2(tmp_path: Path, port: str) -> None:
    result = run_handoff(tmp_path, {**GOOD_ENV, "PORT": port}, "run")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: PORT:") and "is not a port number" in line
    assert len(line) < 200


def test_with_log_format_json_the_cannot_start_line_is_json(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, {**GOOD_ENV, "LOG_FORMAT": "json", "PORT": "eighty"}, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR" and record["logger"] == "handoff"
    assert record["message"] == "handoff: cannot start: PORT: 'eighty' is not a port number (0-65535)"


def test_handoff_role_is_all_unless_set_to_web_or_worker() -> None:
    assert Settings.from_env(GOOD_ENV).role == "all"
    for role in ("all", "web", "worker", " Web "):
        assert Settings.from_env({**GOOD_ENV, "HANDOFF_ROLE": role}).role == role.strip().lower()


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({**GOOD_ENV, "HANDOFF_ROLE": "delivery"}, "'delivery' is not one of all, web, worker"),
        ({"HANDOFF_ROLE": "web"}, "'web' needs SLACK_BOT_TOKEN: the sandbox runs as one process (all)"),
    ],
)
def test_a_bad_handoff_role_is_named(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert (caught.value.key, caught.value.problem) == ("HANDOFF_ROLE", problem)


@pytest.mark.parametrize("command", ["run", "worker"])
def test_start_up_with_a_bad_handoff_role_prints_one_line_and_exits_2(tmp_path: Path, command: str) -> None:
    result = run_handoff(tmp_path, {**GOOD_ENV, "HANDOFF_ROLE": "delivery"}, command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "handoff: cannot start: HANDOFF_ROLE: 'delivery' is not one of all, web, worker"
    ]


def test_handoff_worker_without_slack_credentials_says_the_sandbox_is_one_process(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, {}, "worker")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: SLACK_BOT_TOKEN: is not set: `handoff worker` delivers")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def taking_a_port_beside_free_ones() -> Iterator[tuple[int, int]]:
    """A port held open, with the ports on either side free. The app listens on PORT and PORT + 1, and an ephemeral
    port's neighbour may be anyone's: another run on the machine had one, and start-up rightly named that port."""
    for _ in range(50):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = taken.getsockname()[1]
            if _free(busy - 1) and _free(busy + 1):
                yield busy, busy - 1
                return
    raise AssertionError("no free ports on either side of an ephemeral one, 50 times over")


@pytest.mark.parametrize("taken_is", ["the page's port", "the Slack emulation's, PORT + 1"])
def test_a_port_already_in_use_is_named_as_port_not_as_the_database(tmp_path: Path, taken_is: str) -> None:
    with taking_a_port_beside_free_ones() as (busy, free):
        port = busy if taken_is == "the page's port" else free
        result = run_handoff(tmp_path, {"PORT": str(port), "HOST": "127.0.0.1"}, "run")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"handoff: cannot start: PORT: cannot listen on 127.0.0.1:{busy}"), result.stderr
