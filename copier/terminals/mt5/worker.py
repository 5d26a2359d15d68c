"""The MT5 worker process: binds one terminal (the MetaTrader5 package allows one per process),
polls it for changes, executes commands, and reconnects with backoff when the link breaks.

Runs as ``multiprocessing`` spawn target :func:`run_worker`. MetaTrader5 is imported here and only
here, unless the config injects a backend (a simulation), which then says so in the status.
Logs to a rotating file of its own in the data folder (``workerlog``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from operator import itemgetter
from typing import Any

from copier.domain import Retcode, TerminalSnapshot
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.detect import OrderOutcome, diff
from copier.terminals.mt5.execute import Executor
from copier.terminals.mt5.proof import Proof
from copier.terminals.mt5.protocol import (
    Baseline,
    Changes,
    Connected,
    DealRow,
    Disconnected,
    Execute,
    Executed,
    Health,
    SnapshotReply,
    SnapshotRequest,
    StopWorker,
)
from copier.terminals.mt5.session import (
    RES_E_AUTH_FAILED,
    CallFailed,
    Session,
    TerminalLost,
    order_row,
    position_row,
    symbol_spec,
    to_pending,
    to_position,
    to_quote,
)
from copier.terminals.mt5.workerlog import start_logging

log = logging.getLogger(__name__)

EXIT_NO_PACKAGE = 3
# TradePosition: ticket, time_update_msc, type, volume, sl, tp (price and profit move every tick).
_POSITION_KEY = itemgetter(0, 4, 5, 9, 11, 12)
# TradeOrder: ticket, time_expiration, type, volume_current, price_open, sl, tp.
_ORDER_KEY = itemgetter(0, 5, 6, 15, 16, 17, 18)
_TICKET = itemgetter(0)
_CONSISTENT_READS = 5
_CONNECTION_RETRIES = 20  # a command answered 10031 waits for the trade server this many times


TRADEAPI_DISABLED = (
    "trading through the MetaTrader5 package is switched off in this terminal: untick "
    "\"Disable automatic trading via external Python API\" in Tools → Options → Expert Advisors"
)


def may_trade(info: Any) -> bool:
    """AutoTrading on, and trading through the Python API not switched off
    (``trade_allowed`` and ``tradeapi_disabled``:
    https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py)."""
    return bool(info.trade_allowed) and not info.tradeapi_disabled


def load_module(config: Mt5Config) -> Any:
    """The injected backend's module, else the real package (Windows only, imported here alone)."""
    if config.backend is not None:
        return config.backend.load()
    import MetaTrader5

    return MetaTrader5


def run_worker(
    config: Mt5Config, baseline: Baseline | None, inbox: Connection, outbox: Connection
) -> None:
    """Process entry point."""
    start_logging(config)
    log.info("MT5 worker for %s started (terminal %s%s)", config.key, config.path,
             ", portable mode" if config.portable else "")
    try:
        mt5 = load_module(config)
    except ImportError:
        reason = ("the MetaTrader5 package is not installed: it exists only for Windows "
                  "(pip install MetaTrader5); use the simulated terminal elsewhere")
        log.error("MT5 worker for %s: %s", config.key, reason)
        outbox.send(Disconnected(reason, fatal=True))
        raise SystemExit(EXIT_NO_PACKAGE) from None
    try:
        Worker(mt5, config, inbox, outbox, baseline).run()
    except (EOFError, OSError):  # the parent is gone and its pipe with it (on Windows poll()
        # and send() raise BrokenPipeError): nobody is left to report to
        log.info("MT5 worker for %s: the app is gone; stopping", config.key)
        return
    except BaseException:
        log.critical("MT5 worker for %s stopped on an unexpected error", config.key,
                     exc_info=True)
        raise
    log.info("MT5 worker for %s stopped", config.key)


