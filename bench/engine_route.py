"""Benchmark of the copy engine alone: what one ``route(...)`` call costs per link and event.

The inputs are shaped as the copy service hands them over (``CopyService._handle_event``): a
master event, a link with the rules a trader typically turns on (an explicit symbol map plus a
suffix, a lot multiplier with a per-symbol multiplier and limits, symbol/magic/comment/direction
filters, and the protection rules — daily loss, drawdown, equity floor, margin level, signal age,
trading days and hours, orders per minute, lot per order, open positions, volume per symbol,
price deviation), a slave view of ~20 open positions over ~30 symbol specs with quotes, and the
link's ticket book read through the service's own ``TicketLedger``.

Each case is timed call by call with ``time.perf_counter_ns``; the figures are µs per call, p50
and mean, after a warm-up. A case fails loudly if the engine does not decide as expected (an
open must go out, a close must close), so a faster engine that decides differently is caught.

``--rules default`` runs the same cases under a new link's default rules (what
bench/bridge_latency.py copies with): no filters, no protection, only the suffix mapping.

``--views`` times the whole per-link work of ``CopyService._handle_event`` instead: events
``1 / --rate`` s apart, each routed over ``--links`` links (one slave each), with the master's
view once per event and per link the slave's view from ``AccountViews`` with its risk stops from
``TraderControls.stops_of``, the route, and every command counted as sent
(``AccountViews.order_sent``); each slave starts with a minute of order times at that rate
(6,000 at 100 events/s). Figures are µs per link (the event's time over its links). The typical
rules allow 120 orders a minute: with them, ``--rate`` above 2 ends in a loud failure.

    python bench/engine_route.py [--calls 20000] [--rules typical|default]
        [--profile opened|closed|modified] [--views [--links 10] [--rate 100]]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier.account_views import AccountViews
from copier.domain import (
    AccountInfo,
    CommandKind,
    EventKind,
    MarginMode,
    MasterEvent,
    OrderType,
    Platform,
    Position,
    Quote,
    Side,
    SymbolSpec,
    TerminalSnapshot,
)
from copier.engine.config import Link, LinkRules, LotMode, StopsMode
from copier.engine.router import route
from copier.engine.state import MasterView, RouteOutcome, SlaveView, TicketLink, TicketState
from copier.ticket_ledger import TicketLedger
from copier.trader_controls import TraderControls

NOW_MS = 1_700_000_000_000  # a Tuesday, 22:13 UTC
MASTER_TICKET = 900_001
BASES = (
    "EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "NZDUSD", "USDCAD", "EURGBP", "EURJPY",
    "GBPJPY", "EURCHF", "AUDJPY", "CHFJPY", "EURAUD", "GBPCHF", "XAUUSD", "XAGUSD", "US30",
    "GER40", "NAS100", "UK100", "JPN225", "BTCUSD", "ETHUSD", "USOIL", "UKOIL", "EURNZD",
    "GBPAUD", "AUDCAD", "CADJPY",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Inputs:
    link: Link
    master: MasterView
    slave: SlaveView
    ledger: TicketLedger


def _account(account_id: str, balance: float, equity: float) -> AccountInfo:
    return AccountInfo(
        account_id=account_id,
        platform=Platform.MT5,
        login=1,
        server="Demo",
        currency="USD",
        margin_mode=MarginMode.HEDGING,
        balance=balance,
        equity=equity,
        margin=1_500.0,
        margin_free=equity - 1_500.0,
    )


def _spec(name: str) -> SymbolSpec:
    return SymbolSpec(
        name=name, digits=5, point=0.00001, contract_size=100_000.0, tick_size=0.00001,
        tick_value=1.0, volume_min=0.01, volume_max=100.0, volume_step=0.01,
    )  # fmt: skip


def _rules() -> LinkRules:
    return LinkRules(
        lot_mode=LotMode.MULTIPLIER,
        lot_value=0.5,
        max_lot=5.0,
        symbol_map={"GOLD": "XAUUSD.m", "DJ30": "US30.m", "DAX": "GER40.m"},
        add_suffix=".m",
        symbol_lot_multipliers={"XAUUSD.m": 0.5, "EURUSD.m": 1.2},
        stops_mode=StopsMode.PRICE,
        symbols_allow=("EUR*", "GBP*", "USD*", "XAU*", "GOLD", "DJ30", "DAX"),
        symbols_deny=("*CHF",),
        magic_deny=(666, 777),
        comment_pattern=r"^(?!manual)",
        direction="both",
        master_lot_max=50.0,
        max_lot_per_order=10.0,
        max_open_positions=60,
        max_volume_per_symbol=40.0,
        max_daily_loss_pct=5.0,
        max_drawdown_pct=10.0,
        equity_floor=1_000.0,
        min_margin_level_pct=150.0,
        max_signal_age_ms=5_000,
        trading_days=(0, 1, 2, 3, 4),
        trading_hours=(0, 1440),
        max_orders_per_minute=120,
        max_deviation_points=50,
    )


RULES: dict[str, Callable[[], LinkRules]] = {
    "typical": _rules,
    "default": lambda: LinkRules(add_suffix=".m"),
}


def build_inputs(rules: LinkRules) -> Inputs:
    link = Link(id=7, master_id="master", slave_id="slave", rules=rules)
    names = [f"{base}.m" for base in BASES]
    symbols = {name: _spec(name) for name in names}
    quotes = {name: Quote(name, 1.10000, 1.10010, NOW_MS) for name in names}
    positions = tuple(
        Position(ticket=5_000 + n, symbol=names[n % 6], side=Side.BUY if n % 2 else Side.SELL,
                 volume=0.5, open_price=1.1, magic=0, comment=f"TC|{800_000 + n}")
        for n in range(20)
    )  # fmt: skip
    slave = SlaveView(
        account=_account("slave", 20_000.0, 19_800.0),
        positions=positions,
        symbols=symbols,
        quotes=quotes,
        day_start_equity=20_000.0,
        equity_peak_day=20_100.0,
        equity_peak_all_time=21_000.0,
        recent_order_times_ms=tuple(NOW_MS - 1_000 * n for n in range(30, 0, -1)),
    )
    master = MasterView(account=_account("master", 10_000.0, 9_900.0), symbols={})
    ledger = TicketLedger()
    for n, held in enumerate(positions):
        ledger.put(_copy(800_000 + n, held.symbol, held.side, held.ticket))
    ledger.put(_copy(MASTER_TICKET, "EURUSD.m", Side.BUY, 6_000))
    return Inputs(link, master, slave, ledger)


class _Terminal:
    """A terminal that answers one fixed snapshot (what ``AccountViews.refresh`` asks)."""

    kind = "simulated"
    connected = True

    def __init__(self, snap: TerminalSnapshot) -> None:
        self._snap = snap

    async def snapshot(self) -> TerminalSnapshot:
        return self._snap


def _service_loop(
    inputs: Inputs, event: MasterEvent, links: int, rate: float
) -> Callable[[], list[RouteOutcome]]:
    """Events like ``event``, ``1 / rate`` s apart, each over ``links`` links as
    ``CopyService._handle_event`` decides it; every slave has been sent an order per event for
    the minute before."""
    slave, master = inputs.slave, inputs.master
    terminals = {"master": _Terminal(TerminalSnapshot(master.account, (), (), master.symbols))}
    all_links: dict[int, Link] = {}
    for n in range(links):
        slave_id = f"slave{n}"
        account = replace(slave.account, account_id=slave_id)
        terminals[slave_id] = _Terminal(TerminalSnapshot(
            account, slave.positions, slave.orders, slave.symbols, slave.quotes))  # fmt: skip
        all_links[n + 1] = Link(id=n + 1, master_id="master", slave_id=slave_id,
                                rules=inputs.link.rules)  # fmt: skip
    step = 1_000 / rate
    clock = [NOW_MS]
    views = AccountViews(terminals, lambda: clock[0])  # type: ignore[arg-type]
    asyncio.run(views.refresh())
    for link in all_links.values():
        for n in range(int(60_000 / step), 0, -1):
            views.order_sent(link.slave_id, round(NOW_MS - n * step))
    controls = TraderControls(SimpleNamespace(views=views, links=all_links))  # type: ignore[arg-type]
    book = inputs.ledger.book
    ordered = list(all_links.values())
    events = iter(replace(event, seq=event.seq + n, time_ms=round(NOW_MS + n * step) - 40)
                  for n in itertools.count())  # fmt: skip

    def once() -> list[RouteOutcome]:
        this = next(events)
        now = clock[0] = this.time_ms + 40
        master_view = views.master_view(this.account_id)
        assert master_view is not None
        outcomes = []
        for link in ordered:
            slave_view = views.slave_view(link.slave_id, controls.stops_of(link.slave_id, now))
            assert slave_view is not None
            outcomes.append(route(this, link, book, master_view, slave_view, now))
        for outcome in outcomes:
            for command in outcome.commands:
                views.order_sent(command.slave_id, now)
        return outcomes

    return once


def _copy(master_ticket: int, symbol: str, side: Side, slave_ticket: int) -> TicketLink:
    return TicketLink(
        link_id=7, master_ticket=master_ticket, slave_symbol=symbol, side=side,
        state=TicketState.OPEN, slave_ticket=slave_ticket, slave_volume=0.6, master_volume=1.0,
        sl=1.095, tp=1.11, opened_ms=NOW_MS - 60_000, last_command_id="L7-T1-S1",
    )  # fmt: skip


def _event(kind: EventKind, ticket: int, **fields: object) -> MasterEvent:
    values: dict[str, object] = {
        "account_id": "master", "seq": 42, "kind": kind, "ticket": ticket, "symbol": "EURUSD",
        "order_type": OrderType.BUY, "volume": 1.0, "price": 1.10005, "time_ms": NOW_MS - 40,
        "sl": 1.095, "tp": 1.11, "magic": 12, "comment": "grid 3",
    }  # fmt: skip
    values.update(fields)
    return MasterEvent(**values)  # type: ignore[arg-type]


CASES: dict[str, MasterEvent] = {
    "opened": _event(EventKind.OPENED, 900_002),
    "closed": _event(EventKind.CLOSED, MASTER_TICKET, volume=0.0),
    "modified": _event(EventKind.MODIFIED, MASTER_TICKET, sl=1.0955, tp=1.1105),
}
EXPECTED: dict[str, CommandKind] = {
    "opened": CommandKind.OPEN,
    "closed": CommandKind.CLOSE,
    "modified": CommandKind.MODIFY,
}


def _call(inputs: Inputs, event: MasterEvent) -> Callable[[], RouteOutcome]:
    link, book, master, slave = inputs.link, inputs.ledger.book, inputs.master, inputs.slave

    def once() -> RouteOutcome:
        return route(event, link, book, master, slave, NOW_MS)

    return once


def _check(name: str, outcome: RouteOutcome) -> None:
    kinds = [command.kind for command in outcome.commands]
    if kinds != [EXPECTED[name]] or outcome.denials:
        raise SystemExit(f"{name}: the engine decided {kinds} {outcome.denials}, not one "
                         f"{EXPECTED[name].value}")  # fmt: skip


def time_case(once: Callable[[], object], calls: int) -> tuple[float, float, float]:
    """p50 and mean µs per call over ``calls`` timed calls (after a tenth as warm-up), and the
    process's CPU µs per call over them (the clock reads included)."""
    for _ in range(max(calls // 10, 100)):
        once()
    clock = time.perf_counter_ns
    samples = [0] * calls
    cpu = time.process_time()
    for n in range(calls):
        start = clock()
        once()
        samples[n] = clock() - start
    cpu = (time.process_time() - cpu) / calls * 1e6
    return statistics.median(samples) / 1_000, statistics.fmean(samples) / 1_000, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="timed calls per case")
    parser.add_argument("--rules", choices=sorted(RULES), default="typical", help="link rules")
    parser.add_argument("--profile", choices=sorted(CASES), help="cProfile one case instead")
    parser.add_argument("--views", action="store_true", help="time the service's per-link work")
    parser.add_argument("--links", type=int, default=10, help="links per event with --views")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="events a second with --views (typical rules: at most 2)")  # fmt: skip
    args = parser.parse_args()
    inputs = build_inputs(RULES[args.rules]())
    for name, event in CASES.items():
        _check(name, _call(inputs, event)())
    links = args.links if args.views else 1

    def timed(event: MasterEvent) -> Callable[[], object]:
        if args.views:
            return _service_loop(inputs, event, links, args.rate)
        return _call(inputs, event)

    if args.profile:
        once = timed(CASES[args.profile])
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [once() for _ in range(max(args.calls // links, 100))])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    what = f"service per link ({links} links an event)" if args.views else "engine route"
    print(f"{what}, {args.rules} rules, {args.calls} calls per case, "
          f"CPython {platform.python_version()}, {platform.machine()}")  # fmt: skip
    print(f"{'event':<10} {'p50 µs':>8} {'mean µs':>8} {'CPU µs':>8}")
    for name, event in CASES.items():
        once = timed(event)
        p50, mean, cpu = time_case(once, max(args.calls // links, 100))
        if args.views:  # the last event decides as the first: no rule has started to refuse
            for outcome in cast(list[RouteOutcome], once()):
                _check(name, outcome)
        print(f"{name:<10} {p50 / links:8.1f} {mean / links:8.1f} {cpu / links:8.1f}")


if __name__ == "__main__":
    main()
