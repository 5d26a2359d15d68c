"""Mt5Terminal without a terminal host: the demo's set-up, and a machine without MetaTrader5."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from copier.terminals.base import Terminal
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.integration.test_mt5_support import RecordingSink

pytestmark = pytest.mark.timeout(60)


async def test_a_worker_builds_its_simulated_terminal_from_a_profile_and_says_it_is_simulated() -> (
    None
):
    profile = TerminalProfile(path="C:/MT5/demo-master", login=6001, server="Sim-Demo",
                              seed=11, trader_every_ms=40)  # fmt: skip
    config = Mt5Config(path=profile.path, login=profile.login, server=profile.server,
                       symbols=("EURUSD",), backend=StandIn(profile=profile))  # fmt: skip
    sink = RecordingSink()
    mt5 = Mt5Terminal(config)
    await mt5.start(sink)
    try:
        await sink.until(lambda: len(sink.events) >= 3, "the seeded trader's first changes")
        snapshot = await mt5.snapshot()

        connected = next(s for s in sink.statuses if s.connected)
        assert isinstance(mt5, Terminal) and mt5.kind == "mt5"
        assert "simulated" in connected.detail and connected.build.endswith("(simulated)")
        assert [e.seq for e in sink.events[:3]] == [1, 2, 3]
        assert snapshot.account.login == 6001 and "EURUSD" in snapshot.symbols
    finally:
        await mt5.stop()


@pytest.mark.skipif(
    importlib.util.find_spec("MetaTrader5") is not None,
    reason="the MetaTrader5 package is installed here, so its absence cannot be shown",
)
async def test_without_the_metatrader5_package_the_adapter_says_so_and_stops_trying() -> None:
    config = Mt5Config(path="C:/Program Files/MetaTrader 5/terminal64.exe", login=6002,
                       server="Broker-Live")  # fmt: skip
    sink = RecordingSink()
    mt5 = Mt5Terminal(config)
    await mt5.start(sink)
    try:
        await sink.until(lambda: sink.statuses, "a status")
        await asyncio.sleep(0.3)  # long enough for a restart, were one to happen

        assert "MetaTrader5 package is not installed" in sink.statuses[0].detail
        assert mt5.restarts == 0 and not mt5.connected
        with pytest.raises(ConnectionError, match="not installed"):
            await mt5.snapshot()
    finally:
        await mt5.stop()
