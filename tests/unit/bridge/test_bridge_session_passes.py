"""Passes over every live session (heartbeats) give way to other work between slices, so a
copy arriving during a pass over thousands of sessions waits for one slice, not the pass."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import pytest

from copier.bridge import BridgeServer, MemoryKeyVerifier
from copier.bridge.config import SESSION_SLICE, BridgeConfig
from copier.bridge.session import Session

pytestmark = pytest.mark.timeout(10)


class IdleSession:
    """What a heartbeat pass reads and calls on a session; every one is due a ping."""

    def __init__(self, log: list[str]) -> None:
        self.closing = False
        self.last_rx = time.perf_counter()
        self.last_ping = 0.0
        self._log = log

    def ping(self) -> None:
        self._log.append("ping")

    def close_soon(self, code: Any, reason: str) -> None:
        raise AssertionError("no session is silent here")


async def test_a_heartbeat_pass_lets_other_work_run_between_slices_of_sessions() -> None:
    server = BridgeServer(MemoryKeyVerifier({}), BridgeConfig(port=0))
    log: list[str] = []
    count = SESSION_SLICE * 10
    server._sessions = cast(set[Session], {IdleSession(log) for _ in range(count)})

    async def copy_arriving() -> None:
        log.append("copy")

    passing = asyncio.create_task(server.heartbeat_pass())
    await asyncio.sleep(0)  # the pass starts
    asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(copy_arriving()))
    await passing
    await asyncio.sleep(0)

    assert log.count("ping") == count
    assert "copy" in log
    assert log.index("copy") <= 4 * SESSION_SLICE, "the copy waited for the whole pass"
