"""One replica for the multi-process tests: the real app (`create_app` and `serve`, as `handoff run` runs it) in a
process of its own, on a clock the test moves by writing an offset in seconds into a file — the injected clock the
in-process tests hold as a `ManualClock`, across a process boundary.

    HANDOFF_TEST_CLOCK=/tmp/clock python -m tests.replica     (plus the usual SLACK_*, DATABASE_URL, PORT, …)
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.factory import create_app, serve
from bot.cli import configure_logging
from bot.config.settings import Settings
from bot.config.team_file import load_config


class FileClock:
    """System time plus the offset in `path`, re-read whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: int | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        stamp = self._path.stat().st_mtime_ns
        if stamp != self._stamp:
            self._stamp, self._offset = stamp, timedelta(seconds=float(self._path.read_text() or 0))
        return datetime.now(UTC) + self._offset


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    config = load_config(settings.config_path)
    clock = FileClock(Path(os.environ["HANDOFF_TEST_CLOCK"]))

    async def run() -> None:
        await serve(await create_app(settings, config, clock=clock), host="127.0.0.1", port=settings.port)

    asyncio.run(run())


if __name__ == "__main__":
    main()
