"""When the copier stops reading, the MT4 EA's socket buffer stays full: NetSend gives up after a
quarter of a second and the session reconnects, instead of holding the terminal's thread while it
counts 2,000 Sleep(1) turns (about 30 s on Windows, where Sleep(1) lasts a 15.6 ms clock tick;
issue #11)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness.run import EaProcess

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier, Role, account_id_for
from copier.domain import Platform

pytestmark = pytest.mark.timeout(60)


async def test_a_send_into_a_full_socket_buffer_ends_the_session_within_a_second(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    keys = MemoryKeyVerifier()
    account = account_id_for(Platform.MT4, 1001, "Harness-Demo")
    server = BridgeServer(keys, BridgeConfig(port=0))
    await server.start()
    ea = EaProcess(ea_binaries["monitor4"], tmp_path, login=1001, url=server.url,
                   key=keys.issue(account, 1001, "Harness-Demo", 30))
    await ea.start()
    try:
        await ea.wait_output("welcome, account", 10)
        assert server.terminal(account).session(Role.MONITOR) is not None
        await ea.control("net stalled")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await ea.control("open EURUSD buy 0.10")  # its event finds the buffer full
        await ea.wait_output("session ended", 10)
        held = loop.time() - started
        await ea.control("net ok")
    finally:
        code = await ea.stop()
        await server.stop()

    assert code == 0
    assert held < 1.0, f"the EA held its thread {held:.2f} s"
