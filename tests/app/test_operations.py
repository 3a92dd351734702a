"""Operations: /readyz, /metrics and JSON logs, through the running app (and the `handoff` command for logs)."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app.jsonlog import JsonFormatter
from storage.db import head_revision
from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import MANAGER, Harness, StartApp, team_config

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def get(app: Harness, path: str) -> tuple[int, Any]:
    async with app.http.get(app.url(path)) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def scrape(app: Harness) -> Samples:
    status, body = await get(app, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


# --- /readyz ----------------------------------------------------------------------------------------------------


async def test_readyz_answers_ok_when_the_database_answers_and_the_schema_is_current(app: Harness) -> None:
    assert await get(app, "/readyz") == (200, {"ok": True, "database": "reachable", "schema": head_revision()})
    assert await get(app, "/healthz") == (200, {"ok": True})


async def test_readyz_names_the_revision_and_the_fix_when_the_schema_is_behind(app: Harness) -> None:
    async with app.svc.db.session() as session:  # as if an older Handoff's database were swapped in under it
        await session.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        await session.execute(text("DROP TABLE spend"))  # 0003 creates it

    status, body = await get(app, "/readyz")

    assert status == 503
    assert body["ok"] is False and (body["schema"], body["needs"]) == ("0002", head_revision())
    assert "database schema is at 0002" in body["reason"] and "run `handoff db upgrade`" in body["reason"]


async def test_readyz_says_the_database_is_unreachable_and_recovers_when_it_is_back(
    start_app: StartApp, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    app = await start_app(database_url=f"sqlite+aiosqlite:///{folder / 'handoff.db'}")
    await app.svc.outbox.stop()  # keep the worker off the database while it disappears
    folder.rename(tmp_path / "moved")
    await app.svc.db.dispose()  # pooled connections still hold the old file open; new ones cannot open it

    status, body = await get(app, "/readyz")
    assert status == 503
    assert body["ok"] is False and body["reason"].startswith("database unreachable:")

    (tmp_path / "moved").rename(folder)
    assert (await get(app, "/readyz"))[0] == 200


# --- /metrics ---------------------------------------------------------------------------------------------------


async def test_metrics_show_the_outbox_backing_up_while_slack_is_down_and_draining_after(app: Harness) -> None:
    before = await scrape(app)
    assert value(before, "handoff_outbox_pending") == 0
    assert value(before, "handoff_outbox_oldest_pending_age_seconds") == 0
    assert value(before, "handoff_outbox_deliveries_total", kind="lead_post", outcome="delivered") == 0

    app.slack.set_down(True)
    status, _ = await app.post_leads([{"external_id": "m-1"}, {"external_id": "m-2"}])
    assert status == 201
    await app.settle()
    app.clock.advance(timedelta(minutes=5))

    down = await scrape(app)
    assert value(down, "handoff_outbox_pending") == 2
    assert value(down, "handoff_outbox_oldest_pending_age_seconds") == 300
    assert value(down, "handoff_outbox_deliveries_total", kind="lead_post", outcome="retried") >= 2
    assert value(down, "handoff_outbox_deliveries_total", kind="lead_post", outcome="delivered") == 0

    app.slack.set_down(False)
    await app.settle()

    after = await scrape(app)
    assert value(after, "handoff_outbox_pending") == 0
    assert value(after, "handoff_outbox_oldest_pending_age_seconds") == 0
    assert value(after, "handoff_outbox_deliveries_total", kind="lead_post", outcome="delivered") == 2
    assert value(after, "handoff_outbox_deliveries_total", kind="lead_post", outcome="failed") == 0


async def test_metrics_count_sla_breaches_and_escalations_by_clock(start_app: StartApp) -> None:
    sla = {
        "accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]},
        "first_touch": {"target": "24h"},
    }
    app = await start_app(team_config(sla=sla))
    await app.new_lead(name="late")
    app.clock.advance(timedelta(minutes=31))

    report = await app.sweep()

    assert report.breaches == 1 and app.dms(MANAGER)
    samples = await scrape(app)
    assert value(samples, "handoff_sla_breaches_total", clock="accept") == 1
    assert value(samples, "handoff_sla_escalations_total", clock="accept") == 1
    assert value(samples, "handoff_sla_breaches_total", clock="first_touch") == 0


async def test_metrics_time_requests_by_route_pattern_never_by_raw_path(app: Harness) -> None:
    challenge = json.dumps({"type": "url_verification", "token": "x", "challenge": "c-123"})
    assert (await app.post_slack(challenge, content_type="application/json"))[0] == 200
    assert (await app.post_stage("secret-crm-id-42", {"stage": "won"}))[0] == 404
    assert (await get(app, "/no/such/page-77"))[0] == 404

    samples = await scrape(app)

    count = "handoff_http_request_duration_seconds_count"
    assert value(samples, count, route="/slack/events", method="POST", status="200") == 1
    assert value(samples, count, route="/api/leads/{external_id}/stage", method="POST", status="404") == 1
    assert value(samples, count, route="unmatched", method="GET", status="404") == 1
    assert value(samples, "handoff_http_request_duration_seconds_sum", route="/slack/events", method="POST",
                 status="200") > 0  # fmt: skip
    labels = {v for (_name, pairs) in samples for (_key, v) in pairs}
    assert not {"secret-crm-id-42", "/no/such/page-77"} & labels
    _, body = await get(app, "/metrics")
    assert "secret-crm-id-42" not in body and "xoxb-" not in body and "U0" not in body


# --- logs -------------------------------------------------------------------------------------------------------


def test_json_log_lines_carry_time_level_logger_message_extra_and_the_exception() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("handoff.test_json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("delivered %d rows", 3, extra={"lead_id": 42, "route": "/api/leads"})
        try:
            raise ValueError('broken "quote"\nline two')
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert {k: first[k] for k in ("level", "logger", "message", "lead_id", "route")} == {
        "level": "WARNING",
        "logger": "handoff.test_json",
        "message": "delivered 3 rows",
        "lead_id": 42,
        "route": "/api/leads",
    }
    assert "exception" not in first
    assert second["level"] == "ERROR" and second["message"] == "failed"
    assert 'ValueError: broken "quote"\nline two' in second["exception"]


def test_log_format_json_makes_every_log_line_of_the_command_json(tmp_path: Path) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text("external_id,name\nlog-1,Dana Buyer\n")
    env = {**GOOD_ENV, "LOG_FORMAT": "json", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"}

    result = run_handoff(tmp_path, env, "import", "leads.csv", "--no-post")

    assert result.returncode == 0, result.stderr
    # stderr also holds the import's progress bar and summary (rich); every log record on it is one JSON object
    assert not re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING|ERROR)", result.stderr, re.MULTILINE)
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    created = [r for r in records if r["message"].startswith("empty database: creating the schema")]
    assert created and created[0]["logger"] == "storage.db" and created[0]["level"] == "INFO"
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert GOOD_ENV["INTAKE_TOKEN"] not in result.stderr and GOOD_ENV["SLACK_BOT_TOKEN"] not in result.stderr


def test_a_bad_log_format_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, {**GOOD_ENV, "LOG_FORMAT": "xml"}, "run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["handoff: cannot start: LOG_FORMAT: 'xml' is not one of text, json"]
