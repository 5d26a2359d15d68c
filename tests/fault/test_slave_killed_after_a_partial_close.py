"""A slave terminal that fails right after a partial close (or an SL move), before the command's
id is written or with its id memory lost, gets the command again after it reconnects: it finds
the copy already as the command leaves it and answers 19003, so the copy keeps the master's
remaining fraction (issue #14). Through the whole product: reference EAs, the app's bridge, the
copy service, the engine and the store, in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from copier.app import CopierApp
from copier.domain import CommandKind, Platform, Retcode, Side
from copier.engine.config import LinkRules
from copier.events import CopyExecuted
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from tests.ea_app import app_with_eas
from tests.fault.crashes import Crash, CrashingExecutor

pytestmark = pytest.mark.timeout(60)

FAST = {"backoff_base_s": 0.05, "backoff_cap_s": 0.2}


@dataclass
class Copying:
    app: CopierApp
    master: SimBroker
    slave: SimBroker
    executor: CrashingExecutor
    answers: dict[str, list[int]]  # command id → the retcodes its results came back with

    async def settled(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not (condition() and self.app.service.inflight == 0):
            assert time.monotonic() < deadline, "not settled in time"
            await asyncio.sleep(0.02)


@asynccontextmanager
async def copying(
    tmp_path: Path, slave_platform: Platform, crash: tuple[CommandKind, Crash]
) -> AsyncIterator[Copying]:
    market = Market(seed=5)
    master = SimBroker(SimAccount(1001, "Demo-Server"), catalogue("standard"), market, seed=1)
    slave = SimBroker(SimAccount(2002, "Demo-Server", platform=slave_platform),
                      catalogue("standard"), market, seed=2)  # fmt: skip
    executor = CrashingExecutor(slave, "slave", crashes=[crash])
    answers: dict[str, list[int]] = {}
    async with app_with_eas(tmp_path, master, slave, LinkRules(lot_value=2.0), executor=executor,
                            ea_settings=FAST) as (app, eas):  # fmt: skip
        executor.ea = eas[1]
        app.bus.subscribe(lambda e: answers.setdefault(e.command.id, []).append(e.result.retcode)
                          if isinstance(e, CopyExecuted) else None)  # fmt: skip
        yield Copying(app, master, slave, executor, answers)


def _volumes(broker: SimBroker) -> list[float]:
    return [round(p.volume, 2) for p in broker.positions()]


@pytest.mark.parametrize("slave_platform", [Platform.MT5, Platform.MT4], ids=["mt5", "mt4"])
@pytest.mark.parametrize("failure", [Crash.KILLED, Crash.MEMORY_LOST], ids=["killed", "lost"])
async def test_a_slave_failing_after_a_partial_close_keeps_the_masters_remaining_fraction(
    tmp_path: Path, slave_platform: Platform, failure: Crash
) -> None:
    async with copying(tmp_path, slave_platform, (CommandKind.CLOSE, failure)) as world:
        ticket = world.master.open_market("EURUSD", Side.BUY, 0.2).position
        await world.settled(lambda: _volumes(world.slave) == [0.4])
        welcomes = world.executor.ea.welcomes if world.executor.ea else 0

        world.master.close_position(ticket, 0.1)  # the master keeps half
        await world.settled(lambda: bool(world.executor.tried) and world.executor.ea is not None
                            and world.executor.ea.welcomes > welcomes)  # fmt: skip

    [(kind, crash, command_id)] = world.executor.tried
    assert (kind, crash) == (CommandKind.CLOSE, failure)
    assert _volumes(world.master) == [0.1] and _volumes(world.slave) == [0.2]
    assert world.executor.executed_counts()[command_id] == 1
    assert world.answers[command_id] == [Retcode.DUPLICATE]  # the resend, recognised by state


async def test_an_sl_move_resent_after_it_was_applied_is_answered_as_already_done(
    tmp_path: Path,
) -> None:
    async with copying(tmp_path, Platform.MT5, (CommandKind.MODIFY, Crash.MEMORY_LOST)) as world:
        ticket = world.master.open_market("EURUSD", Side.BUY, 0.2).position
        await world.settled(lambda: _volumes(world.slave) == [0.4])
        sl = round(world.master.quote("EURUSD").bid - 0.005, 5)

        world.master.modify_position(ticket, sl, 0.0)
        await world.settled(lambda: bool(world.executor.tried)
                            and [p.sl for p in world.slave.positions()] == [sl])  # fmt: skip
        await world.settled(lambda: bool(world.answers.get(world.executor.tried[0][2])))

    [(_, _, command_id)] = world.executor.tried
    assert world.executor.executed_counts()[command_id] == 1
    assert world.answers[command_id] == [Retcode.DUPLICATE]