class _History:
    """The diff's window on the terminal's history."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def deals_of_position(self, position_id: int) -> tuple[DealRow, ...]:
        return self.session.deals_of_position(position_id)

    def order_outcome(self, ticket: int) -> OrderOutcome | None:
        found = self.session.call("history_orders_get", ticket=ticket)
        if not found:
            return None
        return OrderOutcome(state=found[0].state, position_id=found[0].position_id)


@dataclass
class _Pending:
    command: Execute
    attempts: int = 0


class Worker:
    def __init__(
        self, mt5: Any, config: Mt5Config, inbox: Connection, outbox: Connection,
        baseline: Baseline | None,
    ) -> None:  # fmt: skip
        self.config = config
        self.inbox = inbox
        self.outbox = outbox
        self.session = Session(mt5, config)
        self.executor = Executor(self.session)
        self.history = _History(self.session)
        self.baseline = baseline
        self.queue: deque[_Pending] = deque()
        self.connected = False
        self.running = True
        self.backoff_ms = config.reconnect_min_ms
        self.next_connect = 0.0
        self.next_health = 0.0
        self.poll_cpu = 0.0
        self.polls = 0
        self.rtt_ms = 0.0
        self._last_key: tuple[Any, ...] = ()
        self.announced = False  # connected to the trade server and said so to the parent
        self.waiting = False  # "waiting for the trade server" was said
        self.paused = ""  # why the terminal's account is not ours ("" while it is)
        self.problems: list[str] = []
        self.proof = Proof(self.session)

    def run(self) -> None:
        period = self.config.poll_ms / 1000.0
        next_poll = time.monotonic()
        while self.running:
            self._receive(max(0.0, next_poll - time.monotonic()))
            if not self.connected:
                self._try_connect()
                next_poll = time.monotonic() + period
                continue
            if not self.announced and not self.paused:
                self._guarded(self._announce)
                next_poll = time.monotonic() + period
                continue
            if not self.paused:
                self._guarded(self._execute_queue)
            if time.monotonic() >= next_poll:
                next_poll = max(next_poll + period, time.monotonic())
                self._guarded(self._poll)
                if time.monotonic() >= self.next_health and not self.paused:
                    self._guarded(self._health)
        self.session.mt5.shutdown()

    # -- messages from the parent -------------------------------------------------------------

    def _receive(self, timeout: float) -> None:
        if not self.inbox.poll(timeout):
            return
        while self.running and self.inbox.poll():
            try:
                message = self.inbox.recv()
            except (EOFError, OSError):
                self.running = False  # the parent is gone
                return
            if isinstance(message, Execute):
                self.queue.append(_Pending(message))
            elif isinstance(message, SnapshotRequest):
                self._reply_snapshot(message.request_id)
            elif isinstance(message, StopWorker):
                self.running = False

    # -- connection ---------------------------------------------------------------------------

    def _try_connect(self) -> None:
        if time.monotonic() < self.next_connect:
            return
        try:
            self.problems = self.session.connect()
            self.connected = True
            self.announced = False
            self.paused = ""
            self.backoff_ms = self.config.reconnect_min_ms
            self._guarded(self._announce)
        except CallFailed as failure:
            if failure.code == RES_E_AUTH_FAILED:
                self._login_refused(failure.reason)
            else:
                self._lost(str(failure))
        except TerminalLost as failure:
            self._lost(str(failure))

    def _login_refused(self, reason: str) -> None:
        """The broker refused the login (-6): trying again with the same password would only
        be refused again — and brokers count failed logins — so the worker stops and waits for
        the trader to correct the account (saving it starts a new worker)."""
        cfg = self.config
        log.error("%s: %s (account %s on %s)", cfg.key, reason, cfg.login, cfg.server)
        self.outbox.send(
            Disconnected(
                f"{reason} (account {cfg.login} on {cfg.server}); not retried on its own, as "
                "every attempt is a login at the broker: correct the account's number, password "
                "or server and save it to try again",
                fatal=True,
            )
        )
        self.running = False

    def _announce(self) -> None:
        """Say "connected" once the terminal is connected to its trade server. Until then its
        books may be empty or partial (``terminal_info().connected`` false after a start or a
        login: https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py), so nothing
        is read, diffed or sent."""
        info = self.session.call("terminal_info")
        if not info.connected:
            if not self.waiting:
                self.waiting = True
                self.outbox.send(
                    Disconnected(
                        f"MT5 terminal at {self.config.path} is not connected to its trade "
                        "server yet; waiting for it before reading or trading"
                    )
                )
            return
        self.waiting = False
        if not self._same_account():
            return  # logged in to another account: said so; its books are not ours to read
        problems = list(self.problems)
        clock_problem = self.session.read_catalogue()
        if clock_problem:
            problems.append(clock_problem)
        account = self.session.read_account()
        build = str(info.build)
        if self.config.backend is not None:  # said out loud: nobody mistakes it for a terminal
            build += " (simulated)"
            problems.insert(0, self.config.backend.name)
        # Resynchronise before saying "connected": changes made while away become events,
        # and anything done after the announcement is measured against this baseline.
        self._poll()
        if self.paused:
            return  # logged in to another account: said so, and nothing was read
        self.announced = True
        if info.tradeapi_disabled:
            problems.append(TRADEAPI_DISABLED)
        catalogue = tuple(symbol_spec(i) for i in self.session.catalogue.values())
        self.outbox.send(
            Connected(account, build, may_trade(info), "; ".join(problems), catalogue)
        )

    def _lost(self, reason: str) -> None:
        was = self.connected
        self.connected = False
        self.announced = False
        self.waiting = False
        self.session.mt5.shutdown()
        self.next_connect = time.monotonic() + self.backoff_ms / 1000.0
        if was:  # said once per loss, not on every retry of the backoff
            log.warning("%s: %s", self.config.key, reason)
        self.outbox.send(Disconnected(f"{reason}; retrying in {self.backoff_ms} ms"))
        if not was:  # failed again while reconnecting: wait longer next time
            self.backoff_ms = min(self.backoff_ms * 2, self.config.reconnect_max_ms)

    def _guarded(self, step: Any) -> None:
        try:
            step()
        except TerminalLost as failure:
            self._lost(str(failure))
        except CallFailed as failure:  # a read refused: the terminal is not usable as it is
            self._lost(failure.reason)

    # -- work ---------------------------------------------------------------------------------

    def _execute_queue(self) -> None:
        if self.queue and not self._same_account():
            return  # never trade on someone else's account
        while self.queue and self.connected and self.announced:
            item = self.queue[0]
            item.attempts += 1
            recover = item.command.recover or item.attempts > 1
            # A TerminalLost here leaves the command queued: whether its order_send went through
            # is unknown, so the next attempt runs with ``recover`` and looks first.
            result = self.executor.execute(
                item.command.command, recover=recover, sent_ms=item.command.sent_ms
            )
            if result.retcode == Retcode.CONNECTION and item.attempts <= _CONNECTION_RETRIES:
                # The terminal lost its trade server (10031): keep the command and wait.
                self.executor.forget_one(item.command.command.id)
                self.announced = False
                return
            self.queue.popleft()
            self.outbox.send(Executed(result))

    def _same_account(self) -> bool:
        """Is the terminal still logged in to this account? Checked before every poll and every
        batch of commands: a worker that went on would diff, and trade on, another account.
        Once it is back, the diff continues from the baseline of before."""
        problem = self.session.foreign_account(self.session.call("account_info"))
        back = bool(self.paused) and not problem
        if problem and problem != self.paused:
            self.outbox.send(Disconnected(problem))
        if back:
            self.announced = False  # announced again once its trade server is connected
        self.paused = problem
        return not problem and not back

    def _poll(self) -> None:
        if not self._same_account():
            return
        started_cpu = time.process_time()
        raw_positions, raw_orders = self._read_books()
        # Most polls see nothing new: compare the fields that matter, at C speed, first.
        key = (tuple(map(_POSITION_KEY, raw_positions)), tuple(map(_ORDER_KEY, raw_orders)))
        if key == self._last_key and self.baseline is not None:
            self._count_poll(started_cpu)
            return
        self._last_key = key
        current = Baseline(
            tuple(position_row(p) for p in raw_positions),
            tuple(order_row(o) for o in raw_orders if 2 <= o.type <= 5),
        )
        if self.baseline is None:
            self.baseline = current
            self.outbox.send(Changes((), current))
        elif current != self.baseline:
            current, holding = self.proof.settle(self.baseline, current)
            if holding:
                self._last_key = ()  # look again next poll, whatever the read shows
            if current != self.baseline:
                events = diff(self.baseline, current, self.history, self.config.key,
                              self.session.clock())
                self.baseline = current
                self.outbox.send(Changes(tuple(events), current))
        self._count_poll(started_cpu)

    def _read_books(self) -> tuple[Any, Any]:
        """Positions and orders as of one moment. They are two calls, and a pending order that
        fills between them would be seen neither as an order nor as a position (a fill and a
        close, then an open, on the master): orders are read on both sides of the positions,
        and read again until the two agree."""
        orders = self.session.call("orders_get")
        for _ in range(_CONSISTENT_READS):
            started = time.perf_counter()
            positions = self.session.call("positions_get")
            self.rtt_ms = (time.perf_counter() - started) * 1000.0
            after = self.session.call("orders_get")
            if tuple(map(_TICKET, after)) == tuple(map(_TICKET, orders)):
                break
            orders = after
        return positions, after

    def _count_poll(self, started_cpu: float) -> None:
        self.poll_cpu += time.process_time() - started_cpu
        self.polls += 1

    def _health(self) -> None:
        self.next_health = time.monotonic() + self.config.health_every_ms / 1000.0
        account = self.session.read_account()
        info = self.session.call("terminal_info")
        per_poll = self.poll_cpu / self.polls * 1000.0 if self.polls else 0.0
        self.poll_cpu, self.polls = 0.0, 0
        positions = len(self.baseline.positions) if self.baseline else 0
        self.outbox.send(
            Health(account, positions, self.rtt_ms, may_trade(info), per_poll)
        )

    def _reply_snapshot(self, request_id: int) -> None:
        if not self.connected or not self.announced or self.paused:
            reason = self.paused or "the MT5 terminal is not connected"
            self.outbox.send(SnapshotReply(request_id, None, reason))
            return
        try:
            snapshot = self._snapshot()
        except (TerminalLost, CallFailed) as failure:
            self.outbox.send(SnapshotReply(request_id, None, str(failure)))
            return
        self.outbox.send(SnapshotReply(request_id, snapshot))

    def _snapshot(self) -> TerminalSnapshot:
        s = self.session
        offset = s.offset_ms
        raw_positions = s.call("positions_get")
        positions = tuple(to_position(position_row(p), p.profit, offset) for p in raw_positions)
        orders = tuple(to_pending(o, offset) for o in s.order_rows())
        names = set(self.config.symbols) | {p.symbol for p in positions}
        names |= {o.symbol for o in orders}
        names |= {name for name, info in s.catalogue.items() if info.select}  # Market Watch
        # Live specs and quotes for the symbols in use and those in Market Watch; the parent adds
        # the rest of the catalogue it was sent at connect.
        symbols = {}
        quotes = {}
        for name in sorted(names):
            info = s.mt5.symbol_info(name)
            if info is None:
                continue
            symbols[name] = symbol_spec(info)
            tick = s.mt5.symbol_info_tick(name)
            if tick is not None:
                quotes[name] = to_quote(name, tick, offset)
        return TerminalSnapshot(
            account=s.read_account(),
            positions=positions,
            orders=orders,
            symbols=symbols,
            quotes=quotes,
            time_ms=s.clock(),
        )
