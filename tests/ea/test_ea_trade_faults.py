"""The Executors under a trade server that misbehaves as real ones do (harness/runtime/
mql_faults.hpp): a requote or off quotes is retried, a busy server is waited out, a timeout after
which the order did fill is recognised by the copy's comment, and an MT5 deal the server only
placed (TRADE_RETCODE_PLACED, deal 0) is followed until its position exists — each open is
reported with the copy's ticket and copied exactly once (issue #11)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness.world import Copier, copier_world, until

from copier.store.queries import CopyRecord

pytestmark = pytest.mark.timeout(60)

CASES = [("monitor4", "executor4", "requote"), ("monitor4", "executor4", "off_quotes"),
         ("monitor4", "executor4", "busy 300"), ("monitor4", "executor4", "timeout"),
         ("monitor5", "executor5", "requote"), ("monitor5", "executor5", "off_quotes"),
         ("monitor5", "executor5", "timeout"), ("monitor5", "executor5", "placed 300")]


async def _answered(world: Copier, kind: str) -> CopyRecord:
    rows: list[CopyRecord] = []

    async def done() -> bool:
        rows[:] = [r for r in world.app.store.query_copies()
                   if r.kind == kind and r.retcode is not None]
        return bool(rows)
    await until(done, f"the {kind} answered", 15)
    return rows[0]


@pytest.mark.parametrize(("master", "slave", "fault"), CASES)
async def test_an_open_meeting_a_trade_server_fault_is_copied_once_and_reported_with_its_ticket(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, fault: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        await world.slave.control(f"trade_fault {fault}")
        ticket = await world.master.control("open EURUSD buy 0.10")
        opened = await _answered(world, "open")
        await world.slave.wait_output("FAULT trade")
        copies = [p for p in await world.slave.positions() if p["comment"] == f"TC|{ticket}"]

        await world.master.control(f"close {ticket}")

        async def flat() -> bool:
            return await world.slave.positions() == []
        await until(flat, "the copy closed", 15)
        await asyncio.sleep(0.3)
        state = await world.slave.state()

    assert (opened.retcode, opened.status) == (10009, "executed"), opened.message
    assert len(copies) == 1 and opened.slave_ticket == copies[0]["ticket"]
    if slave == "executor4":
        assert [h["comment"] for h in state["history"]] == [f"TC|{ticket}"]
    else:
        assert [(d["entry"], d["vol"]) for d in state["deals"]] == [(0, 0.2), (1, 0.2)]


@pytest.mark.parametrize(("master", "slave"), [("monitor4", "executor4"),
                                               ("monitor5", "executor5")])
async def test_a_close_that_timed_out_but_was_done_is_reported_done(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        ticket = await world.master.control("open EURUSD buy 0.10")
        await _answered(world, "open")
        await world.slave.control("trade_fault timeout")
        await world.master.control(f"close {ticket}")
        closed = await _answered(world, "close")
        positions = await world.slave.positions()

    assert (closed.retcode, closed.status) == (10009, "executed"), closed.message
    assert positions == []
