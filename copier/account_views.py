"""What the copier knows of each account between events: its latest snapshot, connection status,
equity marks and recent order times — and the engine's views built from them.

``AccountViews`` is the copy service's memory of the terminals. It asks terminals for snapshots
(all at once, so one slow terminal holds back no other), holds an event until every account it
goes to has been seen once, and builds the plain ``MasterView``/``SlaveView`` values the pure
engine rules decide on. Nothing here decides a copy. When a snapshot brings symbol specs that
differ from those last handed on for its account, they go to ``on_new_specs`` (the service
saves them, so statistics can price money after the terminals are gone).

Equity marks count in trading days of the trading clock (broker time, ``copier.engine.
tradingday``) and move on every account update — a snapshot, or an account figure a terminal
reports between snapshots (EA ``account`` frames, MT5 polls, the simulated terminal's status) —
and go to ``on_marks`` whenever they change, for the store; ``restore_marks`` puts them back
after a restart.

A slave's view is built once and handed out again until something it is made of changes — its
snapshot, status, equity marks, order times, the trading clock or the risk stops asked with it
(``_Built``): an event's links into the same slave, and events that sent it nothing, share one.
Order times are kept so that a view takes them without copying (``OrderTimes``): at 100 events a
second a slave holds 6,000 of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from copier.domain import AccountInfo, SymbolSpec, TerminalSnapshot, TerminalStatus
from copier.engine.state import MasterView, OrderTimes, RiskStop, SlaveView
from copier.engine.tradingday import UTC_CLOCK, TradingClock
from copier.terminals.base import Terminal

if TYPE_CHECKING:
    from copier.terminals.ea.terminal import EaTerminal

log = logging.getLogger(__name__)

# After a (re)start the copier knows no account until its terminal answers a snapshot, and a
# master's queued events arrive right after its own snapshot — usually before the slaves have
# reconnected. An event waits (unacknowledged, however long it takes) for the first view of its
# master and of every linked slave that has a terminal, instead of being routed past them (which
# would drop their copies for good); while it waits, a warning repeats every FIRST_VIEW_WAIT_S.
FIRST_VIEW_WAIT_S = 10.0
FIRST_VIEW_POLL_S = 0.02
ORDER_RATE_WINDOW_MS = 60_000
ORDER_LOG_SLACK = 1_024  # order times past the window kept before the log is copied down

# Called with an account id and its new or changed specs; what it returns is ignored (the
# service's hook is the store's fire-and-forget write, which returns its future).
SpecsHook = Callable[[str, Mapping[str, SymbolSpec]], object]
MarksHook = Callable[[str, dict[str, Any]], object]  # account id, EquityMarks.to_dict()


class EquityMarks:
    """Day-start equity and equity peaks of one account, for the loss, profit and drawdown
    rules; ``day`` is the trading day (of the trading clock) they belong to."""

    def __init__(self) -> None:
        self.day = -1
        self.day_start = 0.0
        self.peak_day = 0.0
        self.peak_all = 0.0

    def update(self, equity: float, day: int) -> bool:
        """Take an equity figure of trading day ``day``; True when a mark changed."""
        before = (self.day, self.day_start, self.peak_day, self.peak_all)
        if day != self.day:
            self.day, self.day_start, self.peak_day = day, equity, equity
        self.peak_day = max(self.peak_day, equity)
        self.peak_all = max(self.peak_all, equity)
        return before != (self.day, self.day_start, self.peak_day, self.peak_all)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "day_start": self.day_start, "peak_day": self.peak_day,
                "peak_all": self.peak_all}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EquityMarks:
        marks = cls()
        marks.day = int(data.get("day", -1))
        marks.day_start = float(data.get("day_start", 0.0))
        marks.peak_day = float(data.get("peak_day", 0.0))
        marks.peak_all = float(data.get("peak_all", 0.0))
        return marks


class _OrderLog:
    """One slave's order times within the last ``ORDER_RATE_WINDOW_MS``: ``times[start:]``.

    Times are only appended; the window's start moves on as they age. When more than half the
    list (and at least ``ORDER_LOG_SLACK``) has aged, the live part is copied to a new list and
    the old one is left to the views that still hold a window of it, unchanged."""

    __slots__ = ("start", "times")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.start = 0

    def add(self, sent_ms: int) -> None:
        times = self.times
        times.append(sent_ms)
        oldest = sent_ms - ORDER_RATE_WINDOW_MS
        start = self.start
        while times[start] < oldest:  # stops at the time just added, at the latest
            start += 1
        if start > ORDER_LOG_SLACK and 2 * start > len(times):
            self.times, start = times[start:], 0
        self.start = start


@dataclass(slots=True)
class _Built:
    """A slave view and what it was built from (the snapshot, status, clock and order log by
    identity; the equity marks, the window of the log and the risk stops by value)."""

    view: SlaveView
    snapshot: TerminalSnapshot
    status: TerminalStatus | None
    clock: TradingClock
    marks: tuple[float, float, float]
    order_log: list[int]
    orders_from: int
    orders_to: int
    risk_stops: Mapping[int, RiskStop]


class AccountViews:
    """Snapshots, statuses, equity marks and order times per account id."""

    def __init__(
        self,
        terminals: Mapping[str, Terminal],
        clock: Callable[[], int],
        on_new_specs: SpecsHook | None = None,
        on_marks: MarksHook | None = None,
    ) -> None:
        self._terminals = terminals  # the service's live mapping: accounts come and go
        self._clock = clock
        self._on_new_specs = on_new_specs
        self._handed_specs: dict[str, dict[str, SymbolSpec]] = {}  # last given to on_new_specs
        self._snapshots: dict[str, TerminalSnapshot] = {}
        self._status: dict[str, TerminalStatus] = {}
        self._order_logs: dict[str, _OrderLog] = defaultdict(_OrderLog)
        self._built: dict[str, _Built] = {}  # the last slave view of each account
        self._equity_marks: dict[str, EquityMarks] = {}
        self._on_marks = on_marks
        self.clock: TradingClock = UTC_CLOCK  # the trading clock every account's day runs on

    # ----- what is known ------------------------------------------------------------------
    def snapshot(self, account_id: str) -> TerminalSnapshot | None:
        return self._snapshots.get(account_id)

    def status(self, account_id: str) -> TerminalStatus | None:
        return self._status.get(account_id)

    def set_status(self, status: TerminalStatus) -> TerminalStatus | None:
        """Record a status; return the one it replaced."""
        previous = self._status.get(status.account_id)
        self._status[status.account_id] = status
        return previous

    def forget(self, account_id: str) -> None:
        """The account's terminal is gone: its next event waits for a fresh first view."""
        self._snapshots.pop(account_id, None)
        self._built.pop(account_id, None)

    def restore_marks(self, marks: Mapping[str, Mapping[str, Any]]) -> None:
        """Equity marks saved before a restart, by account id."""
        for account_id, data in marks.items():
            self._equity_marks[account_id] = EquityMarks.from_dict(data)

    def marks(self, account_id: str) -> EquityMarks | None:
        return self._equity_marks.get(account_id)

    def account_update(self, account: AccountInfo, now_ms: int) -> bool:
        """An account figure reported between snapshots: the view's account and the equity
        marks follow it. False when the account has no view yet (its first snapshot decides)."""
        account_id = account.account_id
        snap = self._snapshots.get(account_id)
        if snap is None:
            return False
        self._snapshots[account_id] = replace(snap, account=account)
        self._mark(account_id, account.equity, now_ms)
        return True

    def _mark(self, account_id: str, equity: float, now_ms: int) -> None:
        marks = self._equity_marks.setdefault(account_id, EquityMarks())
        if marks.update(equity, self.clock.trading_day(now_ms)) and self._on_marks is not None:
            try:
                self._on_marks(account_id, marks.to_dict())
            except Exception as exc:  # saving marks must never stop the views
                log.warning("%s: equity marks not saved: %s", account_id, exc)

    def order_sent(self, slave_id: str, sent_ms: int) -> None:
        """Count a command sent to a slave (the orders-per-minute rule reads them)."""
        self._order_logs[slave_id].add(sent_ms)

    def point(self, account_id: str, symbol: str) -> float | None:
        snap = self._snapshots.get(account_id)
        spec = snap.symbols.get(symbol) if snap else None
        return spec.point if spec else None

    # ----- the engine's views -------------------------------------------------------------
    def master_view(self, account_id: str) -> MasterView | None:
        snap = self._snapshots.get(account_id)
        return None if snap is None else MasterView(account=snap.account, symbols=snap.symbols)

    def slave_view(
        self, account_id: str, risk_stops: Mapping[int, RiskStop] | None = None
    ) -> SlaveView | None:
        snap = self._snapshots.get(account_id)
        if snap is None:
            return None
        stops = risk_stops if risk_stops is not None else {}
        found = self._equity_marks.get(account_id)
        marks = (found.day_start, found.peak_day, found.peak_all) if found else (0.0, 0.0, 0.0)
        status = self._status.get(account_id)
        log = self._order_logs[account_id]
        times, start, stop = log.times, log.start, len(log.times)
        built = self._built.get(account_id)
        if (built is not None and built.snapshot is snap and built.status is status
                and built.clock is self.clock and built.order_log is times
                and built.orders_from == start and built.orders_to == stop
                and built.marks == marks and built.risk_stops == stops):  # fmt: skip
            return built.view
        view = SlaveView(
            account=snap.account,
            positions=snap.positions,
            orders=snap.orders,
            symbols=snap.symbols,
            quotes=snap.quotes,
            day_start_equity=marks[0],
            equity_peak_day=marks[1],
            equity_peak_all_time=marks[2],
            recent_order_times_ms=OrderTimes(times, start, stop),
            connected=status.connected if status else True,
            clock=self.clock,
            risk_stops=stops,
        )
        self._built[account_id] = _Built(view, snap, status, self.clock, marks, times, start, stop,
                                         stops)  # fmt: skip
        return view

    # ----- asking the terminals -----------------------------------------------------------
    async def refresh(self, account_ids: Iterable[str] | None = None) -> None:
        ids = list(account_ids) if account_ids is not None else list(self._terminals)
        # All at once: one terminal slow to answer must not hold back the others' views.
        await asyncio.gather(*(self._refresh_one(account_id) for account_id in ids))

    async def refresh_quotes(
        self, account_ids: Iterable[str], *, max_age_ms: int | None = None
    ) -> None:
        """Refresh these accounts with current quotes, as deciding a pending copy needs (is its
        price already reached?). An EA sends quotes only with its symbol specs, so its terminal
        is asked for them when they are older than ``max_age_ms`` (default: the terminal's own
        ``QUOTES_MAX_AGE_MS``; 0: always); the other terminals' snapshots always carry current
        quotes."""
        await asyncio.gather(*(self._refresh_one(a, fresh_quotes=True, max_age_ms=max_age_ms)
                               for a in dict.fromkeys(account_ids)))  # fmt: skip

    async def _refresh_one(
        self, account_id: str, *, fresh_quotes: bool = False, max_age_ms: int | None = None
    ) -> None:
        terminal = self._terminals.get(account_id)
        if terminal is None or not terminal.connected:
            return
        try:
            if fresh_quotes and terminal.kind == "ea":
                ea = cast("EaTerminal", terminal)
                snap = await ea.snapshot(fresh_quotes=True, quotes_max_age_ms=max_age_ms)
            else:
                snap = await terminal.snapshot()
        except Exception as exc:  # a terminal that cannot answer is reported, not fatal
            log.warning("%s: snapshot failed: %s", account_id, exc)
            return
        self._snapshots[account_id] = _newest_quotes(snap, self._snapshots.get(account_id))
        # The copier's clock, not the terminal's: every mark and stop counts in the same days.
        self._mark(account_id, snap.account.equity, self._clock())
        if self._on_new_specs is not None:
            self._hand_on_new_specs(account_id, snap.symbols, self._on_new_specs)

    def _hand_on_new_specs(
        self, account_id: str, symbols: Mapping[str, SymbolSpec], hook: SpecsHook
    ) -> None:
        """Give the hook the specs that appeared or changed since it last saw this account's."""
        handed = self._handed_specs.setdefault(account_id, {})
        if symbols == handed:
            return  # the usual refresh: nothing new
        changed = {name: spec for name, spec in symbols.items() if handed.get(name) != spec}
        if not changed:
            return  # symbols were only left out (a snapshot without specs): nothing to save
        try:
            hook(account_id, changed)
        except Exception as exc:  # saving specs must never stop the views
            log.warning("%s: symbol specs not saved: %s", account_id, exc)
            return
        handed.update(changed)

    async def first_views(self, account_ids: Iterable[str]) -> None:
        """Hold the event until every account it goes to has been seen once since the start.
        An account without a terminal (disabled, removed) cannot be waited for: its copies are
        skipped with a warning, as a link to nowhere must be."""
        missing = [a for a in dict.fromkeys(account_ids) if a not in self._snapshots]
        warn_at = time.monotonic() + FIRST_VIEW_WAIT_S
        while missing:
            gone = [a for a in missing if a not in self._terminals]
            for account_id in gone:
                log.warning("%s: no terminal for this account; its copies of this event are "
                            "skipped", account_id)
            missing = [a for a in missing if a not in gone]
            await self.refresh(missing)
            missing = [a for a in missing if a not in self._snapshots]
            if missing and time.monotonic() >= warn_at:
                warn_at = time.monotonic() + FIRST_VIEW_WAIT_S
                log.warning("a master event is held, unacknowledged, until %s sent a first "
                            "snapshot", ", ".join(missing))
            if missing:
                await asyncio.sleep(FIRST_VIEW_POLL_S)


def _newest_quotes(snap: TerminalSnapshot, previous: TerminalSnapshot | None) -> TerminalSnapshot:
    """``snap`` with, per symbol, the newer of its quote and the one already known. Refreshes
    run side by side (the periodic one, one for a pending decision), and an EA's snapshot
    without symbol specs carries the quotes of its last specs: the one answered last must not
    put older quotes back."""
    if previous is None or not previous.quotes or snap.quotes is previous.quotes:
        return snap
    newer = {name: quote for name, quote in previous.quotes.items()
             if name not in snap.quotes or quote.time_ms > snap.quotes[name].time_ms}  # fmt: skip
    return replace(snap, quotes={**snap.quotes, **newer}) if newer else snap
