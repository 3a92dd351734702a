"""The idle app's memory: the resident set of `python -m bot` (what `handoff run` starts) on an empty SQLite file.

The app gets its settings from the environment and a minimal team file, as in production, and talks to a fake Slack
Web API served from this process (it only answers `auth.test`). Once `/readyz` answers 200 the app is left idle
for a few seconds (its scheduler and outbox worker ticking); VmRSS is sampled from /proc/<pid>/status throughout,
and the last sample is the figure, with the peak (VmHWM) beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from rich.console import Console

from bench.protocol import ROOT
from bench.report import (
    Row,
    Section,
    load_average,
    log_problems,
    markdown_table,
    passed,
    rich_table,
    run_alone,
    warn_if_busy,
)
from sandbox.slack_api import FakeSlack
from tests.conftest import BOT_TOKEN, INTAKE_TOKEN, LEADS, MANAGER, REP1, REP2, SIGNING_SECRET

TARGET_MB = 150.0
TEAM_FILE = f"""timezone = "America/Chicago"

[slack]
leads_channel = "{LEADS}"

[team]
sales = ["{REP1}", "{REP2}"]
managers = ["{MANAGER}"]
"""


@dataclass
class Result:
    idle_seconds: float
    ready_seconds: float = 0.0  # from the process's start to /readyz answering 200
    samples_mb: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rss_mb(self) -> float:
        return self.samples_mb[-1]


def status_mb(pid: int, key: str) -> float:
    """A `VmRSS:`-style line of /proc/<pid>/status, in MB (the kernel reports kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(url: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for _ in range(600):
            if proc.returncode is not None:
                raise RuntimeError(f"the app exited ({proc.returncode}); see its log, {log}")
            try:
                async with http.get(f"{url}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the app did not become ready within 60 s")


async def measure(idle: float, workdir: Path) -> Result:
    result = Result(idle)
    team, log, port = workdir / "handoff.toml", workdir / "app.log", free_port()
    team.write_text(TEAM_FILE)
    async with FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS]) as fake:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "INTAKE_TOKEN": INTAKE_TOKEN,
            "SLACK_API_URL": fake.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'handoff.db'}",
            "HANDOFF_CONFIG": str(team),
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
        started = time.perf_counter()
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=out, stderr=out
            )
        try:
            await wait_ready(f"http://127.0.0.1:{port}", proc, log)
            result.ready_seconds = time.perf_counter() - started
            until = time.perf_counter() + idle
            while True:
                result.samples_mb.append(status_mb(proc.pid, "VmRSS"))
                if time.perf_counter() >= until:
                    break
                await asyncio.sleep(0.5)
            result.peak_mb = status_mb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    result.notes += log_problems(log)
    return result


# --- report ----------------------------------------------------------------------------------------------------

HEAD = ["what", "value"]


def summary(result: Result) -> list[Row]:
    return [
        Row("Idle app memory (RSS of `python -m bot`)", f"{result.rss_mb:.0f} MB", "", "", f"< {TARGET_MB:g} MB",
            passed(result.rss_mb < TARGET_MB)),
    ]  # fmt: skip


def section(result: Result, console: Console, seconds: float, load: float) -> Section:
    table = [
        ["ready (process start to /readyz 200)", f"{result.ready_seconds:.1f} s"],
        [f"RSS after {result.idle_seconds:g} s idle", f"{result.rss_mb:.1f} MB"],
        ["RSS samples, min–max", f"{min(result.samples_mb):.1f}–{max(result.samples_mb):.1f} MB"],
        ["peak RSS (VmHWM)", f"{result.peak_mb:.1f} MB"],
    ]
    console.print(rich_table("Idle memory of the app", HEAD, table))
    body = [
        f"- Measured: `python -m bot` started with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, INTAKE_TOKEN, "
        "DATABASE_URL (an empty SQLite file), HANDOFF_CONFIG (a minimal team file) and SLACK_API_URL (a fake "
        f"Slack answering auth.test); idle for {result.idle_seconds:g} s after `/readyz` answered 200, VmRSS read "
        "from /proc/<pid>/status every 0.5 s.",
        "",
        markdown_table(HEAD, table),
        "",
        *([f"- {line}" for line in result.notes] or ["- No errors in the app's log."]),
        "",
    ]
    return Section("memory", "Idle memory", summary(result), body, seconds, (load, load_average()))


def run(idle: float, console: Console) -> Section:
    console.print(f"Idle memory: `python -m bot` on an empty SQLite file, {idle:g} s idle after ready")
    load_before = warn_if_busy(console)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="handoff-memory-") as tmp:
        result = asyncio.run(measure(idle, Path(tmp)))
    return section(result, console, time.perf_counter() - started, load_before)


def idle_for(size: str) -> float:
    return {"full": 5.0, "quick": 3.0, "tiny": 0.5}[size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench memory", description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=idle_for("full"), help="seconds idle after ready")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return run_alone("memory", lambda console: run(args.idle, console))


if __name__ == "__main__":
    raise SystemExit(main())
