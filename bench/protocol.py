"""The benchmark's processes and how they talk: a server process answers JSON lines on stdin/stdout.

A server prints `{"url": ...}` once listening, then answers each command (`{"cmd": ...}`) with one line
(`{"ok": true, ...}`) until `stop`. Logs go to stderr, which the parent points at a file. This module imports no
part of the app, so a process that only needs the protocol (the fake Slack's) starts quickly.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Listen on a free local port the way production does (an AppRunner without access log); yield the URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def commands() -> AsyncIterator[dict[str, Any]]:
    while line := await asyncio.to_thread(sys.stdin.readline):
        yield json.loads(line)


async def answer(handle: Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]) -> None:
    async for command in commands():
        if command["cmd"] == "stop":
            say({"ok": True})
            return
        say({"ok": True, **(await handle(command) or {})})


class Server:
    """One server process, driven by JSON lines over its stdin/stdout."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    async def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"the server process exited (code {self.proc.returncode}); its log ends:\n{tail}")
        message: dict[str, Any] = json.loads(line)
        return message

    async def ask(self, cmd: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.read()


@asynccontextmanager
async def server(
    kind: str, workdir: Path, *args: str, module: str = "bench.servers", env: dict[str, str] | None = None
) -> AsyncIterator[tuple[Server, str]]:
    """Start `python -m <module> <kind> <workdir> <args…>`, wait for its URL, and stop it at the end."""
    log = workdir / f"{kind}.log"
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            kind,
            str(workdir),
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            limit=64 * 1024 * 1024,
            env=env,
        )
    srv = Server(proc, log)
    try:
        ready = await asyncio.wait_for(srv.read(), timeout=60)
        yield srv, str(ready["url"])
        await asyncio.wait_for(srv.ask("stop"), timeout=180)
        await asyncio.wait_for(proc.wait(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
