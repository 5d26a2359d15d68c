"""The worker's handle on one MetaTrader5 module: connects, verifies the account, reads the account.

Every call goes through :meth:`Session.call`, which turns a ``None`` answer into either a
:class:`TerminalLost` (the link to the terminal is gone: reconnect) or an :class:`CallFailed`
carrying the terminal's reason. ``mt5`` is the real package or the stand-in; both look the same.
"""

from __future__ import annotations

import time
from typing import Any

from copier.clock import now_ms as now_ms  # the wall clock, kept importable from here
from copier.domain import (
    AccountInfo,
    MarginMode,
    OrderType,
    PendingOrder,
    Platform,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.messages import CONNECTION_LOST_CODES, last_error_text
from copier.terminals.mt5.protocol import DealRow, OrderRow, PositionRow

ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 2
RES_E_AUTH_FAILED = -6
OFFSET_STEP_S = 900
ORDER_VISIBLE_WAIT_S = 1.0  # how long a sent order may take to show in the terminal's books
ORDER_VISIBLE_STEP_S = 0.005
TICK_WAIT_S = 2.0  # for a symbol's first tick after it was selected
NEWER_TICK_WAIT_S = 0.5  # for a price newer than the one a requote refused
TICK_STEP_S = 0.005
_ACCEPTED = frozenset({10008, 10009, 10010})  # placed, done, done partially
TRADE_ACTION_SLTP = 6
TRADE_ACTION_MODIFY = 7
TRADE_ACTION_REMOVE = 8  # trade server zones are whole quarter hours from UTC

# MT5 order type numbers of the pending types the copier copies (stop-limit orders are not).
ORDER_TYPES: dict[int, OrderType] = {
    0: OrderType.BUY,
    1: OrderType.SELL,
    2: OrderType.BUY_LIMIT,
    3: OrderType.SELL_LIMIT,
    4: OrderType.BUY_STOP,
    5: OrderType.SELL_STOP,
}
ORDER_TYPE_NUMBERS: dict[OrderType, int] = {v: k for k, v in ORDER_TYPES.items()}



class TerminalLost(Exception):
    """The link to the terminal failed (IPC error or terminal closed); reconnect and go on."""


class CallFailed(Exception):
    """A terminal call answered None for a reason other than a lost link."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Session:
    def __init__(self, mt5: Any, config: Mt5Config) -> None:
        self.mt5 = mt5
        self.config = config
        self.hedging = True
        self.account: AccountInfo | None = None
        self.offset_ms = 0  # the trade server's clock minus UTC, measured at connect
        self.clock = config.clock()  # this machine's wall clock, unless a simulation has its own
        self.catalogue: dict[str, Any] = {}  # the terminal's symbols (symbols_get), by name
        # The account closes positions oldest first only (account_info().fifo_close:
        # https://www.mql5.com/en/docs/python_metatrader5/mt5accountinfo_py).
        self.fifo = False

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.mt5, name)(*args, **kwargs)
        if result is None:
            code, description = self.mt5.last_error()
            reason = last_error_text(code, description)
            if code in CONNECTION_LOST_CODES:
                raise TerminalLost(f"{name}: {reason}")
            raise CallFailed(code, reason)
        if name == "order_send" and result.retcode in _ACCEPTED:
            self._await_books(args[0], result)
        return result

    def _await_books(self, request: dict[str, Any], sent: Any) -> None:
        """Wait (bounded) until the terminal's books show the trade just done: order_send
        returns the trade server's answer, and the terminal's positions, orders and history
        follow a moment later (https://www.mql5.com/en/docs/python_metatrader5/mt5ordersend_py,
        https://www.mql5.com/en/docs/event_handlers/ontradetransaction). Whatever is read next
        — the fill's position, the placed order, a copy found by its comment — is then there."""
        deadline = time.monotonic() + ORDER_VISIBLE_WAIT_S
        while not self._shows(request, sent):
            if time.monotonic() >= deadline:
                return  # the books will catch up; the reads after this cope with absence
            time.sleep(ORDER_VISIBLE_STEP_S)

    def _shows(self, request: dict[str, Any], sent: Any) -> bool:
        action = request.get("action")
        if action == TRADE_ACTION_REMOVE:
            return not self.mt5.orders_get(ticket=request.get("order", 0))
        if action == TRADE_ACTION_MODIFY:
            found = self.mt5.orders_get(ticket=request.get("order", 0))
            wanted = (request.get("price", 0.0), request.get("sl", 0.0), request.get("tp", 0.0))
            return not found or _same(wanted, (found[0].price_open, found[0].sl, found[0].tp))
        if action == TRADE_ACTION_SLTP:
            found = self.mt5.positions_get(ticket=request.get("position", 0))
            stops = (request.get("sl", 0.0), request.get("tp", 0.0))
            return not found or _same(stops, (found[0].sl, found[0].tp))
        if not sent.order:
            return True
        return bool(
            self.mt5.orders_get(ticket=sent.order) or self.mt5.history_orders_get(ticket=sent.order)
        )

    def connect(self) -> list[str]:
        """Initialize, check the account is the configured one, select symbols.

        Returns problems a user should see (e.g. a symbol the broker does not have); raises
        :class:`CallFailed`/:class:`TerminalLost` when the terminal cannot be used at all.
        """
        cfg = self.config
        options: dict[str, Any] = {
            "login": cfg.login,
            "server": cfg.server,
            "timeout": cfg.timeout_ms,
            "portable": cfg.portable,
        }
        if cfg.password:
            options["password"] = cfg.password
        if not self.mt5.initialize(cfg.path, **options):
            code, description = self.mt5.last_error()
            self.mt5.shutdown()
            reason = f"cannot open MT5 terminal at {cfg.path}: {last_error_text(code, description)}"
            if code in CONNECTION_LOST_CODES:
                raise TerminalLost(reason)
            raise CallFailed(code, reason)
        info = self.call("account_info")
        foreign = self.foreign_account(info)
        if foreign:
            self.mt5.shutdown()
            raise CallFailed(-1, foreign)  # logged in meanwhile elsewhere: a retry may do
        self.hedging = info.margin_mode == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
        self.fifo = bool(getattr(info, "fifo_close", False))
        self.account = self.account_from(info)
        problems = [
            f"{symbol}: not offered by {cfg.server} (symbol_select failed) — it cannot be copied"
            for symbol in cfg.symbols
            if not self.mt5.symbol_select(symbol, True)
        ]
        self.read_catalogue()  # read again once the terminal is connected to its server
        return problems

    def foreign_account(self, info: Any) -> str:
        """Why the terminal's account is not this one ("" when it is). The terminal's account
        can change under a running worker: ``initialize(login=…)`` and ``login()`` from any
        program, or the trader in its window, log it in to another one
        (https://www.mql5.com/en/docs/python_metatrader5/mt5login_py)."""
        cfg = self.config
        if info.login == cfg.login and info.server == cfg.server:
            return ""
        return (
            f"MT5 terminal at {cfg.path} is now logged in to account {info.login} on "
            f"{info.server}, not {cfg.login} on {cfg.server}: copying for {cfg.login} is paused "
            f"until the terminal is logged in to {cfg.login} again"
        )

    def read_catalogue(self) -> str:
        """Read the terminal's symbols (``symbols_get``,
        https://www.mql5.com/en/docs/python_metatrader5/mt5symbolsget_py) and measure the trade
        server's clock from the newest quote among them: MT5 times are the server's clock written
        as seconds since 1970 (https://www.mql5.com/en/docs/dateandtime/timetradeserver), so
        every comparison with this machine's clock needs the difference. Returns a problem for
        the trader, or ""."""
        symbols = self.mt5.symbols_get()
        self.catalogue = {s.name: s for s in symbols or ()}
        newest = max((s.time for s in self.catalogue.values() if s.select and s.time), default=0)
        if not newest:
            self.offset_ms = 0
            return "no quote yet to read the trade server's clock from: its times are taken as UTC"
        steps = round((newest - self.clock() / 1000) / OFFSET_STEP_S)
        self.offset_ms = steps * OFFSET_STEP_S * 1000
        return ""

    def server_ms(self, utc_ms: int) -> int:
        """A time on this machine's (UTC) clock as the trade server writes it."""
        return utc_ms + self.offset_ms

    def utc_ms(self, server_ms: int) -> int:
        """A time the terminal reported, on the UTC clock (0 stays 0: "no time")."""
        return server_ms - self.offset_ms if server_ms else 0

    def account_from(self, info: Any) -> AccountInfo:
        return AccountInfo(
            account_id=self.config.key,
            platform=Platform.MT5,
            login=info.login,
            server=info.server,
            currency=info.currency,
            margin_mode=MarginMode.HEDGING if self.hedging else MarginMode.NETTING,
            balance=info.balance,
            equity=info.equity,
            margin=info.margin,
            margin_free=info.margin_free,
            company=info.company,
            trade_allowed=bool(info.trade_allowed and info.trade_expert),
        )

    def read_account(self) -> AccountInfo:
        self.account = self.account_from(self.call("account_info"))
        return self.account

    def position_rows(self) -> tuple[PositionRow, ...]:
        return tuple(position_row(p) for p in self.call("positions_get"))

    def order_rows(self) -> tuple[OrderRow, ...]:
        return tuple(
            order_row(o)
            for o in self.call("orders_get")
            if 2 <= o.type <= 5  # pending only
        )

    def deals_of_position(self, position_id: int) -> tuple[DealRow, ...]:
        return tuple(deal_row(d) for d in self.call("history_deals_get", position=position_id))

    def mt5_time_horizon(self) -> int:
        """A history ``date_to`` safely after now on the trade server's clock."""
        return self.server_ms(self.clock()) // 1000 + 86_400

    def tick(self, symbol: str, newer_than_ms: int = 0) -> Any:
        """The symbol's last tick, newer than ``newer_than_ms`` when that is given (a retry after
        a requote waits for a new price rather than sending the refused one again). A symbol not
        in Market Watch is selected first, and its first tick waited for (bounded): right after
        symbol_select the terminal has none yet
        (https://www.mql5.com/en/docs/python_metatrader5/mt5symbolinfotick_py,
        https://www.mql5.com/en/docs/python_metatrader5/mt5symbolselect_py)."""
        deadline = time.monotonic() + (NEWER_TICK_WAIT_S if newer_than_ms else TICK_WAIT_S)
        selected = False
        while True:
            tick = self.mt5.symbol_info_tick(symbol)
            if tick is not None and tick.bid > 0 and tick.time_msc > newer_than_ms:
                return tick
            if tick is None:
                code, description = self.mt5.last_error()
                if code in CONNECTION_LOST_CODES:
                    raise TerminalLost(f"symbol_info_tick: {last_error_text(code, description)}")
                if not selected:
                    selected = bool(self.mt5.symbol_select(symbol, True))
            if time.monotonic() >= deadline:
                if tick is not None and tick.bid > 0:
                    return tick  # a quiet market: no newer price came
                raise CallFailed(-4, f"no price for {symbol} from the terminal yet — not traded")
            time.sleep(TICK_STEP_S)

    def spec(self, symbol: str) -> Any:
        info = self.mt5.symbol_info(symbol)
        if info is None:
            self.call("symbol_select", symbol, True)  # raises with the terminal's reason
            info = self.call("symbol_info", symbol)
        elif not info.visible:
            self.mt5.symbol_select(symbol, True)
        return info


def _same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) < 1e-9 for x, y in zip(a, b, strict=True))


