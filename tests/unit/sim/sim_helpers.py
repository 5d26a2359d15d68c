"""Helpers the simulator's unit tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from copier.domain import Command, CommandKind, OrderType, command_id, copy_comment
from copier.testbed.broker import SimBroker

BrokerFactory = Callable[..., SimBroker]


def set_price(broker: SimBroker, symbol: str, bid: float) -> None:
    """Move the market so ``symbol`` is bid at ``bid`` (its spread decides the ask)."""
    listing = broker.listing(symbol)
    assert listing is not None
    half = listing.spread_points * listing.spec.point / 2
    broker.market.set_mid(listing.underlying, bid + half)


def command(
    kind: CommandKind,
    master_ticket: int,
    seq: int,
    symbol: str = "EURUSD",
    order_type: OrderType = OrderType.BUY,
    **kw: Any,
) -> Command:
    """A command as a link would make it, with the TC|<master ticket> comment."""
    return Command(
        id=command_id(1, master_ticket, seq, kw.get("leg", 0)),
        link_id=1,
        slave_id="slave",
        kind=kind,
        master_ticket=master_ticket,
        symbol=symbol,
        order_type=order_type,
        comment=copy_comment(master_ticket),
        master_seq=seq,
        **kw,
    )
