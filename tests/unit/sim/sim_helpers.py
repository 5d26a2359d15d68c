"""Helpers the simulator's unit tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from copier.sim import SimBroker

BrokerFactory = Callable[..., SimBroker]


def set_price(broker: SimBroker, symbol: str, bid: float) -> None:
    """Move the market so ``symbol`` is bid at ``bid`` (its spread decides the ask)."""
    listing = broker.listing(symbol)
    assert listing is not None
    half = listing.spread_points * listing.spec.point / 2
    broker.market.set_mid(listing.underlying, bid + half)
