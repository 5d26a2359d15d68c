"""One simulated MT5 terminal: a SimBroker account behind the MetaTrader5 call surface, plus faults.

``invoke(name, args, kwargs)`` runs one package call and answers ``(result, last_error)``; every
call first lets simulated time pass (quotes move, pendings fill, stops hit). Thread-safe: a host
serves several pipes while a test trades on the same terminal. Faults for tests: ``fail_next``
makes the next calls fail with an IPC error, ``go_down``/``come_up`` close and restart it.

One terminal knows several accounts (``add_account``) and is logged in to one at a time:
``initialize(login=other)`` and ``login(other)`` switch it, as the real terminal does — "the
terminal ... connects to the trade account specified"
(https://www.mql5.com/en/docs/python_metatrader5/mt5initialize_py,
https://www.mql5.com/en/docs/python_metatrader5/mt5login_py). After a start or a switch it shows
``terminal_info().connected`` false and empty books for ``sync_ms`` while it synchronises with the
trade server (https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from copier.domain import MarginMode, Platform
from copier.testbed.broker.account import SimAccount
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import Clock, WallClock
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.symbols import Catalogue, catalogue
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.mt5standin import market, trading
from copier.testbed.mt5standin.client import OK, Error
from copier.testbed.mt5standin.constants import (
    ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
    ACCOUNT_MARGIN_MODE_RETAIL_NETTING,
    ACCOUNT_STOPOUT_MODE_PERCENT,
    ACCOUNT_TRADE_MODE_DEMO,
    RES_E_AUTH_FAILED,
    RES_E_INTERNAL_FAIL_CONNECT,
    RES_E_INTERNAL_FAIL_INIT,
    RES_E_INVALID_PARAMS,
    RES_E_NOT_FOUND,
)
from copier.testbed.mt5standin.errors import CallError
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.reader import BookReader
from copier.testbed.mt5standin.records import AccountInfo, TerminalInfo

NO_IPC: Error = (RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
BUILD_DATE = "25 Sep 2025"


class SimTerminal:
    def __init__(
        self, profile: TerminalProfile, broker: SimBroker, lock: threading.RLock | None = None
    ) -> None:
        self.profile = profile
        self.broker = broker
        self.broker.trade_allowed = profile.trade_allowed
        self.accounts: dict[int, tuple[TerminalProfile, SimBroker]] = {
            profile.login: (profile, broker)
        }
        self.portable: bool | None = None  # how the first initialize started it
        self._synced_from_ms = 0  # a terminal built here was started and synchronised earlier
        self.reader = BookReader(self)
        self.selected: set[str] = set(broker.catalogue.symbols[:4])  # default Market Watch
        self.first_tick_ms: dict[str, int] = {}  # symbols selected lately: no tick before then
        self.books: set[str] = set()
        self.day_orders: set[int] = set()  # pending orders placed good for the day (ORDER_TIME_DAY)
        self.tape = market.TickTape()
        self.request_id = 0
        self.requotes_pending = 0
        self.calls = 0
        self._advanced_ms = 0
        self._lock = lock or threading.RLock()  # shared by terminals that share a market
        self._running = True
        self._failures: list[Error] = []
        self._trader: Callable[[int], None] | None = None
        self._handlers: dict[str, Callable[..., Any]] = {
            "initialize": self._initialize,
            "login": self._login,
            "version": lambda: (500, self.profile.build, BUILD_DATE),
            "terminal_info": self._terminal_info,
            "account_info": self._account_info,
            "orders_total": lambda: len(self.reader.orders_get()),
            "orders_get": self.reader.orders_get,
            "positions_total": lambda: len(self.reader.positions_get()),
            "positions_get": self.reader.positions_get,
            "history_orders_total": self.reader.history_orders_total,
            "history_orders_get": self.reader.history_orders_get,
            "history_deals_total": self.reader.history_deals_total,
            "history_deals_get": self.reader.history_deals_get,
            **market.handlers(self),
            **trading.handlers(self),
        }

    @classmethod
    def from_profile(
        cls,
        profile: TerminalProfile,
        clock: Clock | None = None,
        market: Market | None = None,
        lock: threading.RLock | None = None,
    ) -> SimTerminal:
        """The same profile always makes the same account, symbols and ticket numbers.

        Terminals given one ``market`` (and the ``lock`` that guards it) quote the same prices,
        as accounts at different brokers on one machine do.
        """
        clock = clock or WallClock()
        market_ = market or Market(seed=profile.seed, start_ms=clock.now_ms())
        broker = _broker(profile, clock, market_)
        terminal = cls(profile, broker, lock)
        if profile.trader_every_ms > 0:
            terminal.attach_trader(_paced(RandomTrader(broker, seed=profile.seed), profile))
        return terminal

    # -- the call surface ---------------------------------------------------------------------

    def invoke(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Error]:
        with self._lock:
            self.calls += 1
            if not self._running:
                return None, NO_IPC if name != "initialize" else _not_running(self.profile.path)
            if self._failures:
                return None, self._failures.pop(0)
            handler = self._handlers.get(name)
            if handler is None:
                return None, (RES_E_INVALID_PARAMS, "Terminal: Invalid params")
            self.advance()
            try:
                return handler(*args, **kwargs), OK
            except CallError as failure:
                return None, failure.error
            except TypeError as wrong:
                return None, (RES_E_INVALID_PARAMS, f"Invalid arguments: {wrong}")

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run one call here in-process (tests and the demo trade on a master this way)."""
        return self.invoke(name, args, kwargs)[0]

    def advance(self) -> None:
        """Let simulated time pass up to now: quotes, fills, stops, and the demo trader."""
        now = self.broker.now_ms()
        if now <= self._advanced_ms or self.broker.market.frozen:
            return  # several calls in one millisecond see one market; a frozen one stands still
        self._advanced_ms = now
        self.broker.tick(now)
        self.tape.record(now, self.selected, self.broker)
        if self._trader is not None:
            self._trader(now)

    def attach_trader(self, step: Callable[[int], None]) -> None:
        """Let something act on the account each time simulated time passes (demo masters)."""
        self._trader = step

    def add_account(self, profile: TerminalProfile) -> None:
        """Another account this terminal may log in to (same market and clock)."""
        with self._lock:
            broker = _broker(profile, self.broker.clock, self.broker.market)
            broker.trade_allowed = profile.trade_allowed
            self.accounts[profile.login] = (profile, broker)

    def switch_to(self, login: int) -> None:
        """Log the terminal in to another known account, as the trader does in its window."""
        with self._lock:
            self._switch(login)

    @property
    def synced(self) -> bool:
        """Connected to the trade server and its books loaded (``terminal_info().connected``)."""
        return self.broker.now_ms() >= self._synced_from_ms

    @property
    def offset_ms(self) -> int:
        """The logged-in account's trade server zone (see ``TerminalProfile.server_offset_s``)."""
        return self.profile.server_offset_s * 1000

    def _switch(self, login: int) -> None:
        self.profile, self.broker = self.accounts[login]
        known = set(self.broker.catalogue.symbols)
        self.selected = {s for s in self.selected if s in known} | set(
            self.broker.catalogue.symbols[:4]
        )
        self._start_sync()

    def _start_sync(self) -> None:
        self._synced_from_ms = self.broker.now_ms() + self.profile.sync_ms

    # -- faults -------------------------------------------------------------------------------

    def fail_next(self, count: int, code: int = RES_E_INTERNAL_FAIL_CONNECT) -> None:
        texts = {
            -10004: "No IPC connection",
            -10005: "IPC timeout",
            -10003: "IPC initialize failed",
        }
        with self._lock:
            self._failures.extend([(code, texts.get(code, "IPC call failed"))] * count)

    def requote_next(self, count: int) -> None:
        """The next ``count`` market deals are answered with a requote at a fresh price."""
        with self._lock:
            self.requotes_pending += count

    def move_market(self, symbol: str, mid: float) -> None:
        """Put the symbol's market at ``mid`` and let it act (fills pendings, hits stops)."""
        with self._lock:
            listing = self.broker.listing(symbol)
            if listing is None:
                raise KeyError(f"{symbol}: not offered by this terminal's broker")
            self.broker.market.set_mid(listing.underlying, mid)
            self.broker.tick(self.broker.now_ms())

    def go_down(self) -> None:
        """The terminal closes: every call fails until :meth:`come_up`."""
        with self._lock:
            self._running = False

    def come_up(self) -> None:
        """The terminal starts again: not connected to its trade server for ``sync_ms``."""
        with self._lock:
            self._running = True
            self._start_sync()

    @property
    def running(self) -> bool:
        return self._running

    # -- session ------------------------------------------------------------------------------

    def _credentials_ok(self, login: int, password: str | None, server: str | None) -> bool:
        known = self.accounts.get(login)
        if known is None:
            return False
        p = known[0]
        if server is not None and server != p.server:
            return False
        return password is None or not p.password or password == p.password

    def _initialize(
        self,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        """Without ``login`` the terminal stays on its account; with another one it logs in to
        it (its saved password serves when none is given), or fails with -6. ``portable``: the
        package's flag for starting the terminal in portable mode
        (https://www.mql5.com/en/docs/python_metatrader5/mt5initialize_py); a stand-in terminal
        is started by the first ``initialize``, so it keeps that first call's mode, and
        ``terminal_info().data_path`` says where its data lives."""
        if self.portable is None:
            self.portable = portable
        if login is None:
            return True
        if not self._credentials_ok(login, password, server):
            raise CallError(RES_E_AUTH_FAILED, "Terminal: Authorization failed")
        if login != self.profile.login:
            self._switch(login)
        return True

    def _login(
        self,
        login: int,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
    ) -> bool:
        return self._initialize(login, password, server, timeout)

    def _terminal_info(self) -> TerminalInfo:
        p = self.profile
        return TerminalInfo(
            community_account=False,
            community_connection=False,
            connected=self.synced,
            dlls_allowed=False,
            trade_allowed=self.broker.trade_allowed,
            tradeapi_disabled=self.profile.tradeapi_disabled,
            email_enabled=False,
            ftp_enabled=False,
            notifications_enabled=False,
            mqid=False,
            build=p.build,
            maxbars=100_000,
            codepage=0,
            ping_last=1_000,
            community_balance=0.0,
            retransmission=0.0,
            company=self.broker.account.company,
            name="MetaTrader 5",
            language="English",
            path=p.path,
            data_path=p.path if self.portable else _appdata_folder(p.path),
            commondata_path=_COMMON_FOLDER,
        )

    def _account_info(self) -> AccountInfo:
        b, a = self.broker, self.broker.account
        hedging = a.margin_mode is MarginMode.HEDGING
        return AccountInfo(
            login=a.login,
            trade_mode=ACCOUNT_TRADE_MODE_DEMO,
            leverage=a.leverage,
            limit_orders=200,
            margin_so_mode=ACCOUNT_STOPOUT_MODE_PERCENT,
            trade_allowed=True,
            trade_expert=b.trade_allowed,
            margin_mode=(
                ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
                if hedging
                else ACCOUNT_MARGIN_MODE_RETAIL_NETTING
            ),
            currency_digits=2,
            fifo_close=self.profile.fifo_close,
            balance=b.balance,
            credit=0.0,
            profit=b.floating_profit,
            equity=b.equity,
            margin=b.margin,
            margin_free=b.margin_free,
            margin_level=b.margin_level or 0.0,
            margin_so_call=100.0,
            margin_so_so=a.stop_out_level,
            margin_initial=0.0,
            margin_maintenance=0.0,
            assets=0.0,
            liabilities=0.0,
            commission_blocked=0.0,
            name=a.name,
            server=a.server,
            currency=a.currency,
            company=a.company,
        )

    def require_symbol(self, symbol: str) -> None:
        if self.broker.listing(symbol) is None:
            raise CallError(RES_E_NOT_FOUND, "Terminal: Not found")


# Index CFDs move in steps of several points at most brokers: SYMBOL_TRADE_TICK_SIZE above
# SYMBOL_POINT (https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants).
INDEX_TICK_POINTS = 5
_INDICES = frozenset({"GER40", "US30"})


def _with_index_ticks(listings: Catalogue) -> Catalogue:
    return replace(
        listings,
        listings=tuple(
            replace(entry, spec=replace(entry.spec, tick_size=entry.spec.point * INDEX_TICK_POINTS,
                                        tick_value=entry.spec.tick_value * INDEX_TICK_POINTS))
            if entry.underlying in _INDICES
            else entry
            for entry in listings.listings
        ),
    )  # fmt: skip


def _broker(profile: TerminalProfile, clock: Clock, market: Market) -> SimBroker:
    listings = _with_index_ticks(catalogue(profile.broker))
    account = SimAccount(
        login=profile.login,
        server=profile.server,
        company=profile.company or listings.company,
        currency=profile.currency,
        platform=Platform.MT5,
        margin_mode=MarginMode.HEDGING if profile.hedging else MarginMode.NETTING,
        leverage=profile.leverage,
        balance=profile.balance,
        name=profile.name,
        reversal_takes_order_ticket=True,
    )
    return SimBroker(account, listings, market, clock=clock, seed=profile.seed)


def _paced(trader: RandomTrader, profile: TerminalProfile) -> Callable[[int], None]:
    """One trader action per ``trader_every_ms`` of simulated time."""
    due = [0]

    def step(now_ms: int) -> None:
        if now_ms >= due[0]:
            due[0] = now_ms + profile.trader_every_ms
            trader.step()

    return step


def _not_running(path: str) -> Error:
    return (RES_E_INTERNAL_FAIL_INIT, f"IPC initialize failed, terminal at {path} is not running")


# Where a terminal started normally keeps its data: %APPDATA%\MetaQuotes\Terminal\<id>, the id
# made from the install path (https://www.metatrader5.com/en/terminal/help/start_advanced/start).
_APPDATA_TERMINALS = "C:\\Users\\Trader\\AppData\\Roaming\\MetaQuotes\\Terminal"
_COMMON_FOLDER = _APPDATA_TERMINALS + "\\Common"


def _appdata_folder(path: str) -> str:
    digest = hashlib.md5(path.casefold().encode("utf-8"), usedforsecurity=False)
    return f"{_APPDATA_TERMINALS}\\{digest.hexdigest().upper()}"
