"""A stand-in for the MetaTrader5 package: same functions, signatures, result types and constants,
backed by the simulated broker (``copier.testbed.broker``) instead of a Windows terminal.

Used only when asked for (``--simulate``, tests, the demo). Like the real package, one process is
bound to one terminal at a time through ``initialize(path, ...)``; calls before it fail with
``last_error() == (-10004, 'No IPC connection')``. Terminals are found by path in this process's
registry (:func:`copier.testbed.mt5standin.registry.register`) or, after :func:`use_endpoint`, on a
:class:`copier.testbed.mt5standin.host.TerminalHost` in another process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from copier.testbed.mt5standin import registry as _registry
from copier.testbed.mt5standin.client import OK as _OK
from copier.testbed.mt5standin.client import Error as _Error
from copier.testbed.mt5standin.client import LocalClient as _LocalClient
from copier.testbed.mt5standin.client import RemoteClient as _RemoteClient
from copier.testbed.mt5standin.client import TerminalClient as _TerminalClient
from copier.testbed.mt5standin.constants import *  # noqa: F403
from copier.testbed.mt5standin.constants import (
    ORDER_TYPE_BUY,
    ORDER_TYPE_SELL,
    RES_E_INTERNAL_FAIL_CONNECT,
    RES_E_INTERNAL_FAIL_INIT,
    TRADE_ACTION_DEAL,
    TRADE_RETCODE_DONE,
    TRADE_RETCODE_PRICE_OFF,
    TRADE_RETCODE_REQUOTE,
)
from copier.testbed.mt5standin.profiles import SimEndpoint
from copier.testbed.mt5standin.records import (
    AccountInfo,
    BookInfo,
    OrderCheckResult,
    OrderSendResult,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
    TradeRequest,
)

__version__ = "5.0.6231"
__author__ = "MetaQuotes Ltd."

__all__ = [  # the records; constants come in through the star import
    "AccountInfo",
    "BookInfo",
    "OrderCheckResult",
    "OrderSendResult",
    "SymbolInfo",
    "TerminalInfo",
    "Tick",
    "TradeDeal",
    "TradeOrder",
    "TradePosition",
    "TradeRequest",
]

_NO_IPC: _Error = (RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
_client: _TerminalClient | None = None
_last_error: _Error = _OK
_endpoint: SimEndpoint | None = None
DateLike = datetime | int | float


def use_endpoint(endpoint: SimEndpoint | None) -> None:
    """Find terminals on the host at ``endpoint`` (None: in this process's registry)."""
    global _endpoint
    _endpoint = endpoint


def _call(name: str, *args: Any, **kwargs: Any) -> Any:
    global _last_error
    if _client is None:
        _last_error = _NO_IPC
        return None
    result, _last_error = _client.call(name, args, kwargs)
    return result


# -- connection ------------------------------------------------------------------------------


def initialize(
    path: str | None = None,
    *,
    login: int | None = None,
    password: str | None = None,
    server: str | None = None,
    timeout: int | None = None,
    portable: bool = False,
) -> bool:
    global _client, _last_error
    shutdown()
    target = path or _registry.default_path()
    client: _TerminalClient | None
    if _endpoint is not None:
        client, error = _RemoteClient.attach(_endpoint, target or "")
    else:
        terminal = _registry.find(target)
        client = _LocalClient(terminal) if terminal is not None else None
        error = (RES_E_INTERNAL_FAIL_INIT, f"IPC initialize failed, no terminal at {target}")
    if client is None:
        _last_error = error
        return False
    _client = client
    ok = _call("initialize", login=login, password=password, server=server, timeout=timeout,
               portable=portable)
    if not ok:
        error = _last_error
        shutdown()
        _last_error = error
        return False
    return True


def login(
    login: int,
    *,
    password: str | None = None,
    server: str | None = None,
    timeout: int | None = None,
) -> bool:
    return bool(_call("login", login, password=password, server=server, timeout=timeout))


def shutdown() -> None:
    global _client
    if _client is not None:
        _client.close()
    _client = None


def version() -> tuple[int, int, str] | None:
    result: tuple[int, int, str] | None = _call("version")
    return result


def last_error() -> tuple[int, str]:
    return _last_error


def terminal_info() -> TerminalInfo | None:
    result: TerminalInfo | None = _call("terminal_info")
    return result


def account_info() -> AccountInfo | None:
    result: AccountInfo | None = _call("account_info")
    return result


# -- symbols and market data -----------------------------------------------------------------


def symbols_total() -> int | None:
    result: int | None = _call("symbols_total")
    return result


def symbols_get(group: str | None = None) -> tuple[SymbolInfo, ...] | None:
    result: tuple[SymbolInfo, ...] | None = _call("symbols_get", group=group)
    return result


def symbol_info(symbol: str, /) -> SymbolInfo | None:
    result: SymbolInfo | None = _call("symbol_info", symbol)
    return result


def symbol_info_tick(symbol: str) -> Tick | None:
    result: Tick | None = _call("symbol_info_tick", symbol)
    return result


def symbol_select(symbol: str, enable: bool = True) -> bool:
    return bool(_call("symbol_select", symbol, enable))


def market_book_add(symbol: str, /) -> bool:
    return bool(_call("market_book_add", symbol))


def market_book_get(symbol: str, /) -> tuple[BookInfo, ...] | None:
    result: tuple[BookInfo, ...] | None = _call("market_book_get", symbol)
    return result


def market_book_release(symbol: str, /) -> bool:
    return bool(_call("market_book_release", symbol))


def copy_rates_from(symbol: str, timeframe: int, date_from: DateLike, count: int, /) -> Any:
    return _call("copy_rates_from", symbol, timeframe, date_from, count)


def copy_rates_from_pos(symbol: str, timeframe: int, start_pos: int, count: int, /) -> Any:
    return _call("copy_rates_from_pos", symbol, timeframe, start_pos, count)


def copy_rates_range(symbol: str, timeframe: int, date_from: DateLike, date_to: DateLike, /) -> Any:
    return _call("copy_rates_range", symbol, timeframe, date_from, date_to)


def copy_ticks_from(symbol: str, date_from: DateLike, count: int, flags: int, /) -> Any:
    return _call("copy_ticks_from", symbol, date_from, count, flags)


def copy_ticks_range(symbol: str, date_from: DateLike, date_to: DateLike, flags: int, /) -> Any:
    return _call("copy_ticks_range", symbol, date_from, date_to, flags)


# -- orders, positions and history -----------------------------------------------------------


def orders_total() -> int | None:
    result: int | None = _call("orders_total")
    return result


def orders_get(
    *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
) -> tuple[TradeOrder, ...] | None:
    result: tuple[TradeOrder, ...] | None = _call(
        "orders_get", symbol=symbol, group=group, ticket=ticket
    )
    return result


def positions_total() -> int | None:
    result: int | None = _call("positions_total")
    return result


def positions_get(
    *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
) -> tuple[TradePosition, ...] | None:
    result: tuple[TradePosition, ...] | None = _call(
        "positions_get", symbol=symbol, group=group, ticket=ticket
    )
    return result


def history_orders_total(date_from: DateLike, date_to: DateLike, /) -> int | None:
    result: int | None = _call("history_orders_total", date_from, date_to)
    return result


def history_orders_get(
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    /,
    *,
    group: str | None = None,
    ticket: int | None = None,
    position: int | None = None,
) -> tuple[TradeOrder, ...] | None:
    result: tuple[TradeOrder, ...] | None = _call(
        "history_orders_get", date_from, date_to, group=group, ticket=ticket, position=position
    )
    return result


def history_deals_total(date_from: DateLike, date_to: DateLike, /) -> int | None:
    result: int | None = _call("history_deals_total", date_from, date_to)
    return result


def history_deals_get(
    date_from: DateLike | None = None,
    date_to: DateLike | None = None,
    /,
    *,
    group: str | None = None,
    ticket: int | None = None,
    position: int | None = None,
) -> tuple[TradeDeal, ...] | None:
    result: tuple[TradeDeal, ...] | None = _call(
        "history_deals_get", date_from, date_to, group=group, ticket=ticket, position=position
    )
    return result


# -- trading ---------------------------------------------------------------------------------


def order_calc_margin(action: int, symbol: str, volume: float, price: float, /) -> float | None:
    result: float | None = _call("order_calc_margin", action, symbol, volume, price)
    return result


def order_calc_profit(
    action: int, symbol: str, volume: float, price_open: float, price_close: float, /
) -> float | None:
    result: float | None = _call(
        "order_calc_profit", action, symbol, volume, price_open, price_close
    )
    return result


def order_check(request: dict[str, Any], /) -> OrderCheckResult | None:
    result: OrderCheckResult | None = _call("order_check", dict(request))
    return result


def order_send(request: dict[str, Any]) -> OrderSendResult | None:
    result: OrderSendResult | None = _call("order_send", dict(request))
    return result


# -- the real package's Python helpers, kept for scripts written against it ------------------


def _RawOrder(
    order_type: int,
    symbol: str,
    volume: float,
    price: float,
    comment: str | None = None,
    ticket: int | None = None,
) -> OrderSendResult | None:
    order: dict[str, Any] = {
        "action": TRADE_ACTION_DEAL,
        "symbol": symbol,
        "volume": volume,
        "type": order_type,
        "price": price,
        "deviation": 10,
    }
    if comment is not None:
        order["comment"] = comment
    if ticket is not None:
        order["position"] = ticket
    return order_send(order)


def Buy(
    symbol: str,
    volume: float,
    price: float | None = None,
    *,
    comment: str | None = None,
    ticket: int | None = None,
) -> OrderSendResult | None:
    return _market(ORDER_TYPE_BUY, symbol, volume, price, comment, ticket)


def Sell(
    symbol: str,
    volume: float,
    price: float | None = None,
    *,
    comment: str | None = None,
    ticket: int | None = None,
) -> OrderSendResult | None:
    return _market(ORDER_TYPE_SELL, symbol, volume, price, comment, ticket)


def _market(
    order_type: int,
    symbol: str,
    volume: float,
    price: float | None,
    comment: str | None,
    ticket: int | None,
) -> OrderSendResult | None:
    if price is not None:
        return _RawOrder(order_type, symbol, volume, price, comment, ticket)
    result: OrderSendResult | None = None
    for _ in range(10):
        info = symbol_info_tick(symbol)
        if info is None:
            return None
        quoted = info.ask if order_type == ORDER_TYPE_BUY else info.bid
        result = _RawOrder(order_type, symbol, volume, quoted, comment, ticket)
        if result is None:
            return None
        if result.retcode not in (TRADE_RETCODE_REQUOTE, TRADE_RETCODE_PRICE_OFF):
            break
    return result


def Close(
    symbol: str, *, comment: str | None = None, ticket: int | None = None
) -> bool | str | None:
    positions = positions_get(ticket=ticket) if ticket is not None else positions_get(symbol=symbol)
    tried = done = 0
    for pos in positions or ():
        tried += 1
        for _ in range(10):
            info = symbol_info_tick(symbol)
            if info is None:
                return None
            if pos.type == ORDER_TYPE_BUY:
                r = _RawOrder(ORDER_TYPE_SELL, symbol, pos.volume, info.bid, comment, pos.ticket)
            else:
                r = _RawOrder(ORDER_TYPE_BUY, symbol, pos.volume, info.ask, comment, pos.ticket)
            if r is None:
                return None
            if r.retcode not in (TRADE_RETCODE_REQUOTE, TRADE_RETCODE_PRICE_OFF):
                done += r.retcode == TRADE_RETCODE_DONE
                break
    if done > 0:
        return True if done == tried else "Partially"
    return False
