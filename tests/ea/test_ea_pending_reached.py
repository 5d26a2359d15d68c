"""A pending copy the market reaches on its way, through the compiled Executors: the slave's
trade server finds the order on the wrong side of the market and refuses it (harness fault
"reached": MT4 129 ERR_INVALID_PRICE, MT5 10015 TRADE_RETCODE_INVALID_PRICE), the Executor
reports it with the protocol's code (§14), and the copier asks the EA for current quotes and
opens the copy at market — no failed copy, one position, no pending order left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.world import copier_world, until

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(("master", "slave"),
                         [("monitor4", "executor4"), ("monitor5", "executor5")])
async def test_a_pending_copy_the_market_reached_on_its_way_is_opened_at_market(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        await world.slave.control("trade_fault reached")
        order = await world.master.control("pending EURUSD buy_stop 0.10 1.0900")

        async def opened() -> bool:
            held = [(p["sym"], p["side"], p["vol"], p["comment"])
                    for p in await world.slave.positions()]
            return held == [("EURUSD.m", "buy", 0.2, f"TC|{order}")] \
                and world.app.service.busy == 0
        try:
            await until(opened, "the copy opened at market on the slave")
        except AssertionError:
            print("ROWS", [(r.kind, r.retcode, r.message) for r in world.app.store.query_copies()])
            print("STATE", await world.slave.state())
            print("TICKETS", world.app.service.tickets())
            raise
        await world.slave.wait_output("FAULT trade reached")
        state = await world.slave.state()
        await world.app.store.flush()
        rows = sorted((r.kind, r.retcode) for r in world.app.store.query_copies())

    assert state["orders"] == []
    assert rows == [("open", 10009), ("place_pending", 10015)], rows


@pytest.mark.parametrize(("master", "slave"),
                         [("monitor4", "executor4"), ("monitor5", "executor5")])
async def test_a_change_to_a_pending_copy_the_market_fills_on_its_way_is_not_a_failure(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    """The demo under load (MT5 direct, the same in the EAs): the Executor looks at the copy,
    the slave's market fills it, the change meets a position (MT4) or no order (MT5 10035).
    The copy is reported as filled first (10025, protocol §14), not as a failed change."""
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        order = await world.master.control("pending EURUSD buy_limit 0.10 1.0800")

        async def placed() -> bool:
            return any(o["comment"] == f"TC|{order}" for o in (await world.slave.state())["orders"])
        await until(placed, "the pending copy placed on the slave")
        await world.slave.control("trade_fault reached")
        await world.master.control(f"modify {order} price=1.0810")

        async def answered() -> bool:
            await world.app.store.flush()
            return any(r.kind == "modify_pending" for r in world.app.store.query_copies()) \
                and world.app.service.busy == 0
        await until(answered, "the change answered")
        await world.slave.wait_output("FAULT trade reached")
        state = await world.slave.state()
        await world.app.store.flush()
        rows = sorted((r.kind, r.retcode, r.status) for r in world.app.store.query_copies())

    assert [(p["side"], p["comment"]) for p in state["positions"]] == [("buy", f"TC|{order}")]
    assert state["orders"] == []
    assert [(kind, code) for kind, code, _ in rows] == \
        [("modify_pending", 10025), ("place_pending", 10009)], rows
