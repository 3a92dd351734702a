"""`handoff` — run the app, manage the database, import leads.

    handoff run                start the app (`python -m bot`, `make run` and the Procfile do this)
    handoff db upgrade         bring the database schema up to date
    handoff db current         print the schema revision
    handoff import leads.csv   backfill leads from a CSV file
    handoff spend import spend.csv   marketing spend per month and source

Configuration problems end with one line naming the setting, and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.config.settings import Settings, redact
from bot.config.team_file import HandoffConfig, load_config
from bot.errors import ConfigError
from storage.db import Database, SchemaBehind

log = logging.getLogger("handoff")

EXIT_CONFIG = 2


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

    log.info("Handoff starting on port %d against Slack at %s", settings.port, settings.slack_api_url)

    async def run() -> None:
        await serve(await create_app(settings, config), host=settings.host, port=settings.port)

    asyncio.run(run())  # a token Slack refuses, at start-up or once it answers again, ends as a ConfigError: exit 2
    return 0


def cmd_db(settings: Settings, action: str) -> int:
    async def go() -> int:
        db = Database(settings.database_url)
        try:
            if action == "upgrade":
                before = await db.current_revision()
                await db.upgrade()
                after = await db.current_revision()
                print(f"schema: {before or 'empty'} -> {after}" if before != after else f"up to date ({after})")
            else:
                print(await db.current_revision() or "empty (no schema yet)")
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


def cmd_import(settings: Settings, path: Path, *, post: bool) -> int:
    from bot.lifecycle.importer import import_csv

    if not path.is_file():
        raise ConfigError(str(path), "no such file")
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    return asyncio.run(import_csv(settings, config, path, post=post))


def cmd_spend(settings: Settings, path: Path) -> int:
    from bot.reports.spend import import_spend

    if not path.is_file():
        raise ConfigError(str(path), "no such file")
    config = load(settings)
    asyncio.run(check_database(settings.database_url))
    return asyncio.run(import_spend(settings, config, path))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="handoff",
        description="Marketing-to-sales handoff, accountable, in Slack.",
        epilog="examples:\n  handoff run\n  handoff import leads.csv --no-post\n  handoff spend import spend.csv\n"
        "  handoff db upgrade",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", metavar="{run,db,import,spend}")
    sub.add_parser("run", help="start the app (web server, SLA sweep, Slack delivery)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    imp = sub.add_parser("import", help="backfill leads from a CSV file")
    imp.add_argument("csv", type=Path)
    imp.add_argument("--no-post", action="store_true", help="store history only; do not post the leads to Slack")
    spend = sub.add_parser("spend", help="marketing spend per month and source (cost per MQL, CAC)")
    spend.add_argument("action", choices=["import"])
    spend.add_argument("csv", type=Path, help="columns: month (2026-11), source, amount")
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
        if args.command == "import":
            return cmd_import(settings, args.csv, post=not args.no_post)
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
