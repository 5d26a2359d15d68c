"""An EA sends quotes only with its symbol specs (protocol §7), which the bridge asks for once a
minute: a pending copy is decided on current quotes (is its price already reached?), so the
copier can ask for them — and without asking, gets the quotes of the last specs."""

from __future__ import annotations

import asyncio

from test_bridge_support import FAST, bridge_world

from copier.terminals.ea.terminal import QUOTES_MAX_AGE_MS


async def test_fresh_quotes_are_asked_of_the_ea_when_the_last_ones_are_old() -> None:
    async with bridge_world() as world:
        slave = world.server.terminal(world.slave.account_id)
        first = await slave.snapshot()
        world.market.set_mid("EURUSD", world.market.mid("EURUSD") + 0.01)
        await asyncio.sleep(max(FAST.snapshot_max_age_ms, QUOTES_MAX_AGE_MS) / 1000 * 1.5)

        plain = await slave.snapshot()
        fresh = await slave.snapshot(fresh_quotes=True)

    assert plain.quotes["EURUSD"] == first.quotes["EURUSD"]  # a refresh without specs
    assert fresh.quotes["EURUSD"].bid > first.quotes["EURUSD"].bid + 0.009
