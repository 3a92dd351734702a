"""Deployment settings and secrets, read from the environment exactly once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.crm_write import WriteBackSettings
from bot.config.hubspot import HubSpotSettings
from bot.config.salesforce import SalesforceSettings
from bot.config.socket_mode import app_token_from_env
from bot.errors import ConfigError

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite+aiosqlite:///handoff.db"
SANDBOX_BOT_TOKEN = "xoxb-sandbox"
SANDBOX_SIGNING_SECRET = "sandbox-signing-secret"
SANDBOX_INTAKE_TOKEN = "sandbox-intake-token"
ROLES = ("all", "web", "worker")
"""What one process does (HANDOFF_ROLE): `all` answers Slack and the intake API and delivers (the default, one
process); `web` only answers, leaving delivery and the scheduler to a `handoff worker`; `worker` is that worker."""
PORT = re.compile(r"[0-9]{1,5}")  # ASCII digits only: str.isdigit() also takes "²", which int() refuses


def url_password(url: str) -> str | None:
    """The password in `scheme://user:password@host/…`, or None."""
    _, sep, rest = url.partition("://")
    userinfo, at, _ = rest.split("/", 1)[0].rpartition("@") if sep else ("", "", "")
    password = userinfo.partition(":")[2] if at else ""
    return password or None


def redact_url(url: str) -> str:
    password = url_password(url)
    return url.replace(f":{password}@", ":***@", 1) if password else url


def redact(text: str, url: str) -> str:
    """`text` (an error message) with the database URL's password, wherever it appears, shown as `***`."""
    password = url_password(url)
    return text.replace(password, "***") if password else text


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    intake_token: str = field(repr=False)
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = field(default=DATABASE_DEFAULT, repr=False)
    """May carry a password: `repr` shows it as `***` (see `__repr__`)."""
    port: int = 3000
    host: str = "0.0.0.0"
    config_path: Path = Path("handoff.toml")
    log_level: str = "INFO"
    log_format: str = "text"
    """`text` for people, `json` (one object per line) for log shippers."""
    feedback_secret: str = field(default="", repr=False)
    """Shared secret that signs the outbound feedback webhook (HMAC-SHA256 over the body)."""
    sandbox: bool = False
    """No Slack credentials: run against the local Slack emulation (see sandbox/)."""
    role: str = "all"
    """One of `ROLES`: whether this process answers requests, delivers and runs the scheduler, or both."""
    public_url: str = ""
    """PUBLIC_URL: the address Slack and the CRMs call (https://handoff.example.com), without a trailing slash."""
    hubspot: HubSpotSettings = HubSpotSettings()
    salesforce: SalesforceSettings = SalesforceSettings()
    writeback: WriteBackSettings = WriteBackSettings()
    slack_app_token: str = field(default="", repr=False)
    """SLACK_APP_TOKEN (`xapp-…`): Slack's requests arrive over Socket Mode; `/slack/events` is not served."""

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr or f.name == "database_url"
        ).replace(f"database_url={self.database_url!r}", f"database_url={redact_url(self.database_url)!r}")
        return f"Settings({shown})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        app_token = app_token_from_env(env)
        sandbox = not token and not secret and not app_token
        if not sandbox:
            if not token:
                given = "SLACK_SIGNING_SECRET" if secret else "SLACK_APP_TOKEN"
                raise ConfigError("SLACK_BOT_TOKEN", f"is not set ({given} is): set both, or neither for the sandbox")
            if not secret and not app_token:  # socket messages are not signed: Socket Mode needs no secret
                raise ConfigError(
                    "SLACK_SIGNING_SECRET", "is not set (SLACK_BOT_TOKEN is): set both, or neither for the sandbox"
                )
            if not token.startswith("xoxb-"):
                raise ConfigError("SLACK_BOT_TOKEN", "must be a bot token starting with 'xoxb-'")
        intake = env.get("INTAKE_TOKEN", "").strip() or (SANDBOX_INTAKE_TOKEN if sandbox else "")
        if not intake:
            raise ConfigError("INTAKE_TOKEN", "is not set: the marketing platform authenticates with it")
        if len(intake) < 16 and not sandbox:
            raise ConfigError("INTAKE_TOKEN", "is too short: use at least 16 random characters")
        api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_DEFAULT
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError("SLACK_API_URL", f"{api_url!r} is not an http(s) URL")
        database_url = env.get("DATABASE_URL", "").strip() or DATABASE_DEFAULT
        if "://" not in database_url:
            # Not echoed: without a scheme there is no telling where a password in it starts and ends.
            raise ConfigError("DATABASE_URL", f"is not a database URL such as {DATABASE_DEFAULT} (it has no '://')")
        try:
            make_url(database_url)
        except (ArgumentError, ValueError) as exc:
            reason = redact(str(exc).splitlines()[0], database_url)[:200]
            raise ConfigError("DATABASE_URL", f"{redact_url(database_url)!r} cannot be parsed ({reason})") from None
        port_text = env.get("PORT", "").strip() or "3000"
        if not PORT.fullmatch(port_text) or not 0 <= int(port_text) <= 65535:
            shown = port_text if len(port_text) <= 20 else port_text[:20] + "…"
            raise ConfigError("PORT", f"{shown!r} is not a port number (0-65535)")
        log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError("LOG_LEVEL", f"{log_level!r} is not one of DEBUG, INFO, WARNING, ERROR")
        log_format = (env.get("LOG_FORMAT", "").strip() or "text").lower()
        if log_format not in {"text", "json"}:
            raise ConfigError("LOG_FORMAT", f"{log_format!r} is not one of text, json")
        role_text = env.get("HANDOFF_ROLE", "").strip()
        role = role_text.lower() or "all"
        if role not in ROLES:
            shown = role_text if len(role_text) <= 20 else role_text[:20] + "…"
            raise ConfigError("HANDOFF_ROLE", f"{shown!r} is not one of {', '.join(ROLES)}")
        if sandbox and role != "all":
            raise ConfigError("HANDOFF_ROLE", f"{role!r} needs SLACK_BOT_TOKEN: the sandbox runs as one process (all)")
        public_url = env.get("PUBLIC_URL", "").strip().rstrip("/")
        if public_url and not public_url.startswith(("http://", "https://")):
            shown = public_url if len(public_url) <= 60 else public_url[:60] + "…"
            raise ConfigError("PUBLIC_URL", f"{shown!r} is not an http(s) URL such as https://handoff.example.com")
        return cls(
            slack_bot_token=token or SANDBOX_BOT_TOKEN,
            slack_signing_secret=secret or (SANDBOX_SIGNING_SECRET if sandbox else ""),
            intake_token=intake,
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=database_url,
            port=int(port_text),
            # The sandbox page has no login: it listens on this machine only unless HOST says otherwise.
            host=env.get("HOST", "").strip() or ("127.0.0.1" if sandbox else "0.0.0.0"),
            config_path=Path(env.get("HANDOFF_CONFIG", "").strip() or "handoff.toml"),
            log_level=log_level,
            log_format=log_format,
            feedback_secret=env.get("FEEDBACK_SECRET", "").strip(),
            sandbox=sandbox,
            role=role,
            public_url=public_url,
            hubspot=HubSpotSettings.from_env(env),
            salesforce=SalesforceSettings.from_env(env),
            writeback=WriteBackSettings.from_env(env),
            slack_app_token=app_token,
        )
