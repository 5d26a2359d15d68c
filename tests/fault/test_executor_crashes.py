"""Slave terminals failing right after a trade — killed before the command id was written, the id
memory lost, the result frame lost — for every command kind, at seeded random points of a stream
with partial closes, SL moves and pending orders placed, moved, deleted and filled, on hedging and
netting slaves: nothing is lost, nothing is traded twice, and every slave holds exactly what the
link's rules make of the master's book, read from the slave terminals.

``TC_CRASH_SEED`` picks another seeded stream; ``TC_CRASH_EVENTS`` sets its length (default 300;
with ``TC_HEAVY=1``, 3000, on four slaves, each failure tried ten times per kind and slave).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from copier.domain import CommandKind
from copier.testbed.broker.quotes import Market
from tests.fault.checks import verify_store
from tests.fault.crashes import Crash, CrashingExecutor, check_holdings, crashing
from tests.fault.rich_stream import RichStream
from tests.fault.tally import TALLY
from tests.fault.world import FaultWorld, wait_until

pytestmark = pytest.mark.timeout(600 if os.environ.get("TC_HEAVY") == "1" else 120)

SEED = int(os.environ.get("TC_CRASH_SEED", "20261207"))
HEAVY = os.environ.get("TC_HEAVY") == "1"
EVENTS = int(os.environ.get("TC_CRASH_EVENTS", "3000" if HEAVY else "300"))
PROFILES = ("slave-mt5", "slave-netting")  # hedging and netting, alternately
SLAVES = 4 if HEAVY else 2
REPEAT = 10 if HEAVY else 1  # times each (kind, failure) is tried per slave
CHANCE = 0.35  # of a crash at a traded command whose kind has failures still to try


async def test_executors_failing_after_a_trade_lose_nothing_and_trade_nothing_twice(
    tmp_path: Path,
) -> None:
    executor = crashing(SEED, CHANCE, REPEAT)
    world = FaultWorld(tmp_path, seed=SEED, slaves=SLAVES, profiles=PROFILES,
                       market=Market(seed=SEED), executor=executor)  # fmt: skip
    stream = RichStream(world, seed=SEED)
    world.copier.start()
    await world.copier.wait_listening()
    world.start_eas()
    executors: dict[str, CrashingExecutor] = {}
    for slave in world.slaves:
        assert isinstance(slave.executor, CrashingExecutor) and slave.ea is not None
        slave.executor.ea = slave.ea
        executors[slave.account_id] = slave.executor
    await world.all_connected()
    unsettled = ""
    try:
        await stream.run(EVENTS, pause_s=0.003)
        try:
            await wait_until(lambda: world.outbox_size() == 0 and check_holdings(world).clean,
                             30, "every slave as the rules make the master's book")  # fmt: skip
        except TimeoutError as exc:
            unsettled = str(exc)
    finally:
        await world.close()

    holdings = check_holdings(world)
    stored = verify_store(world)
    tried = {
        (slave.broker.margin_mode.value, kind.value, crash.value)
        for slave in world.slaves
        for kind, crash, _ in executors[slave.account_id].tried
    }
    for slave in world.slaves:
        for kind, crash, _ in executors[slave.account_id].tried:
            TALLY.executor_crashes[(slave.broker.margin_mode.value, kind.value, crash.value)] += 1
    TALLY.add_stream(stream.events, holdings.copies_checked, holdings.lost, holdings.duplicated)
    every = {(mode, kind.value, crash.value) for mode in ("hedging", "netting")
             for kind in CommandKind for crash in Crash}  # fmt: skip
    assert holdings.clean, f"{unsettled}\n" + "\n".join(holdings.problems[:30])
    assert stored == [], "reconciliation after the crashes: " + "; ".join(stored[:6])
    assert "Traceback" not in world.copier.log_text()
    assert every - tried == set(), f"crash points never reached: {sorted(every - tried)}"
