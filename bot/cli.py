"""`handoff` — run the app, manage the database, import leads.

    handoff run                start the app (`python -m bot`, `make run` and the Procfile do this)
    handoff worker             only deliver and run the scheduler, beside web processes with HANDOFF_ROLE=web
    handoff db upgrade         bring the database schema up to date
    handoff db current         print the schema revision
    handoff db rebuild-rollups rebuild /funnel's rollup from the leads, in one transaction
    handoff import leads.csv   backfill leads from a CSV file
    handoff spend import spend.csv   marketing spend per month and source
    handoff content import library.csv   marketing's content library (assets updated by URL)

Configuration problems end with one line naming the setting, and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.config.settings import Settings, redact
from bot.config.team_file import HandoffConfig, load_config
from bot.errors import ConfigError
from storage.db import Database, SchemaBehind

log = logging.getLogger("handoff")

EXIT_CONFIG = 2
REBUILD_WAIT = 30.0  # seconds `db rebuild-rollups` waits for the write lock the app's transactions take in turn


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from bot.app.jsonlog import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("aiohttp.access", "alembic.runtime.migration", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def load(settings: Settings) -> HandoffConfig:
    if settings.sandbox and not settings.config_path.exists():
        from sandbox.demo import demo_config

        log.info("no team file at %s: using the built-in demo team", settings.config_path)
        return demo_config()
    config = load_config(settings.config_path)
    if config.feedback.webhook_url and not settings.feedback_secret:
        raise ConfigError("FEEDBACK_SECRET", "is not set: [feedback] webhook_url needs it to sign deliveries")
    return config


async def check_database(url: str) -> None:
    db = Database(url)
    try:
        await db.prepare()
    finally:
        await db.dispose()


def cmd_run(settings: Settings) -> int:
    if settings.sandbox:
        log.info(
            "SANDBOX MODE: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set, so Handoff runs against a local "
            "emulation of Slack's Web API on port %d; open http://localhost:%d/ to try it (set both to use a real "
            "workspace)",
            settings.port + 1,
            settings.port,
        )
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    if settings.sandbox:
        from sandbox.runner import run_sandbox

        run_sandbox(settings, config)
        return 0
    from bot.app.factory import create_app, serve

    log.info(
        "Handoff starting (role %s) on port %d against Slack at %s",
        settings.role,
        settings.port,
        settings.slack_api_url,
    )

    async def run() -> None:
        await serve(await create_app(settings, config), host=settings.host, port=settings.port)

    asyncio.run(run())  # a token Slack refuses, at start-up or once it answers again, ends as a ConfigError: exit 2
    return 0


def cmd_worker(settings: Settings) -> int:
    """The delivery process of a two-process deployment: whatever HANDOFF_ROLE says (the Procfile's processes
    share one environment, where it says `web`), this process is the worker."""
    if settings.sandbox:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "is not set: `handoff worker` delivers to a Slack workspace; the sandbox is `handoff run`",
        )
    return cmd_run(replace(settings, role="worker"))


def cmd_db(settings: Settings, action: str) -> int:
    async def go() -> int:
        db = Database(settings.database_url)
        try:
            if action == "upgrade":
                before = await db.current_revision()
                await db.upgrade()
                after = await db.current_revision()
                print(f"schema: {before or 'empty'} -> {after}" if before != after else f"up to date ({after})")
            elif action == "rebuild-rollups":
                await rebuild_rollups(db)
            else:
                print(await db.current_revision() or "empty (no schema yet)")
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


async def rebuild_rollups(db: Database) -> None:
    """Empty /funnel's rollup and count every lead and SLA clock into it again, in one transaction. The app may
    keep running: its writes meanwhile wait for the lock as usual (and are refused after their wait, as for any
    write lock held long), then count themselves in."""
    from storage import rollups

    await db.prepare()
    started = time.perf_counter()
    async with db.session(wait=REBUILD_WAIT) as session:
        rebuilt = await rollups.rebuild(session=session)
    rows = ", ".join(f"{table} {n:,}" for table, n in rebuilt.rows.items())
    print(f"rollups rebuilt from {rebuilt.leads:,} leads and {rebuilt.clocks:,} SLA clocks in "
          f"{time.perf_counter() - started:.1f} s; rows: {rows}")  # fmt: skip


def cmd_import(settings: Settings, path: Path, *, post: bool) -> int:
    from bot.lifecycle.importer import import_csv

    if not path.is_file():
        raise ConfigError(str(path), "no such file")
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    return asyncio.run(import_csv(settings, config, path, post=post))


def cmd_spend(settings: Settings, path: Path) -> int:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.clock import SystemClock
    from bot.config.team import Team
    from bot.reports.spend import import_spend

    if not path.is_file():
        raise ConfigError(str(path), "no such file")
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    slack = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    clock = SystemClock()
    return asyncio.run(import_spend(settings, Team(config, slack, clock), clock, path))


def cmd_content(settings: Settings, path: Path, *, announce: bool) -> int:
    from bot.content.importer import import_library

    if not path.is_file():
        raise ConfigError(str(path), "no such file")
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    return asyncio.run(import_library(settings, config, path, announce=announce))


def cmd_sla(settings: Settings, action: str) -> int:
    """`handoff sla show|history`: what /sla answers, as plain text. The team file is adopted first (version 1 on an
    empty database, or its edit recorded and announced), as the app does when it starts."""
    from bot.agreement.registry import Agreements
    from bot.clock import SystemClock
    from bot.views.agreement import AgreementViews

    config = load(settings)

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            await db.prepare()
            clock = SystemClock()
            agreements = Agreements(db, config, clock)
            await agreements.adopt_file()
            views = AgreementViews(db, agreements, config, clock)
            print((await (views.history() if action == "history" else views.show())).plain())
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


def cmd_hubspot(settings: Settings, action: str) -> int:
    from bot.delivery.crm_setup import hubspot_properties

    config = load(settings)
    print(f"HubSpot contact properties for Handoff's write-back ({settings.writeback.hubspot_api_url}):")
    return asyncio.run(
        hubspot_properties(settings.writeback, config.hubspot.write, create=action == "setup", say=print)
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="handoff",
        description="Marketing-to-sales handoff, accountable, in Slack.",
        epilog="examples:\n  handoff run\n  handoff import leads.csv --no-post\n  handoff spend import spend.csv\n"
        "  handoff db upgrade",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", metavar="{run,worker,db,import,spend,content,hubspot,sla}")
    sub.add_parser("run", help="start the app (web server, SLA sweep, Slack delivery; HANDOFF_ROLE=web: no delivery)")
    sub.add_parser("worker", help="only Slack delivery and the scheduler (SLA sweep, digests), beside web processes")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current", "rebuild-rollups"])
    imp = sub.add_parser("import", help="backfill leads from a CSV file")
    imp.add_argument("csv", type=Path)
    imp.add_argument("--no-post", action="store_true", help="store history only; do not post the leads to Slack")
    spend = sub.add_parser("spend", help="marketing spend per month and source (cost per MQL, CAC)")
    spend.add_argument("action", choices=["import"])
    spend.add_argument("csv", type=Path, help="columns: month (2026-11), source, amount")
    content = sub.add_parser(
        "content", help="marketing's content library (/content)", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="handoff content import library.csv: store marketing's assets in the content library.",
        epilog="The header names the columns (title, kind and url are required). Lists (industries, tags) are\n"
        "separated by \";\"; kind and stage are names or labels (battle_card or Battle card), owner a Slack user id,\n"
        "expires YYYY-MM-DD. A URL already in the library updates its asset; new assets are announced unless\n"
        "--no-announce. Bad lines are listed with their number and field, the good ones stored. It ends with\n"
        "'added N, updated M, bad K': exit 0, exit 1 when a line was bad, exit 2 when the header lacks a column.",
    )  # fmt: skip
    content.add_argument("action", choices=["import"])
    content.add_argument("csv", type=Path, help="columns: title,kind,url,stage,industries,tags,owner,expires")
    content.add_argument("--no-announce", action="store_true", help="store the assets; do not announce new ones")
    hubspot = sub.add_parser("hubspot", help="the HubSpot properties the write-back needs (setup creates them)")
    hubspot.add_argument("action", choices=["setup", "check"])
    sla = sub.add_parser("sla", help="the agreement between sales and marketing (what /sla shows)")
    sla.add_argument("action", choices=["show", "history"], nargs="?", default="show")
    return p


def cannot_start(problem: str) -> int:
    """The one line start-up ends with (exit code 2): JSON too when LOG_FORMAT=json, even if settings failed."""
    line = f"handoff: cannot start: {problem}"
    if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
        from bot.app.jsonlog import JsonFormatter

        record = logging.LogRecord("handoff", logging.ERROR, __file__, 0, line, None, None)
        line = JsonFormatter().format(record)
    print(line, file=sys.stderr)
    return EXIT_CONFIG


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:  # a person exploring the CLI: say what it does rather than start a second app
        cli.print_help()
        return EXIT_CONFIG
    database_url = os.environ.get("DATABASE_URL", "")
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "db":
            return cmd_db(settings, args.action)
        if args.command == "spend":
            return cmd_spend(settings, args.csv)
        if args.command == "content":
            return cmd_content(settings, args.csv, announce=not args.no_announce)
        if args.command == "hubspot":
            return cmd_hubspot(settings, args.action)
        if args.command == "sla":
            return cmd_sla(settings, args.action)
        if args.command == "import":
            return cmd_import(settings, args.csv, post=not args.no_post)
        if args.command == "worker":
            return cmd_worker(settings)
        return cmd_run(settings)
    except ConfigError as exc:
        return cannot_start(redact(str(exc), database_url))
    except (SQLAlchemyError, ModuleNotFoundError, OSError) as exc:
        # SQLAlchemy quotes a URL it cannot parse whole, password and all.
        reason = redact((str(exc).splitlines() or [type(exc).__name__])[0], database_url)[:300]
        return cannot_start(f"DATABASE_URL: cannot use the database ({reason})")
    except SchemaBehind as exc:
        return cannot_start(f"{exc}; run `handoff db upgrade`")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
