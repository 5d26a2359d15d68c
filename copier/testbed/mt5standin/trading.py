"""order_send, order_check and the margin/profit calculators of a simulated terminal.

A request is the package's dict; it is read into a :class:`TradeRequest` (unknown keys fail as in
the package) and carried out by the simulated broker. ``type_filling`` defaults to 0 (FOK) exactly
as in MetaTrader, so a client that leaves it out on an IOC-only symbol gets INVALID_FILL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from copier.domain import FillingFlag, OrderType, Retcode, Side, SymbolSpec
from copier.testbed.broker.records import Filling, TradeResult
from copier.testbed.broker.validation import filling_problem, volume_problem
from copier.testbed.mt5standin.books import ORDER_TYPE_OF
from copier.testbed.mt5standin.constants import (
    ORDER_TIME_DAY,
    ORDER_TIME_SPECIFIED,
    ORDER_TIME_SPECIFIED_DAY,
    RES_E_INVALID_PARAMS,
    TRADE_ACTION_CLOSE_BY,
    TRADE_ACTION_DEAL,
    TRADE_ACTION_MODIFY,
    TRADE_ACTION_PENDING,
    TRADE_ACTION_REMOVE,
    TRADE_ACTION_SLTP,
)
from copier.testbed.mt5standin.errors import CallError
from copier.testbed.mt5standin.records import OrderCheckResult, OrderSendResult, TradeRequest

if TYPE_CHECKING:
    from copier.testbed.mt5standin.terminal import SimTerminal

EXECUTED = "Request executed"
DAY_MS = 86_400_000
# The description of TRADE_RETCODE_FIFO_CLOSE (10045):
# https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes
FIFO_REFUSAL = "Position closing is allowed only by FIFO rule"


def handlers(t: SimTerminal) -> dict[str, Callable[..., Any]]:
    return {
        "order_send": lambda request: order_send(t, request),
        "order_check": lambda request: order_check(t, request),
        "order_calc_margin": lambda action, symbol, volume, price: calc_margin(
            t, action, symbol, volume, price
        ),
        "order_calc_profit": lambda action, symbol, volume, price_open, price_close: calc_profit(
            t, action, symbol, volume, price_open, price_close
        ),
    }


def read_request(request: Any) -> TradeRequest:
    if not isinstance(request, dict):
        raise CallError(RES_E_INVALID_PARAMS, "Invalid arguments")
    for key in request:
        if key not in TradeRequest._fields:
            raise CallError(RES_E_INVALID_PARAMS, f'Invalid "{key}" argument')
    return TradeRequest(**request)


def order_send(t: SimTerminal, request: Any) -> OrderSendResult:
    req = read_request(request)
    t.request_id += 1
    t.reader.hold_view()
    if t.profile.tradeapi_disabled:
        # Trading through the Python API is switched off in the terminal: refused as
        # "Autotrading disabled by client terminal" (10027). Which answer a real terminal gives
        # here is not documented; only a real one can show it.
        outcome = TradeResult(Retcode.CLIENT_DISABLES_AT, "AutoTrading disabled by client")
    elif not t.synced:
        # Still connecting to the trade server: TRADE_RETCODE_CONNECTION "No connection with the
        # trade server" (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes).
        outcome = TradeResult(Retcode.CONNECTION, "No connection with the trade server")
    elif req.action == TRADE_ACTION_DEAL and t.requotes_pending > 0:
        t.requotes_pending -= 1
        quote = t.broker.quote(req.symbol)
        outcome = TradeResult(Retcode.REQUOTE, "Requote", bid=quote.bid, ask=quote.ask)
    else:
        outcome = _carry_out(t, req)
    comment = EXECUTED if outcome.ok else outcome.comment
    return OrderSendResult(
        retcode=int(outcome.retcode),
        deal=outcome.deal,
        order=outcome.order,
        volume=outcome.volume,
        price=outcome.price,
        bid=outcome.bid,
        ask=outcome.ask,
        comment=comment,
        request_id=t.request_id,
        retcode_external=0,
        request=req,
    )


def _off_tick(t: SimTerminal, req: TradeRequest) -> TradeResult | None:
    """Prices and stops must be whole multiples of the symbol's SYMBOL_TRADE_TICK_SIZE, the
    "minimal price change" (https://www.mql5.com/en/docs/constants/environment_state/
    marketinfoconstants#enum_symbol_info_double), which on index and futures symbols is larger
    than the point; the server refuses others with TRADE_RETCODE_INVALID_PRICE (10015) or
    TRADE_RETCODE_INVALID_STOPS (10016)
    (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes)."""
    spec = t.broker.symbol_spec(req.symbol)
    if spec is None or spec.tick_size <= 0:
        return None
    priced = req.action in (TRADE_ACTION_PENDING, TRADE_ACTION_MODIFY)
    if priced and not on_tick(req.price, spec.tick_size):
        return TradeResult(Retcode.INVALID_PRICE, "Invalid price")
    if not (on_tick(req.sl, spec.tick_size) and on_tick(req.tp, spec.tick_size)):
        return TradeResult(Retcode.INVALID_STOPS, "Invalid stops")
    return None


def on_tick(price: float, tick_size: float) -> bool:
    steps = price / tick_size
    return abs(steps - round(steps)) < 1e-6


def _carry_out(t: SimTerminal, req: TradeRequest) -> TradeResult:
    b = t.broker
    refused = _off_tick(t, req) if req.action != TRADE_ACTION_REMOVE else None
    if refused is not None:
        return refused
    if req.action == TRADE_ACTION_DEAL:
        return _deal(t, req)
    if req.action == TRADE_ACTION_PENDING:
        return _pending(t, req)
    if req.action == TRADE_ACTION_SLTP:
        return b.modify_position(req.position, req.sl, req.tp)
    if req.action == TRADE_ACTION_MODIFY:
        return b.modify_pending(
            req.order, price=req.price, sl=req.sl, tp=req.tp, expiration_ms=_expiration(t, req)
        )
    if req.action == TRADE_ACTION_REMOVE:
        return b.delete_pending(req.order)
    if req.action == TRADE_ACTION_CLOSE_BY:
        return b.close_by(req.position, req.position_by)
    return TradeResult(Retcode.INVALID, f"unknown trade action {req.action}")


def _filling(value: int) -> Filling | None:
    try:
        return Filling(value)
    except ValueError:
        return None


def _deal(t: SimTerminal, req: TradeRequest) -> TradeResult:
    b = t.broker
    if req.type not in (0, 1):
        return TradeResult(Retcode.INVALID, f"order type {req.type} is not a market order")
    side = Side.BUY if req.type == 0 else Side.SELL
    filling = _filling(req.type_filling)
    if filling is None:
        return TradeResult(Retcode.INVALID_FILL, "Unsupported filling mode")
    if req.position:
        position = b.position(req.position)
        if position is None:
            return TradeResult(Retcode.POSITION_CLOSED, f"position #{req.position} is not open")
        if position.side is side:
            return TradeResult(Retcode.INVALID, "a close must be opposite to the position")
        if t.profile.fifo_close and _older_than(t, position):
            # ACCOUNT_FIFO_CLOSE: "each symbol positions will be closed in the same order, in
            # which they are opened, starting with the oldest one"
            # (https://www.mql5.com/en/docs/constants/environment_state/accountinformation).
            return TradeResult(Retcode.FIFO_CLOSE, FIFO_REFUSAL)
        return b.close_position(
            req.position,
            req.volume,
            price=req.price,
            deviation=req.deviation,
            comment=req.comment,
            filling=filling,
        )
    return b.open_market(
        req.symbol,
        side,
        req.volume,
        price=req.price,
        deviation=req.deviation,
        sl=req.sl,
        tp=req.tp,
        magic=req.magic,
        comment=req.comment,
        filling=filling,
    )


def _pending(t: SimTerminal, req: TradeRequest) -> TradeResult:
    order_type = ORDER_TYPE_OF.get(req.type)
    if order_type is None or order_type in (OrderType.BUY, OrderType.SELL):
        return TradeResult(Retcode.INVALID, f"order type {req.type} is not a pending order")
    spec = t.broker.symbol_spec(req.symbol)
    if spec is None:
        return TradeResult(Retcode.INVALID, f"{req.symbol}: unknown symbol")
    if req.symbol in t.profile.day_only_symbols and req.type_time != ORDER_TIME_DAY:
        # Only the lifetimes the symbol's SYMBOL_EXPIRATION_MODE allows: 10022 otherwise
        # (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes).
        return TradeResult(Retcode.INVALID_EXPIRATION, "Invalid expiration")
    # Pending orders take RETURN always, FOK/IOC only where the symbol's bitmask allows them.
    bit = {0: FillingFlag.FOK, 1: FillingFlag.IOC}.get(req.type_filling)
    if req.type_filling not in (0, 1, 2) or (bit is not None and not spec.filling_mode & bit):
        return TradeResult(Retcode.INVALID_FILL, "Unsupported filling mode")
    day = req.type_time == ORDER_TIME_DAY
    placed = t.broker.place_pending(
        req.symbol,
        order_type,
        req.volume,
        req.price,
        sl=req.sl,
        tp=req.tp,
        magic=req.magic,
        comment=req.comment,
        expiration_ms=end_of_trading_day(t) if day else _expiration(t, req) or 0,
    )
    if day and placed.ok:
        t.day_orders.add(placed.order)
    return placed


def end_of_trading_day(t: SimTerminal) -> int:
    """When an order good for the day (ORDER_TIME_DAY, "good till current trade day":
    https://www.mql5.com/en/docs/constants/tradingconstants/orderproperties#enum_order_type_time)
    expires: the next midnight on the trade server's clock, as UTC ms. The broker then removes
    it as expired, as it does an order whose own expiration has passed."""
    server_now = t.broker.now_ms() + t.offset_ms
    return (server_now // DAY_MS + 1) * DAY_MS - t.offset_ms


def _older_than(t: SimTerminal, position: Any) -> bool:
    """Whether another position on the symbol was opened before ``position``."""
    mine = (position.time_msc, position.ticket)
    return any((p.time_msc, p.ticket) < mine for p in t.broker.positions(position.symbol))


def _expiration(t: SimTerminal, req: TradeRequest) -> int | None:
    """The request's expiration (the trade server's clock) on the broker's UTC clock."""
    if req.type_time in (ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY) and req.expiration:
        return int(req.expiration) * 1000 - t.offset_ms
    return None


def order_check(t: SimTerminal, request: Any) -> OrderCheckResult:
    """Would the request pass? Volume, filling and margin, without trading (retcode 0: yes)."""
    req = read_request(request)
    b = t.broker
    spec = b.symbol_spec(req.symbol)
    margin_now = b.margin
    added = b.margin_for(req.symbol, req.volume) if spec and req.action == 1 else 0.0
    margin_after = margin_now + added
    problem: tuple[int, str] | None = None
    if spec is None:
        problem = (Retcode.INVALID, f"{req.symbol}: unknown symbol")
    elif req.action == TRADE_ACTION_DEAL and (text := volume_problem(spec, req.volume)):
        problem = (Retcode.INVALID_VOLUME, text)
    elif req.action == TRADE_ACTION_DEAL and (text := _filling_text(spec, req.type_filling)):
        problem = (Retcode.INVALID_FILL, text)
    elif added > b.margin_free:
        problem = (Retcode.NO_MONEY, "No money")
    equity = b.equity
    return OrderCheckResult(
        retcode=0 if problem is None else int(problem[0]),
        balance=b.balance,
        equity=equity,
        profit=b.floating_profit,
        margin=round(margin_after, 2),
        margin_free=round(equity - margin_after, 2),
        margin_level=round(equity / margin_after * 100.0, 2) if margin_after > 0 else 0.0,
        comment="Done" if problem is None else problem[1],
        request=req,
    )


def _filling_text(spec: SymbolSpec, type_filling: int) -> str | None:
    filling = _filling(type_filling)
    if filling is None:
        return "Unsupported filling mode"
    return filling_problem(spec, filling)


def calc_margin(t: SimTerminal, action: int, symbol: str, volume: float, price: float) -> float:
    listing = t.broker.listing(symbol)
    if listing is None or action not in (0, 1):
        raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
    spec, account = listing.spec, t.broker.account
    rate = t.broker.market.rate(spec.currency_profit, account.currency)
    return round(spec.contract_size * volume * price * rate / account.leverage, 2)


def calc_profit(
    t: SimTerminal, action: int, symbol: str, volume: float, price_open: float, price_close: float
) -> float:
    if t.broker.listing(symbol) is None or action not in (0, 1):
        raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
    side = Side.BUY if action == 0 else Side.SELL
    return t.broker.profit_of(symbol, side, volume, price_open, price_close)
