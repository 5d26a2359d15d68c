"""Switching the terminal's account under a running worker process: the adapter reports it as a
sentence and emits no events for either account's books; once the terminal is back on the
account, it carries on from where it was (https://www.mql5.com/en/docs/python_metatrader5/
mt5login_py: a login switches the terminal's account)."""

from __future__ import annotations

import asyncio

import pytest

from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.integration.test_mt5_support import RecordingSink

pytestmark = pytest.mark.timeout(60)
OURS = TerminalProfile(path="C:/MT5/shared/terminal64.exe", login=7701, server="Sim-Demo",
                       balance=100_000.0)  # fmt: skip
OTHER = TerminalProfile(path=OURS.path, login=7702, server="Sim-Demo", balance=100_000.0)


async def test_an_account_switch_under_a_running_worker_stops_the_diff_and_says_so() -> None:
    with TerminalHost() as host:
        terminal = host.add(OURS)
        assert host.add(OTHER) is terminal  # one terminal, two accounts it may log in to
        ours = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0}
        assert terminal.call("order_send", ours).retcode == 10009
        sink = RecordingSink()
        config = Mt5Config(path=OURS.path, login=OURS.login, server=OURS.server,
                           symbols=("EURUSD",),
                           backend=StandIn(endpoint=host.endpoint))  # fmt: skip
        adapter = Mt5Terminal(config)
        await adapter.start(sink)
        try:
            await sink.until(lambda: adapter.connected, "connected")
            await asyncio.sleep(0.2)
            seen = len(sink.events)

            terminal.switch_to(OTHER.login)
            await sink.until(lambda: not adapter.connected, "the switch reported")
            paused = sink.statuses[-1].detail
            await asyncio.sleep(OTHER.sync_ms / 1000 + 0.1)  # its trade server connected
            theirs = {**ours, "volume": 0.4, "type": 1}
            assert terminal.call("order_send", theirs).retcode == 10009  # the other account
            await asyncio.sleep(0.8)
            while_away = sink.events[seen:]

            terminal.switch_to(OURS.login)
            await sink.until(lambda: adapter.connected, "back on the account")
            await asyncio.sleep(0.8)
            after = sink.events[seen:]
        finally:
            await adapter.stop()

    assert f"logged in to account {OTHER.login}" in paused and "paused" in paused
    assert while_away == []  # no CLOSED for our position, no OPENED for theirs
    assert after == []  # nothing changed on our account meanwhile
