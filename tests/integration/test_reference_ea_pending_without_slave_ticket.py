"""The reference EA, as the MQL Executors: a pending move or delete sent before the placement's
result came back (``slave_ticket`` 0 on the wire) acts on the pending copy it finds by comment."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from test_bridge_reference_ea import _ea, _welcome, scripted
from websockets.asyncio.server import ServerConnection

pytestmark = pytest.mark.timeout(20)


def _command(seq: int, kind: str, **fields: Any) -> str:
    frame = {"t": "command", "id": f"L1-T7003-S{seq}", "kind": kind, "link": 1, "ticket": 7003,
             "sym": "EURUSD", "type": "buy_limit", "vol": 0.1, "slave_ticket": 0, "magic": 5,
             "comment": "TC|7003", "seq": seq, **fields}  # fmt: skip
    return json.dumps(frame)


async def _results_of(*frames: str) -> list[dict[str, Any]]:
    """Sends the frames back to back, as a copier does before any result, and collects one
    result per frame."""
    results: list[dict[str, Any]] = []

    async def burst(ws: ServerConnection, n: int) -> None:
        await ws.send(_welcome())
        for frame in frames:
            await ws.send(frame)
        async for raw in ws:
            message = json.loads(raw)
            if message["t"] == "result":
                results.append(message)
            if len(results) == len(frames):
                return

    async with scripted(burst) as (url, _):
        ea = _ea(url)
        task = asyncio.create_task(ea.run())
        async with asyncio.timeout(5):
            while len(results) < len(frames):
                await asyncio.sleep(0.005)
        await ea.stop()
        await task
    orders = ea.broker.orders()
    results.append({"orders": [(o.ticket, o.price_open, o.comment) for o in orders]})
    return results


async def test_a_delete_naming_no_slave_ticket_deletes_the_pending_copy() -> None:
    placed, deleted, held = await _results_of(
        _command(1, "place_pending", price=1.0),
        _command(2, "delete_pending", type="buy"),
    )

    assert (placed["rc"], deleted["rc"]) == (10009, 10009), deleted["msg"]
    assert deleted["ticket"] == placed["ticket"]
    assert held == {"orders": []}


async def test_a_move_naming_no_slave_ticket_moves_the_pending_copy() -> None:
    placed, moved, held = await _results_of(
        _command(1, "place_pending", price=1.0),
        _command(2, "modify_pending", price=0.999),
    )

    assert moved["rc"] == 10009, moved["msg"]
    assert held == {"orders": [(placed["ticket"], 0.999, "TC|7003")]}
