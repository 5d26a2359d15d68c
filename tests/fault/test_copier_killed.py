"""The copier process killed with SIGKILL at seeded points of a 1,000-event stream to 10 slaves,
restarted each time: every master event is copied exactly once per slave."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from tests.fault.checks import all_executed, verify_slaves, verify_store
from tests.fault.tally import TALLY
from tests.fault.world import FaultWorld, MasterStream, wait_until

pytestmark = pytest.mark.timeout(240)

SEED = 20260107
EVENTS = 1000
KILL_POINTS = 22


async def _copier_up(world: FaultWorld) -> None:
    await world.copier.wait_listening()
    await world.all_connected()


async def _settle(world: FaultWorld, stream: MasterStream) -> str:
    """Wait until every slave traded every event and the copier has every result stored; what
    did not happen is returned (the verdict then says which copies are missing)."""
    try:
        await wait_until(lambda: all_executed(world, stream.events), 30, "every copy executed")
        await wait_until(lambda: not world.outbox.unacked, 15, "every event acknowledged")
        await wait_until(lambda: world.outbox_size() == 0, 15, "the copier's outbox empty")
    except TimeoutError as exc:
        return str(exc)
    return ""


async def test_a_copier_killed_at_seeded_points_copies_every_event_exactly_once(
    tmp_path: Path,
) -> None:
    world = FaultWorld(tmp_path, seed=SEED)
    rng = random.Random(SEED)
    kill_at = set(rng.sample(range(20, EVENTS), KILL_POINTS))
    stream = MasterStream(world, seed=SEED)
    world.copier.start()
    await world.copier.wait_listening()
    world.start_eas()
    await world.all_connected()
    up: asyncio.Task[None] | None = None
    kills = 0
    try:
        for n in range(1, EVENTS + 1):
            await stream.step()
            await asyncio.sleep(0.004)  # about 100 events/s with the monitor's poll
            if n in kill_at:
                if up is not None:
                    await up  # each kill hits a copier that came back and reconnected its EAs
                await asyncio.sleep(rng.uniform(0.0, 0.01))  # anywhere in handling the event
                world.copier.kill()
                kills += 1
                world.copier.start()
                up = asyncio.create_task(_copier_up(world))
        if up is not None:
            await up
        unsettled = await _settle(world, stream)
    finally:
        await world.close()

    verdict = verify_slaves(world, stream.events)
    stored = verify_store(world)
    TALLY.kill_points += kills
    TALLY.add_stream(verdict.events, verdict.copies_checked, verdict.lost, verdict.duplicated)
    assert kills == KILL_POINTS
    assert verdict.clean, f"{unsettled}\n{verdict.describe()}"
    assert "Traceback" not in world.copier.log_text()
    assert stored == [], "reconciliation after kills: " + "; ".join(stored[:6])