def side_of(position_type: int) -> Side:
    return Side.BUY if position_type == 0 else Side.SELL


def position_row(p: Any) -> PositionRow:
    return PositionRow(
        ticket=p.ticket,
        identifier=p.identifier,
        symbol=p.symbol,
        side=side_of(p.type),
        volume=p.volume,
        price_open=p.price_open,
        sl=p.sl,
        tp=p.tp,
        time_msc=p.time_msc,
        time_update_msc=p.time_update_msc,
        magic=p.magic,
        comment=p.comment,
    )


def order_row(o: Any) -> OrderRow:
    return OrderRow(
        ticket=o.ticket,
        symbol=o.symbol,
        order_type=ORDER_TYPES[o.type],
        volume=o.volume_current,
        price=o.price_open,
        sl=o.sl,
        tp=o.tp,
        time_setup_msc=o.time_setup_msc,
        expiration_ms=o.time_expiration * 1000,
        magic=o.magic,
        comment=o.comment,
    )


def deal_row(d: Any) -> DealRow:
    return DealRow(
        ticket=d.ticket,
        order=d.order,
        position_id=d.position_id,
        entry=d.entry,
        side=side_of(d.type),
        volume=d.volume,
        price=d.price,
        time_msc=d.time_msc,
        symbol=d.symbol,
        magic=d.magic,
        comment=d.comment,
    )


