"""A master's event that cannot be a real trade is refused with ``bad_value`` and not copied,
and the events after it go on (issue #15: price 1e308 and SL −5 were copied as an ``open``; a
2^64 ticket made a 1011 reconnect loop)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from test_bridge_security_support import RawEa
from test_bridge_support import FAST, bridge_world

from copier.bridge.protocol import Ack, Error, Role

pytestmark = pytest.mark.timeout(30)

SNAPSHOT = {
    "t": "snapshot", "sid": 0, "part": 1, "last": True, "time": 0, "balance": 10_000.0,
    "equity": 10_000.0, "margin": 0.0, "free": 10_000.0, "trade": True,
    "positions": [], "orders": [],
    "symbols": [{
        "name": "EURUSD", "digits": 5, "point": 1e-05, "contract": 100000, "tick_size": 1e-05,
        "tick_value": 1.0, "vol_min": 0.01, "vol_max": 100, "vol_step": 0.01, "stops": 0,
        "filling": 3, "currency": "USD", "bid": 1.10000, "ask": 1.10002,
    }],
}  # fmt: skip


def _event(seq: int, **fields: Any) -> str:
    event = {
        "t": "event", "seq": seq, "kind": "opened", "ticket": 700 + seq, "sym": "EURUSD",
        "type": "buy", "vol": 0.1, "price": 1.10002, "time": 1767225602345,
        "sl": 1.09, "tp": 1.12,
    }  # fmt: skip
    return json.dumps({**event, **fields})


async def test_impossible_events_are_refused_with_bad_value_and_not_copied() -> None:
    bad = {
        1: {"price": 1e308},
        2: {"sl": -5.0},
        3: {"ticket": 2**64},
        4: {"price": 1.5},  # 36 % away from the last quote: the fat-finger collar
        5: {"sl": 1.2},  # a buy's stop loss above its price
        6: {"vol": -0.1},
    }
    async with bridge_world(FAST, with_eas=False) as world:
        master = await RawEa.open(world.server.url)
        welcome = await master.hello(world.master.key, 1001, "Master-Demo", Role.MONITOR)
        assert welcome.welcome is not None
        await master.ws.send(json.dumps(SNAPSHOT))
        await asyncio.sleep(0.1)
        for seq, fields in bad.items():
            await master.ws.send(_event(seq, **fields))
        await master.ws.send(_event(7))  # a real trade after them
        await world.sink.wait_for(lambda: world.sink.last_seq == 7)
        frames = []
        async with asyncio.timeout(2):
            while not any(isinstance(f, Ack) and f.seq == 7 for f in frames):
                frames.append(await master.frames.get())
        still_open = master.ws.close_code is None
        await master.close()

    errors = [f for f in frames if isinstance(f, Error)]
    assert [e.ref for e in errors] == [f"event:{seq}" for seq in bad]
    assert {e.code for e in errors} == {"bad_value"}
    assert "1e+308 is more than 20% away" in errors[0].msg and "negative" in errors[1].msg
    assert "64 bits" in errors[2].msg and "20% away" in errors[3].msg
    assert "SL 1.2 is on the wrong side" in errors[4].msg
    assert [e.seq for e in world.sink.events] == [7]  # only the real trade was copied
    assert still_open  # no 1011 reconnect loop
