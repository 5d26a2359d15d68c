"""Symbols and market data of a simulated terminal: Market Watch, ticks, bars and depth of market.

Ticks are the quotes the terminal has seen (recorded as simulated time passes, for the symbols in
Market Watch); bars are built from them, so history starts when the terminal did — as on a fresh
terminal. Arrays have the real package's numpy dtypes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from copier.testbed.broker.broker import SimBroker
from copier.testbed.mt5standin.books import in_group, seconds
from copier.testbed.mt5standin.constants import (
    BOOK_TYPE_BUY,
    BOOK_TYPE_SELL,
    COPY_TICKS_ALL,
    RES_E_INVALID_PARAMS,
    RES_E_NOT_FOUND,
    SYMBOL_CALC_MODE_FOREX,
    SYMBOL_CHART_MODE_BID,
    SYMBOL_TRADE_EXECUTION_MARKET,
    SYMBOL_TRADE_MODE_FULL,
    TICK_FLAG_ASK,
    TICK_FLAG_BID,
)
from copier.testbed.mt5standin.errors import CallError
from copier.testbed.mt5standin.records import BookInfo, SymbolInfo, Tick

if TYPE_CHECKING:
    from copier.testbed.mt5standin.terminal import SimTerminal

TICK_DTYPE = [
    ("time", "<i8"),
    ("bid", "<f8"),
    ("ask", "<f8"),
    ("last", "<f8"),
    ("volume", "<u8"),
    ("time_msc", "<i8"),
    ("flags", "<u4"),
    ("volume_real", "<f8"),
]
RATE_DTYPE = [
    ("time", "<i8"),
    ("open", "<f8"),
    ("high", "<f8"),
    ("low", "<f8"),
    ("close", "<f8"),
    ("tick_volume", "<u8"),
    ("spread", "<i4"),
    ("real_volume", "<u8"),
]
TAPE_LENGTH = 100_000
SYMBOL_EXPIRATION_DAY = 2


def timeframe_seconds(timeframe: int) -> int:
    """TIMEFRAME_* value → bar length: minutes below 0x4000, hours with 0x4000, W1, MN1 (30 d)."""
    unit, count = timeframe & 0xC000, timeframe & 0x3FFF
    if unit == 0 and 1 <= count <= 30:
        return count * 60
    if unit == 0x4000 and 1 <= count <= 24:
        return count * 3600
    if unit == 0x8000 and count == 1:
        return 7 * 86_400
    if unit == 0xC000 and count == 1:
        return 30 * 86_400
    raise ValueError(f"unknown timeframe {timeframe}")


class TickTape:
    """The last quotes seen per symbol: (time_msc, bid, ask)."""

    def __init__(self) -> None:
        self.ticks: dict[str, deque[tuple[int, float, float]]] = {}

    def record(self, now_ms: int, symbols: Iterable[str], broker: SimBroker) -> None:
        for symbol in symbols:
            tape = self.ticks.setdefault(symbol, deque(maxlen=TAPE_LENGTH))
            if tape and tape[-1][0] >= now_ms:
                continue
            quote = broker.quote(symbol)
            if tape and (tape[-1][1], tape[-1][2]) == (quote.bid, quote.ask):
                continue  # an unchanged price is no new tick
            tape.append((now_ms, quote.bid, quote.ask))


def handlers(t: SimTerminal) -> dict[str, Callable[..., Any]]:
    return {
        "symbols_total": lambda: len(t.broker.catalogue.symbols),
        "symbols_get": lambda group=None: tuple(
            symbol_info(t, s) for s in t.broker.catalogue.symbols if in_group(s, group)
        ),
        "symbol_info": lambda symbol: symbol_info(t, symbol),
        "symbol_info_tick": lambda symbol: symbol_tick(t, symbol),
        "symbol_select": lambda symbol, enable=True: symbol_select(t, symbol, enable),
        "market_book_add": lambda symbol: _book_switch(t, symbol, True),
        "market_book_release": lambda symbol: _book_switch(t, symbol, False),
        "market_book_get": lambda symbol: market_book(t, symbol),
        "copy_ticks_from": lambda symbol, date_from, count, flags: _ticks(
            t, symbol, seconds(date_from) * 1000, None, count, flags
        ),
        "copy_ticks_range": lambda symbol, date_from, date_to, flags: _ticks(
            t, symbol, seconds(date_from) * 1000, seconds(date_to) * 1000, None, flags
        ),
        "copy_rates_from": lambda symbol, timeframe, date_from, count: _rates(
            t,
            symbol,
            timeframe,
            lambda bars: [b for b in bars if b[0] <= seconds(date_from)][-count:],
        ),
        "copy_rates_from_pos": lambda symbol, timeframe, start_pos, count: _rates(
            t, symbol, timeframe, lambda bars: bars[::-1][start_pos : start_pos + count][::-1]
        ),
        "copy_rates_range": lambda symbol, timeframe, date_from, date_to: _rates(
            t,
            symbol,
            timeframe,
            lambda bars: [b for b in bars if seconds(date_from) <= b[0] <= seconds(date_to)],
        ),
    }


def symbol_info(t: SimTerminal, symbol: str) -> SymbolInfo:
    t.require_symbol(symbol)
    spec = t.broker.symbol_spec(symbol)
    listing = t.broker.listing(symbol)
    assert spec is not None and listing is not None
    quote = t.broker.quote(symbol)
    name = spec.name
    return SymbolInfo(
        custom=False, chart_mode=SYMBOL_CHART_MODE_BID, select=symbol in t.selected,
        visible=symbol in t.selected, session_deals=0, session_buy_orders=0,
        session_sell_orders=0, volume=0, volumehigh=0, volumelow=0,
        time=(quote.time_ms + t.offset_ms) // 1000, digits=spec.digits,
        spread=listing.spread_points,
        spread_float=True, ticks_bookdepth=10, trade_calc_mode=SYMBOL_CALC_MODE_FOREX,
        trade_mode=SYMBOL_TRADE_MODE_FULL, start_time=0, expiration_time=0,
        trade_stops_level=spec.stops_level, trade_freeze_level=0,
        trade_exemode=SYMBOL_TRADE_EXECUTION_MARKET, swap_mode=1, swap_rollover3days=3,
        margin_hedged_use_leg=False,
        expiration_mode=_expiration_mode(t, symbol), filling_mode=spec.filling_mode,
        order_mode=127, order_gtc_mode=0, option_mode=0, option_right=0,
        bid=quote.bid, bidhigh=quote.bid, bidlow=quote.bid, ask=quote.ask, askhigh=quote.ask,
        asklow=quote.ask, last=0.0, lasthigh=0.0, lastlow=0.0, volume_real=0.0,
        volumehigh_real=0.0, volumelow_real=0.0, option_strike=0.0, point=spec.point,
        trade_tick_value=spec.tick_value, trade_tick_value_profit=spec.tick_value,
        trade_tick_value_loss=spec.tick_value, trade_tick_size=spec.tick_size,
        trade_contract_size=spec.contract_size, trade_accrued_interest=0.0,
        trade_face_value=0.0, trade_liquidity_rate=0.0, volume_min=spec.volume_min,
        volume_max=spec.volume_max, volume_step=spec.volume_step, volume_limit=0.0,
        swap_long=0.0, swap_short=0.0, margin_initial=0.0, margin_maintenance=0.0,
        session_volume=0.0, session_turnover=0.0, session_interest=0.0,
        session_buy_orders_volume=0.0, session_sell_orders_volume=0.0, session_open=quote.bid,
        session_close=quote.bid, session_aw=0.0, session_price_settlement=0.0,
        session_price_limit_min=0.0, session_price_limit_max=0.0,
        margin_hedged=spec.contract_size, price_change=0.0, price_volatility=0.0,
        price_theoretical=0.0, price_greeks_delta=0.0, price_greeks_theta=0.0,
        price_greeks_gamma=0.0, price_greeks_vega=0.0, price_greeks_rho=0.0,
        price_greeks_omega=0.0, price_sensitivity=0.0, basis="", category="",
        currency_base=name[:3], currency_profit=spec.currency_profit,
        currency_margin=name[:3], bank="", description=spec.description, exchange="",
        formula="", isin="", name=name, page="", path=f"Simulated\\{name}",
    )  # fmt: skip


def symbol_tick(t: SimTerminal, symbol: str) -> Tick:
    """The last tick; like MetaTrader, only for symbols selected in Market Watch."""
    t.require_symbol(symbol)
    if symbol not in t.selected or t.broker.now_ms() < t.first_tick_ms.get(symbol, 0):
        raise CallError(RES_E_NOT_FOUND, "Terminal: Not found")
    quote = t.broker.quote(symbol)
    server_ms = quote.time_ms + t.offset_ms  # the trade server's clock, see TerminalProfile
    return Tick(
        time=server_ms // 1000,
        bid=quote.bid,
        ask=quote.ask,
        last=0.0,
        volume=0,
        time_msc=server_ms,
        flags=TICK_FLAG_BID | TICK_FLAG_ASK,
        volume_real=0.0,
    )


def symbol_select(t: SimTerminal, symbol: str, enable: bool) -> bool:
    if t.broker.listing(symbol) is None:
        return False
    if enable:
        if symbol not in t.selected:  # subscribed now: its first tick is on its way
            t.first_tick_ms[symbol] = t.broker.now_ms() + t.profile.first_tick_ms
        t.selected.add(symbol)
        return True
    if t.broker.positions(symbol) or t.broker.orders(symbol):
        return False  # MetaTrader keeps a symbol with open trades in Market Watch
    t.selected.discard(symbol)
    return True


def _book_switch(t: SimTerminal, symbol: str, on: bool) -> bool:
    if t.broker.listing(symbol) is None:
        return False
    if on:
        t.books.add(symbol)
    else:
        t.books.discard(symbol)
    return True


def market_book(t: SimTerminal, symbol: str) -> tuple[BookInfo, ...]:
    """Five levels each side around the quote (the simulated broker keeps no real book)."""
    if symbol not in t.books:
        raise CallError(RES_E_NOT_FOUND, "Terminal: Not found")
    spec = t.broker.symbol_spec(symbol)
    assert spec is not None
    quote = t.broker.quote(symbol)
    asks = [
        BookInfo(BOOK_TYPE_SELL, round(quote.ask + i * spec.point, spec.digits), 10 * (i + 1),
                 10.0 * (i + 1))
        for i in reversed(range(5))
    ]  # fmt: skip
    bids = [
        BookInfo(BOOK_TYPE_BUY, round(quote.bid - i * spec.point, spec.digits), 10 * (i + 1),
                 10.0 * (i + 1))
        for i in range(5)
    ]  # fmt: skip
    return tuple(asks + bids)


def _ticks(
    t: SimTerminal, symbol: str, start_ms: float, end_ms: float | None, count: int | None,
    flags: int,
) -> Any:  # fmt: skip
    import numpy as np

    t.require_symbol(symbol)
    if flags not in (COPY_TICKS_ALL, 1, 2):
        raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
    tape = [x for x in _server_tape(t, symbol) if x[0] >= start_ms]
    if end_ms is not None:
        tape = [x for x in tape if x[0] <= end_ms]
    if count is not None:
        tape = tape[:count]
    rows = [
        (ms // 1000, bid, ask, 0.0, 0, ms, TICK_FLAG_BID | TICK_FLAG_ASK, 0.0)
        for ms, bid, ask in tape
    ]
    return np.array(rows, dtype=TICK_DTYPE)


def _rates(
    t: SimTerminal, symbol: str, timeframe: int, pick: Callable[[list[tuple[Any, ...]]], Any]
) -> Any:
    import numpy as np

    t.require_symbol(symbol)
    try:
        length = timeframe_seconds(timeframe)
    except ValueError:
        raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params") from None
    spec = t.broker.symbol_spec(symbol)
    assert spec is not None
    bars: dict[int, list[Any]] = {}
    for ms, bid, ask in _server_tape(t, symbol):
        start = ms // 1000 // length * length
        spread = round((ask - bid) / spec.point)
        bar = bars.get(start)
        if bar is None:
            bars[start] = [start, bid, bid, bid, bid, 1, spread, 0]
        else:
            bar[2], bar[3], bar[4] = max(bar[2], bid), min(bar[3], bid), bid
            bar[5] += 1
    ordered = [tuple(bars[k]) for k in sorted(bars)]
    return np.array(list(pick(ordered)), dtype=RATE_DTYPE)


def _server_tape(t: SimTerminal, symbol: str) -> list[tuple[int, float, float]]:
    """The symbol's ticks with their times on the trade server's clock."""
    return [(ms + t.offset_ms, bid, ask) for ms, bid, ask in t.tape.ticks.get(symbol, ())]


def _expiration_mode(t: SimTerminal, symbol: str) -> int:
    """SYMBOL_EXPIRATION_GTC | DAY | SPECIFIED | SPECIFIED_DAY, or DAY alone where the profile
    says so."""
    return SYMBOL_EXPIRATION_DAY if symbol in t.profile.day_only_symbols else 15
