"""Runs a compiled EA as a process on its own in-memory terminal; talks to its control channel."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
from pathlib import Path
from typing import Any


class EaProcess:
    """One compiled EA: control lines in on stdin, replies and the EA's output read from stdout."""

    def __init__(self, binary: Path, files_dir: Path, *, key: str, url: str, login: int,
                 server: str = "Harness-Demo", margin: str = "hedging", suffix: str = "",
                 env: dict[str, str] | None = None) -> None:
        self.binary = binary
        self.env = {**os.environ, "MQL_INPUT_ApiKey": key, "MQL_INPUT_BridgeUrl": url,
                    "MQL_INPUT_TimerMs": "5", "MQL_FILES_DIR": str(files_dir),
                    "TC_LOGIN": str(login), "TC_SERVER": server, "TC_MARGIN": margin,
                    "TC_SUFFIX": suffix, **(env or {})}
        files_dir.mkdir(parents=True, exist_ok=True)
        self.lines: list[str] = []
        self._replies: asyncio.Queue[str] = asyncio.Queue()
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> EaProcess:
        self._proc = await asyncio.create_subprocess_exec(
            str(self.binary), env=self.env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        async for raw in self._proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if line.startswith(("OK ", "ERR ", "STATE ")):
                self._replies.put_nowait(line)
            self._changed.set()
            self._changed = asyncio.Event()

    async def control(self, line: str) -> str:
        """Send one control line; returns the reply's text after OK (raises on ERR)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write((line + "\n").encode())
        await self._proc.stdin.drain()
        async with asyncio.timeout(5):
            reply = await self._replies.get()
        kind, _, text = reply.partition(" ")
        if kind == "ERR":
            raise AssertionError(f"control line refused: {text}")
        return text

    async def state(self) -> dict[str, Any]:
        return json.loads(await self.control("state"))  # type: ignore[no-any-return]

    async def positions(self) -> list[dict[str, Any]]:
        return (await self.state())["positions"]  # type: ignore[no-any-return]

    async def chart_comment(self) -> str:
        """What the EA last put on its chart with ``Comment()``."""
        return (await self.control("comment")).replace("|", "\n")

    async def monitor_figures(self) -> tuple[int, int]:
        """(seq, unacknowledged) from a Monitor's chart comment, once it shows them (the comment is
        blank between OnDeinit and the next timer event)."""
        async with asyncio.timeout(5):
            while (m := re.search(r"seq (\d+), unacknowledged (\d+)",
                                  await self.chart_comment())) is None:
                await asyncio.sleep(0.02)
        return int(m.group(1)), int(m.group(2))

    def alerts(self) -> list[str]:
        """Every ``Alert()`` the EA raised so far, in order."""
        return [line.removeprefix("ALERT ") for line in self.lines if line.startswith("ALERT ")]

    async def wait_output(self, needle: str, timeout: float = 5.0) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for line in self.lines:
                    if needle in line:
                        return line
                await self._changed.wait()

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it neither reads nor answers until ``resume``, while
        the frames sent to it wait in its socket — a slow or busy terminal."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.returncode

    async def stop(self) -> int:
        if self._proc is None:
            return 0
        if self._proc.returncode is None and self._proc.stdin is not None:
            with contextlib.suppress(ConnectionError):
                self._proc.stdin.write(b"quit\n")
                await self._proc.stdin.drain()
            try:
                async with asyncio.timeout(5):
                    await self._proc.wait()
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        return self._proc.returncode or 0


def offline_ea(binary: Path, files_dir: Path, login: int = 1001) -> EaProcess:
    """An EA with no copier to talk to: its URL names a loopback port nothing listens on, so it
    keeps reconnecting and nothing it sends is acknowledged."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return EaProcess(binary, files_dir, key="tc1.k", login=login,
                     url=f"ws://127.0.0.1:{port}/ea/v1")
