"""The worker's poll reads positions and orders as of one moment, even when a pending order fills
between the two calls that read them."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import EventKind
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.protocol import Changes
from copier.terminals.mt5.worker import Worker
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.profiles import APPLY_LAG_MS, TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(20)
PATH = "C:/master-poll"


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


class FillsBetweenReads:
    """The stand-in module; once armed, the market fills the pending order right after the
    positions were read and before the orders are."""

    def __init__(self, terminal: SimTerminal, mid: float) -> None:
        self.terminal = terminal
        self.mid = mid
        self.armed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def positions_get(self, **kwargs: Any) -> Any:
        positions = mt5.positions_get(**kwargs)
        if self.armed:
            self.armed = False
            self.terminal.move_market("EURUSD", self.mid)
        return positions


def simulated(config: Mt5Config) -> Mt5Config:
    """The worker is handed the stand-in's module directly; the config says it is a simulation."""
    return replace(config, backend=StandIn())


def test_a_pending_order_filling_between_the_two_reads_is_one_fill_not_a_fill_close_and_open() -> (
    None
):
    profile = TerminalProfile(path=PATH, login=7101, server="Sim-Demo", balance=100_000.0)
    terminal = registry.ensure(profile)
    ask = terminal.call("symbol_info_tick", "EURUSD").ask
    module = FillsBetweenReads(terminal, ask + 0.003)
    config = Mt5Config(path=PATH, login=7101, server="Sim-Demo", symbols=("EURUSD",))
    parent_end, worker_end = multiprocessing.Pipe()
    worker = Worker(module, simulated(config), worker_end, worker_end, None)
    try:
        worker._try_connect()  # the first poll is the baseline
        placed = terminal.call("order_send", {
            "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
            "type": mt5.ORDER_TYPE_BUY_STOP, "price": round(ask + 0.002, 5),
        })  # fmt: skip
        time.sleep(APPLY_LAG_MS / 1000 + 0.01)  # the terminal shows the order a moment later
        worker._poll()
        module.armed = True
        worker._poll()

        changes = [m for m in _drain(parent_end) if isinstance(m, Changes)]
    finally:
        parent_end.close()
        worker_end.close()

    kinds = [e.kind for c in changes for e in c.events]
    assert kinds == [EventKind.PENDING_PLACED, EventKind.PENDING_FILLED]
    assert [p.ticket for p in changes[-1].baseline.positions] == [placed.order]


def _drain(connection: Any) -> list[Any]:
    messages = []
    while connection.poll(0.2):
        messages.append(connection.recv())
    return messages
