"""Passes over every live session (heartbeats, key re-checks) give way to other work between
slices, so a copy arriving during a pass over thousands of sessions waits for one slice, not the
pass."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from typing import Any, cast

import pytest

from copier.bridge import BridgeServer, CloseCode, MemoryKeyVerifier, Role
from copier.bridge.audit import AuditTrail
from copier.bridge.auth import AuthRefusal, KeyGrant
from copier.bridge.config import SESSION_SLICE, BridgeConfig
from copier.bridge.keywatch import RECHECK_CHUNK, KeyWatch
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


class KeyedSession:
    """What a key re-check pass reads and calls on a session."""

    def __init__(self, n: int) -> None:
        self.key_id = f"k{n}"
        self.closing = False
        self.role = Role.EXECUTOR
        self.key_expires_ms: int | None = None
        self.account_id = f"mt5:{n}@S"
        self.session_id = f"s{n}"
        self.address = "127.0.0.1"

    def close_soon(self, code: Any, reason: str) -> None:
        self.closing = True


class CountingVerifier:
    """Answers every re-check (keys ending in 7 are revoked) and remembers each question."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def verify(self, key: str, login: int, server: str) -> AuthRefusal:
        raise AssertionError("a re-check never verifies a secret")

    def recheck(self, key_ids: Collection[str]) -> dict[str, KeyGrant | AuthRefusal]:
        self.asked.append(len(key_ids))
        return {
            k: AuthRefusal(CloseCode.BAD_KEY, "revoked") if k.endswith("7") else KeyGrant("a", k)
            for k in key_ids
        }


class NoAudit:
    def record(self, action: str, detail: dict[str, Any]) -> None:
        return None


async def test_a_key_re_check_asks_a_slice_of_sessions_at_a_time_and_gives_way_between() -> None:
    verifier = CountingVerifier()
    watch = KeyWatch(verifier, 7, lambda: 0, cast(AuditTrail, NoAudit()))
    sessions = [KeyedSession(n) for n in range(RECHECK_CHUNK * 8)]
    log: list[str] = []

    async def copy_arriving() -> None:
        log.append(f"copy after {len(verifier.asked)} questions")

    passing = asyncio.create_task(watch.recheck(cast(list[Session], sessions)))
    await asyncio.sleep(0)  # the pass starts
    asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(copy_arriving()))
    closed = await passing

    assert max(verifier.asked) <= RECHECK_CHUNK and sum(verifier.asked) == len(sessions)
    assert closed == sum(1 for s in sessions if s.key_id.endswith("7"))
    assert log and log[0] != f"copy after {len(verifier.asked)} questions"
