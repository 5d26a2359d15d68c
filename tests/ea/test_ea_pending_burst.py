"""A master's pending order moved or deleted before the slave's placement result came back: the
command carries no slave ticket, and the compiled Executors find the pending copy by its
TC|<master ticket> comment — the slave ends with the copy moved, or with no copy at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.world import Copier, copier_world, until

from copier.engine.state import TicketState

pytestmark = pytest.mark.timeout(60)
EXECUTORS = [("monitor4", "executor4", "hedging"), ("monitor5", "executor5", "hedging"),
             ("monitor5", "executor5", "netting")]


async def _place_and_then_while_the_slave_is_frozen(world: Copier, then: str) -> str:
    """The master places a pending order and at once moves or deletes it (``then`` with
    ``{ticket}``) while the slave's terminal does not answer: both commands are routed before
    the placement's result, so the second names no slave ticket."""
    slave_terminal = world.server.terminal(world.slave_id)
    world.slave.pause()
    try:
        ticket = await world.master.control("pending EURUSD buy_limit 0.10 1.0800")
        await world.master.control(then.format(ticket=ticket))

        async def both_routed() -> bool:
            return slave_terminal.pending_commands == 2
        await until(both_routed, "placement and change routed before any result", 5)
    finally:
        world.slave.resume()

    async def both_answered() -> bool:
        return slave_terminal.pending_commands == 0
    await until(both_answered, "both commands answered")
    return ticket


def _link_state(world: Copier, ticket: str) -> TicketState:
    [link] = [t for t in world.app.service.tickets() if t.master_ticket == int(ticket)]
    return link.state


@pytest.mark.parametrize(("master", "slave", "margin"), EXECUTORS)
async def test_a_pending_order_deleted_before_the_placement_result_leaves_no_copy(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str,
        margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _place_and_then_while_the_slave_is_frozen(world, "delete {ticket}")

        async def copy_deleted() -> bool:
            return _link_state(world, ticket) is TicketState.CLOSED
        await until(copy_deleted, "the copy's link closed by the delete")
        state = await world.slave.state()

    assert state["orders"] == [] and state["positions"] == []
    if slave == "executor4":  # MT4 lists deleted pending orders in its history
        deleted = [(h["type"], h["comment"]) for h in state["history"]]
        assert deleted == [(2, f"TC|{ticket}")]


@pytest.mark.parametrize(("master", "slave", "margin"), EXECUTORS)
async def test_a_pending_order_moved_before_the_placement_result_moves_the_copy(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str,
        margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        move = "modify {ticket} price=1.0810"
        ticket = await _place_and_then_while_the_slave_is_frozen(world, move)
        state = await world.slave.state()

    held = [(o["type"], o["price"], o["comment"]) for o in state["orders"]]
    assert held == [(2, 1.081, f"TC|{ticket}")]
    assert _link_state(world, ticket) is TicketState.PENDING
