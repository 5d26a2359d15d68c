"""Pending orders through the compiled EAs and the real bridge: a master's order is placed, moved,
filled and deleted on the slave, and a netting MT5 slave nets, reduces and closes its copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness.world import Copier, copier_world, until

pytestmark = pytest.mark.timeout(60)


async def _slave_orders(world: Copier) -> list[dict[str, Any]]:
    return (await world.slave.state())["orders"]  # type: ignore[no-any-return]


async def _order_copy(world: Copier, ticket: str) -> dict[str, Any] | None:
    found = [o for o in await _slave_orders(world) if o["comment"] == f"TC|{ticket}"]
    return found[0] if len(found) == 1 else None


async def _wait_order(world: Copier, ticket: str, **want: Any) -> None:
    async def matches() -> bool:
        copy = await _order_copy(world, ticket)
        return copy is not None and all(copy[k] == v for k, v in want.items())
    await until(matches, f"slave order for #{ticket} with {want}")


@pytest.mark.parametrize(("master", "slave"),
                         [("monitor4", "executor4"), ("monitor5", "executor5")])
async def test_pending_orders_are_placed_moved_filled_and_deleted_on_the_slave(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        limit = await world.master.control("pending EURUSD buy_limit 0.10 1.0800 sl=1.0750")
        await _wait_order(world, limit, sym="EURUSD.m", type=2, vol=0.2, price=1.08, sl=1.075)

        await world.master.control(f"modify {limit} price=1.0810")
        await _wait_order(world, limit, price=1.081)

        stop = await world.master.control("pending EURUSD sell_stop 0.10 1.0700")
        await _wait_order(world, stop, type=5, vol=0.2, price=1.07)
        await world.master.control(f"delete {stop}")

        async def stop_copy_deleted() -> bool:
            return await _order_copy(world, stop) is None
        await until(stop_copy_deleted, "the sell stop's copy deleted")

        await world.master.control("price EURUSD 1.0805 1.0807")  # the master's limit fills

        async def limit_copy_filled() -> bool:
            positions = await world.slave.positions()
            held = [(p["sym"], p["side"], p["vol"], p["sl"]) for p in positions]
            return held == [("EURUSD.m", "buy", 0.2, 1.075)] and await _slave_orders(world) == []
        await until(limit_copy_filled, "the limit's copy filled at market on the slave")

        filled = (await world.master.positions())[0]["ticket"]
        await world.master.control(f"close {filled}")

        async def flat() -> bool:
            return await world.slave.positions() == []
        await until(flat, "the filled copy closed")


async def test_a_netting_mt5_slave_nets_reduces_and_closes_its_copies(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5",
                            slave_margin="netting") as world:
        first = await world.master.control("open EURUSD buy 0.10")
        second = await world.master.control("open EURUSD buy 0.20")
        await until(lambda: _netted(world, [("buy", 0.6)]), "both copies netted into one buy")

        await world.master.control(f"modify {second} sl=1.0800")
        await until(lambda: _netted(world, [("buy", 0.6)], sl=1.08), "the netting position's SL")

        await world.master.control(f"close {first}")
        await until(lambda: _netted(world, [("buy", 0.4)]), "the first copy's share closed")

        hedge = await world.master.control("open EURUSD sell 0.30")
        await until(lambda: _netted(world, [("sell", 0.2)]), "a sell copy reversed the position")

        await world.master.control(f"close {second}")
        await until(lambda: _netted(world, [("sell", 0.6)]), "the second buy's share closed")

        await world.master.control(f"close {hedge}")
        await until(lambda: _netted(world, []), "the slave flat")
        deals = (await world.slave.state())["deals"]

    entries = [(d["type"], d["entry"], d["vol"]) for d in deals]
    assert entries == [(0, 0, 0.2), (0, 0, 0.4), (1, 1, 0.2), (1, 2, 0.6), (1, 0, 0.4), (0, 1, 0.6)]


async def _netted(world: Copier, want: list[tuple[str, float]], sl: float | None = None) -> bool:
    positions = await world.slave.positions()
    held = [(p["side"], p["vol"]) for p in positions]
    return held == want and (sl is None or all(p["sl"] == sl for p in positions))