def symbol_spec(info: Any) -> SymbolSpec:
    return SymbolSpec(
        name=info.name,
        digits=info.digits,
        point=info.point,
        contract_size=info.trade_contract_size,
        tick_size=info.trade_tick_size,
        tick_value=info.trade_tick_value,
        volume_min=info.volume_min,
        volume_max=info.volume_max,
        volume_step=info.volume_step,
        stops_level=info.trade_stops_level,
        filling_mode=info.filling_mode,
        currency_profit=info.currency_profit,
        description=info.description,
    )


def to_position(row: PositionRow, profit: float = 0.0, offset_ms: int = 0) -> Position:
    """``offset_ms``: the trade server's clock minus UTC; the copier's times are UTC."""
    return Position(
        ticket=row.ticket,
        symbol=row.symbol,
        side=row.side,
        volume=row.volume,
        open_price=row.price_open,
        sl=row.sl,
        tp=row.tp,
        magic=row.magic,
        comment=row.comment,
        open_time_ms=row.time_msc - offset_ms,
        profit=profit,
    )


def to_pending(row: OrderRow, offset_ms: int = 0) -> PendingOrder:
    return PendingOrder(
        ticket=row.ticket,
        symbol=row.symbol,
        order_type=row.order_type,
        volume=row.volume,
        price=row.price,
        sl=row.sl,
        tp=row.tp,
        magic=row.magic,
        comment=row.comment,
        time_ms=row.time_setup_msc - offset_ms,
        expiration_ms=row.expiration_ms - offset_ms if row.expiration_ms else 0,
    )


def to_quote(symbol: str, tick: Any, offset_ms: int = 0) -> Quote:
    return Quote(symbol=symbol, bid=tick.bid, ask=tick.ask, time_ms=tick.time_msc - offset_ms)
