"""Frames between the EAs and the bridge duplicated, delayed and reordered by a proxy: every master
event is still copied exactly once per slave, and the copier's bookkeeping stays exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fault.checks import all_executed, verify_slaves, verify_store
from tests.fault.proxy import FaultProxy
from tests.fault.tally import TALLY
from tests.fault.world import FaultWorld, MasterStream, wait_until

pytestmark = pytest.mark.timeout(120)

EVENTS = 300
SEED = 31


async def test_duplicated_delayed_and_reordered_frames_copy_each_event_exactly_once(
    tmp_path: Path,
) -> None:
    world = FaultWorld(tmp_path, seed=SEED)
    world.copier.start()
    await world.copier.wait_listening()
    proxy = FaultProxy(world.url, seed=SEED)
    await proxy.start()
    world.start_eas(lambda _account: proxy.url)
    try:
        await world.all_connected()
        stream = MasterStream(world, seed=SEED)
        await stream.run(EVENTS)
        await wait_until(lambda: all_executed(world, stream.events), 30, "every copy executed")
        await wait_until(lambda: not world.outbox.unacked, 15, "every event acknowledged")
        await wait_until(lambda: world.outbox_size() == 0, 15, "the copier's outbox empty")
    finally:
        for ea in world.eas():
            await world.stop_ea(ea)
        # The proxy lives in this process, whose loop the copier's (blocking) stop below halts:
        # it must be gone first, or the copier waits for closing handshakes nobody answers.
        await proxy.stop()
        await world.close()

    verdict = verify_slaves(world, stream.events)
    stored = verify_store(world)
    TALLY.restarts += proxy.counts.sessions
    TALLY.add_stream(verdict.events, verdict.copies_checked, verdict.lost, verdict.duplicated)
    assert proxy.counts.duplicated > 50 and proxy.counts.delayed > 50  # the faults did happen
    assert verdict.clean, verdict.describe()
    assert stored == []
    assert "Traceback" not in world.copier.log_text()
