"""A slave's view is handed out again until something it is made of changes: whatever happens
to the account between two asks (a new snapshot, an account figure, a status, an order sent, a
risk stop, the trading clock), the view asked next is the one built from scratch, and a view
already handed out never changes."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace
from typing import cast

from hypothesis import given
from hypothesis import strategies as st
from msgspec import structs

from copier.account_views import ORDER_LOG_SLACK, ORDER_RATE_WINDOW_MS, AccountViews
from copier.domain import AccountInfo, MarginMode, Platform, TerminalSnapshot, TerminalStatus
from copier.engine.config import DrawdownAction
from copier.engine.state import OrderTimes, RiskStop, SlaveView
from copier.engine.tradingday import TradingClock
from copier.terminals.base import Terminal

ACCOUNT = AccountInfo("s", Platform.MT5, 2, "Demo", "USD", MarginMode.HEDGING, 1000, 1000)
STOP = RiskStop(7, "max_daily_loss", "daily loss 5% reached", DrawdownAction.STOP_OPENING, 0, 1)


class EquityTerminal:
    """Answers a snapshot with the equity it is told."""

    kind = "simulated"
    connected = True

    def __init__(self) -> None:
        self.equity = 1000.0

    async def snapshot(self) -> TerminalSnapshot:
        return TerminalSnapshot(replace(ACCOUNT, equity=self.equity), (), (), time_ms=1)


class Model:
    """The account as the test knows it: what a view built from scratch holds."""

    def __init__(self, views: AccountViews) -> None:
        self.views = views
        self.orders: deque[int] = deque()
        self.stops: dict[int, RiskStop] = {}

    def expected(self) -> SlaveView:
        snap = self.views.snapshot("s")
        marks = self.views.marks("s")
        status = self.views.status("s")
        assert snap is not None and marks is not None
        return SlaveView(
            account=snap.account, positions=snap.positions, orders=snap.orders,
            symbols=snap.symbols, quotes=snap.quotes, day_start_equity=marks.day_start,
            equity_peak_day=marks.peak_day, equity_peak_all_time=marks.peak_all,
            recent_order_times_ms=tuple(self.orders),
            connected=status.connected if status else True, clock=self.views.clock,
            risk_stops=dict(self.stops),
        )  # fmt: skip


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("ask"), st.none()),
        st.tuples(st.just("refresh"), st.floats(500, 2000)),
        st.tuples(st.just("account"), st.floats(500, 2000)),
        st.tuples(st.just("status"), st.booleans()),
        st.tuples(st.just("order"), st.integers(0, 3 * ORDER_RATE_WINDOW_MS)),
        st.tuples(st.just("stop"), st.booleans()),
        st.tuples(st.just("clock"), st.integers(-120, 120)),
        st.tuples(st.just("marks"), st.floats(500, 2000)),
    ),
    max_size=40,
)


@given(steps=STEPS)
def test_the_view_asked_is_always_the_one_built_from_scratch(
    steps: list[tuple[str, object]],
) -> None:
    terminal = EquityTerminal()
    now = [1_000]
    views = AccountViews({"s": cast(Terminal, terminal)}, lambda: now[0])
    asyncio.run(views.refresh(["s"]))
    model = Model(views)
    handed: list[tuple[SlaveView, SlaveView]] = []  # each view handed out, and a copy of it
    for what, value in steps:
        if what == "refresh":
            terminal.equity = cast(float, value)
            asyncio.run(views.refresh(["s"]))
        elif what == "account":
            views.account_update(replace(ACCOUNT, equity=cast(float, value)), now[0])
        elif what == "status":
            views.set_status(TerminalStatus("s", connected=cast(bool, value)))
        elif what == "order":
            now[0] += cast(int, value)
            views.order_sent("s", now[0])
            model.orders.append(now[0])
            while model.orders[0] < now[0] - ORDER_RATE_WINDOW_MS:
                model.orders.popleft()
        elif what == "stop":
            model.stops = {7: STOP} if value else {}
        elif what == "clock":
            views.clock = TradingClock(utc_offset_minutes=cast(int, value))
        elif what == "marks":  # put back after a restart
            views.restore_marks({"s": {"day": 0, "day_start": value, "peak_day": value,
                                       "peak_all": value}})  # fmt: skip
        view = views.slave_view("s", dict(model.stops))
        assert view == model.expected()
        frozen = tuple(view.recent_order_times_ms)
        handed.append((view, structs.replace(view, recent_order_times_ms=frozen)))
    for view, copy in handed:
        assert view == copy  # nothing handed out changed afterwards


def test_nothing_changed_hands_out_the_same_view_and_anything_changed_a_new_one() -> None:
    views = AccountViews({"s": cast(Terminal, EquityTerminal())}, lambda: 1)
    asyncio.run(views.refresh(["s"]))

    first = views.slave_view("s", {})
    assert views.slave_view("s", {}) is first
    assert views.slave_view("s", {7: STOP}) is not first
    views.order_sent("s", 5)
    assert views.slave_view("s", {}) is not first


def test_a_log_copied_down_to_the_same_length_is_not_taken_for_the_old_one() -> None:
    views = AccountViews({"s": cast(Terminal, EquityTerminal())}, lambda: 1)
    asyncio.run(views.refresh(["s"]))
    views.order_sent("s", 0)
    first = views.slave_view("s")
    assert first is not None and first.recent_order_times_ms == (0,)
    for _ in range(ORDER_LOG_SLACK + 100):
        views.order_sent("s", 1)
    views.order_sent("s", 1 + ORDER_RATE_WINDOW_MS + 1)  # all the others have aged

    view = views.slave_view("s")

    assert view is not None and view.recent_order_times_ms == (ORDER_RATE_WINDOW_MS + 2,)
    assert first.recent_order_times_ms == (0,)


def test_order_times_outlive_the_log_being_copied_down() -> None:
    views = AccountViews({"s": cast(Terminal, EquityTerminal())}, lambda: 1)
    asyncio.run(views.refresh(["s"]))
    sent = []
    held: list[tuple[OrderTimes, tuple[int, ...]]] = []
    for n in range(6 * ORDER_LOG_SLACK):
        now = n * 100  # ten a second: a minute holds 600
        views.order_sent("s", now)
        sent.append(now)
        view = views.slave_view("s")
        assert view is not None
        times = cast(OrderTimes, view.recent_order_times_ms)
        expected = tuple(t for t in sent if t >= now - ORDER_RATE_WINDOW_MS)
        assert times == expected and len(times) == len(expected)
        assert times[0] == expected[0] and times[-1] == expected[-1]
        held.append((times, expected))
    for times, expected in held:
        assert tuple(times) == expected
