"""The copier dies between writing a decision's commands to the slaves and committing the
decision (``copier.failpoints`` "after_send"), at seeded points of a stream of opens, partial
closes, SL/TP changes and closes to 10 slaves, and is restarted each time: nothing is lost and
nothing done twice. What makes it hold (docs/store.md, "Send before the commit"): the event was
not acknowledged, so the monitor sends it again; the copier decides it again to the same command
ids, which the executors remember, and a copy whose command id an executor lost is found already
in the state the command leaves it in (protocol §14)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from tests.fault.checks import verify_slaves, verify_store
from tests.fault.tally import TALLY
from tests.fault.test_copier_killed import _copier_up, _settle
from tests.fault.world import FaultWorld, MasterStream

pytestmark = pytest.mark.timeout(240)

SEED = 20261207
EVENTS = 250
KILLS = 5


@pytest.mark.parametrize(("point", "burst"), [("after_send", 1), ("inside_run", 4)])
async def test_a_copier_dying_between_send_and_commit_copies_every_event_exactly_once(
    tmp_path: Path, point: str, burst: int
) -> None:
    """``inside_run``: the master trades four times between two looks of its monitor, so the
    copier gets the events as runs (docs/store.md, "Events that arrive together") and dies
    after an event of a run was sent, before the next was decided, nothing of it committed; the
    kills are counted, so runs that never formed would fail the test."""
    world = FaultWorld(tmp_path, seed=SEED)
    rng = random.Random(SEED)
    stream = MasterStream(world, seed=SEED)
    world.copier.start(f"{point}:{rng.randint(3, 30)}")
    await world.copier.wait_listening()
    world.start_eas()
    await world.all_connected()
    deaths = 0
    try:
        for _ in range(EVENTS // burst):
            await stream.burst(burst)
            await asyncio.sleep(0.004 * burst)
            if world.copier.died:  # the failpoint was reached: restart it, as a trader would
                deaths += 1
                world.copier.kill()  # reaps it
                more = deaths < KILLS
                world.copier.start(f"{point}:{rng.randint(3, 30)}" if more else "")
                await _copier_up(world)
        if not world.copier.died and deaths < KILLS:  # one armed and not reached: disarm it
            world.copier.kill()
            world.copier.start()
            await _copier_up(world)
        unsettled = await _settle(world, stream)
    finally:
        await world.close()

    log = world.copier.log_text()
    verdict = verify_slaves(world, stream.events)
    stored = verify_store(world)
    TALLY.kill_points += deaths
    TALLY.send_commit_kills += deaths
    if point == "inside_run":
        TALLY.run_kills += deaths
    TALLY.add_stream(verdict.events, verdict.copies_checked, verdict.lost, verdict.duplicated)
    assert deaths == KILLS, f"the failpoint was reached {deaths} times, not {KILLS}:\n{log[-3000:]}"
    assert log.count(f"failpoint {point} reached") == KILLS
    assert verdict.clean, f"{unsettled}\n{verdict.describe()}"
    assert "Traceback" not in log
    assert stored == [], "reconciliation after kills: " + "; ".join(stored[:6])
