"""Plain builders of engine inputs for the engine tests: specs, accounts, events, links, views."""

from __future__ import annotations

from typing import Any

from msgspec import structs

from copier.domain import (
    AccountInfo,
    MarginMode,
    MasterEvent,
    OrderType,
    Platform,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from copier.engine.config import Link, LinkMode, LinkRules
from copier.engine.state import MasterView, SlaveView, TicketLink, TicketState

NOW = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC, a Tuesday


def spec(name: str = "EURUSD.m", **overrides: Any) -> SymbolSpec:
    values: dict[str, Any] = {
        "name": name,
        "digits": 5,
        "point": 0.00001,
        "contract_size": 100_000.0,
        "tick_size": 0.00001,
        "tick_value": 1.0,
        "volume_min": 0.01,
        "volume_max": 100.0,
        "volume_step": 0.01,
    }
    values.update(overrides)
    return SymbolSpec(**values)


def account(
    account_id: str = "slave",
    *,
    balance: float = 10_000.0,
    equity: float | None = None,
    margin: float = 0.0,
    margin_mode: MarginMode = MarginMode.HEDGING,
) -> AccountInfo:
    return AccountInfo(
        account_id=account_id,
        platform=Platform.MT5,
        login=1,
        server="Demo",
        currency="USD",
        margin_mode=margin_mode,
        balance=balance,
        equity=balance if equity is None else equity,
        margin=margin,
    )


def master_view(balance: float = 10_000.0, equity: float | None = None) -> MasterView:
    return MasterView(account=account("master", balance=balance, equity=equity))


def slave_view(*specs: SymbolSpec, **overrides: Any) -> SlaveView:
    symbols = {s.name: s for s in (specs or (spec(),))}
    view = SlaveView(account=overrides.pop("account", account()), symbols=symbols)
    return structs.replace(view, **overrides)


def netting_slave(*specs: SymbolSpec, **overrides: Any) -> SlaveView:
    return slave_view(*specs, account=account(margin_mode=MarginMode.NETTING), **overrides)


def link(mode: LinkMode = LinkMode.NORMAL, enabled: bool = True, **rules: Any) -> Link:
    defaults: dict[str, Any] = {"add_suffix": ".m"}
    defaults.update(rules)
    return Link(
        id=7,
        master_id="master",
        slave_id="slave",
        rules=LinkRules(**defaults),
        enabled=enabled,
        mode=mode,
    )


def event(kind: Any, ticket: int = 1001, **fields: Any) -> MasterEvent:
    values: dict[str, Any] = {
        "account_id": "master",
        "seq": 1,
        "kind": kind,
        "ticket": ticket,
        "symbol": "EURUSD",
        "order_type": OrderType.BUY,
        "volume": 1.0,
        "price": 1.10000,
        "time_ms": NOW - 50,
    }
    values.update(fields)
    return MasterEvent(**values)


def copy(
    master_ticket: int = 1001,
    *,
    volume: float = 1.0,
    master_volume: float = 1.0,
    side: Side = Side.BUY,
    state: TicketState = TicketState.OPEN,
    slave_ticket: int | None = 5001,
    **fields: Any,
) -> TicketLink:
    return TicketLink(
        link_id=7,
        master_ticket=master_ticket,
        slave_symbol=fields.pop("slave_symbol", "EURUSD.m"),
        side=side,
        state=state,
        slave_ticket=slave_ticket,
        slave_volume=volume,
        master_volume=master_volume,
        **fields,
    )


def position(
    ticket: int, volume: float, *, side: Side = Side.BUY, symbol: str = "EURUSD.m", **fields: Any
) -> Position:
    return Position(
        ticket=ticket, symbol=symbol, side=side, volume=volume, open_price=1.1, **fields
    )


def quote(symbol: str = "EURUSD.m", bid: float = 1.10000, ask: float = 1.10010) -> Quote:
    return Quote(symbol=symbol, bid=bid, ask=ask, time_ms=NOW)
