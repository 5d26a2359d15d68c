"""MT5 writes every time on the trade server's clock (https://www.mql5.com/en/docs/dateandtime/
timetradeserver), hours east or west of UTC. The session measures the difference at connect and
compares on the server's clock, so a restart neither loses nor duplicates a netting leg."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from msgspec import structs

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind, Retcode
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.execute import Executor
from copier.terminals.mt5.session import Session, now_ms, position_row, to_position
from copier.testbed.broker.clock import ManualClock
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.unit.mt5.test_executor import command

pytestmark = pytest.mark.timeout(20)
LEG_GAP_MS = 6_000  # longer than the slack find_trace allows between clocks


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def restarted(path: str) -> Executor:
    """A fresh worker's executor: no memory of what it ran, the offset measured anew."""
    session = Session(mt5, Mt5Config(path=path, login=7301, server="Sim-Demo"))
    session.connect()
    return Executor(session)


@pytest.mark.parametrize("offset_h", [3, -5])
def test_a_restart_neither_loses_nor_duplicates_a_netting_leg(offset_h: int) -> None:
    path = f"C:/netting-{offset_h}"
    profile = TerminalProfile(path=path, login=7301, server="Sim-Demo", hedging=False,
                              balance=100_000.0, server_offset_s=offset_h * 3600,
                              apply_lag_ms=0)  # a manual clock: trades show at once  # fmt: skip
    clock = ManualClock(now_ms() - LEG_GAP_MS)  # leg 1 fills 6 s before leg 2 is decided
    terminal = registry.register(SimTerminal.from_profile(profile, clock=clock))
    executor = restarted(path)
    assert executor.session.offset_ms == offset_h * 3_600_000

    leg1 = executor.execute(command(CommandKind.OPEN, volume=0.1))
    assert leg1.retcode == Retcode.DONE, leg1.message
    clock.set(now_ms())
    # Leg 2 of the same master ticket (same comment, same side), resent after a copier restart
    # before it ever ran: leg 1's deal is older than it and must not be taken for it.
    leg2 = command(CommandKind.OPEN, volume=0.2)
    first = restarted(path).execute(leg2, recover=True)
    # ... and resent once more after it did run: found, not opened a second time.
    again = restarted(path).execute(structs.replace(leg2), recover=True)

    assert first.retcode == Retcode.DONE, first.message
    assert again.retcode == Retcode.DUPLICATE, again.message
    positions = terminal.call("positions_get", symbol="EURUSD")
    assert [round(p.volume, 2) for p in positions] == [0.3]


def test_times_reported_to_the_copier_are_utc_whatever_the_servers_zone() -> None:
    path = "C:/east"
    profile = TerminalProfile(path=path, login=7301, server="Sim-Demo", server_offset_s=3 * 3600)
    terminal = registry.ensure(profile)
    executor = restarted(path)
    before = now_ms()
    executor.execute(command(CommandKind.OPEN, volume=0.1))

    raw = terminal.call("positions_get")[0]
    position = to_position(position_row(raw), 0.0, executor.session.offset_ms)

    assert raw.time_msc >= before + 3 * 3_600_000  # the server's clock, as MT5 writes it
    assert before <= position.open_time_ms <= now_ms()
