"""A close sent before its open's result came back names no slave ticket, so the MT5 Executor
walks the positions for the copy; a position of the slave's own that closes during that walk
(a stop loss, the trader) must not hide the copy, which would be refused as "no copy open" and
left open on the slave (issue #11: walks by index while the pool changes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.world import copier_world, open_and_close_with_the_slave_frozen, until

pytestmark = pytest.mark.timeout(60)


async def test_a_close_without_ticket_finds_its_copy_while_another_position_closes(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5") as world:
        own = await world.slave.control("open EURUSD.m buy 0.10")  # the slave's own, no TC| comment
        # the Executor's reads: 1 for the open's own-copy check, then the close's walk; the 3rd
        # read closes the slave's own position, below the copy
        await world.slave.control(f"during_scan 3 close {own}")
        slave_terminal = world.server.terminal(world.slave_id)
        await open_and_close_with_the_slave_frozen(world, "open EURUSD buy 0.10")

        async def answered() -> bool:  # by the slave, and its results written by the store
            stored = [r for r in world.app.store.query_copies() if r.retcode is not None]
            return slave_terminal.pending_commands == 0 and len(stored) == 2
        await until(answered, "both commands answered and their results stored")
        await world.slave.wait_output("FAULT close")
        positions = await world.slave.positions()
        rows = {r.kind: r for r in world.app.store.query_copies()}

    assert positions == []
    close = rows["close"]
    assert (close.retcode, close.status) == (10009, "executed"), close.message
