"""Each compiled EA, built with its own platform's runtime (MQL4 built-ins for .mq4, MQL5 for
.mq5), completes the WebSocket upgrade against the copier's real bridge and is welcomed.

The MQL4 case is issue #11's first finding: MQL4's StringTrimLeft/StringTrimRight return a trimmed
copy and leave their argument alone (https://docs.mql4.com/strings/stringtrimleft), so an EA that
called them as statements kept the space after "Sec-WebSocket-Accept:" and refused every upgrade
("bad Sec-WebSocket-Accept"); the harness used to give MQL4 the MQL5 in-place trim and hid it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness.run import EaProcess

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier, Role, account_id_for
from copier.domain import Platform

pytestmark = pytest.mark.timeout(60)

SERVER = "Harness-Demo"
CASES = {"monitor4": (Platform.MT4, Role.MONITOR), "executor4": (Platform.MT4, Role.EXECUTOR),
         "monitor5": (Platform.MT5, Role.MONITOR), "executor5": (Platform.MT5, Role.EXECUTOR)}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_the_ea_completes_the_upgrade_and_is_welcomed_by_the_bridge(
        ea_binaries: dict[str, Path], tmp_path: Path, name: str) -> None:
    platform, role = CASES[name]
    keys = MemoryKeyVerifier()
    account = account_id_for(platform, 1001, SERVER)
    server = BridgeServer(keys, BridgeConfig(port=0))
    await server.start()
    ea = EaProcess(ea_binaries[name], tmp_path, key=keys.issue(account, 1001, SERVER, 30),
                   url=server.url, login=1001)
    await ea.start()
    try:
        try:
            async with asyncio.timeout(10):
                while server.terminal(account).session(role) is None:
                    await asyncio.sleep(0.02)
        except TimeoutError:
            raise AssertionError("no session within 10 s:\n" + "\n".join(ea.lines[-8:])) from None
        welcomed = await ea.wait_output("welcome, account")
    finally:
        code = await ea.stop()
        await server.stop()

    assert code == 0
    assert "welcome" in welcomed
    assert not [line for line in ea.lines if "Sec-WebSocket-Accept" in line]
