"""Statistics from the store's SQL sums equal a row-by-row replay of the same trade log, for the
positions the sums price and for those they hand back to be replayed: a renumbered master
ticket, an add after a close, a close without a size, closes beyond the opens, a master's
'increased' event, a link no longer saved, fills without a symbol spec."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy import insert

from copier.domain import SymbolSpec
from copier.engine.config import Link, LinkRules
from copier.stats import build_stats, compute_stats, read_trade_log
from copier.stats.aggregated import read_sums
from copier.store import Store
from copier.store.models import TradeLogCopyRow, TradeLogDenialRow, TradeLogEventRow, table

DAY = 86_400_000
T0 = 20_000 * DAY + 3_600_000  # 1 h into a UTC day
M, S1, S2 = "mt4:1@A", "mt5:2@B", "mt5:3@B"
SPEC = SymbolSpec("EURUSD", 5, 0.00001, 100_000, 0.00001, 1.0, 0.01, 100, 0.01)
_ids = count(1)


def copy(link: int, ticket: int, kind: str, volume: float | None, price: float, at: int, *,
         slave: str = S1, side: str = "buy", symbol: str = "EURUSD", slip: float | None = 1.0,
         status: str = "executed") -> dict[str, Any]:
    n = next(_ids)
    return {
        "command_id": f"c{n:05d}", "link_id": link, "master_id": M, "slave_id": slave,
        "master_ticket": ticket, "master_seq": n, "symbol": "EURUSD", "slave_symbol": symbol,
        "side": side, "order_type": side, "kind": kind, "requested_volume": volume or 0.0,
        "filled_volume": volume, "master_price": price, "slave_price": price,
        "slippage_points": slip, "status": status, "retcode": None, "message": "",
        "slave_ticket": n, "detected_ms": at, "received_ms": at, "decided_ms": at,
        "sent_ms": at, "executed_ms": at + 5,
    }


def event(kind: str, ticket: int, volume: float, price: float, at: int, *, closed: float = 0.0,
          new_ticket: int | None = None, order_type: str = "buy") -> dict[str, Any]:
    return {
        "account_id": M, "seq": next(_ids), "kind": kind, "ticket": ticket, "symbol": "EURUSD",
        "order_type": order_type, "volume": volume, "price": price, "sl": 0.0, "tp": 0.0,
        "closed_volume": closed, "new_ticket": new_ticket, "magic": 0, "comment": "",
        "detected_ms": at, "received_ms": at, "decided_ms": at,
    }


def _seed(store: Store) -> None:
    h = 3_600_000
    copies = [
        # 1: a plain position on two days, priced from sums
        copy(1, 100, "open", 0.1, 1.1000, T0), copy(1, 100, "open", 0.2, 1.1010, T0 + h),
        copy(1, 100, "close", 0.1, 1.1050, T0 + DAY), copy(1, 100, "close", 0.2, 1.1060, T0 + DAY),
        # 2: renumbered by a partial close (MT4): the remainder's close is ticket 201
        copy(1, 200, "open", 0.4, 1.2000, T0), copy(1, 200, "close", 0.1, 1.2010, T0 + h),
        copy(1, 201, "close", 0.3, 1.1990, T0 + 2 * h, side="buy"),
        # 3: an add after a close
        copy(1, 300, "open", 0.2, 1.3000, T0), copy(1, 300, "close", 0.1, 1.3010, T0 + h),
        copy(1, 300, "open", 0.1, 1.3100, T0 + 2 * h),
        copy(1, 300, "close", 0.1, 1.3200, T0 + 3 * h),  # 0.1 stays open
        # 4: a close without a size takes what is held; 5: closes beyond the opens
        copy(1, 400, "open", 0.3, 1.4000, T0, side="sell"),
        copy(1, 400, "close", None, 1.3900, T0 + h, side="sell"),
        copy(1, 500, "open", 0.1, 1.5000, T0), copy(1, 500, "close", 0.3, 1.5100, T0 + h),
        # a slave without a spec, a failed copy, a sent one, a link no longer saved
        copy(2, 100, "open", 0.5, 1.1000, T0, slave=S2, symbol="XAUUSD", slip=3.0),
        copy(2, 100, "close", 0.5, 1.1100, T0 + DAY, slave=S2, symbol="XAUUSD", slip=0.0),
        copy(2, 600, "open", 0.1, 1.0, T0, slave=S2, status="failed"),
        copy(2, 600, "open", 0.1, 1.0, T0 + h, slave=S2, status="sent", slip=None),
        copy(9, 700, "open", 0.1, 1.0, T0, slave=S2),
    ]
    events = [
        event("opened", 100, 0.1, 1.0995, T0), event("increased", 100, 0.3, 1.1005, T0 + h),
        event("partially_closed", 100, 0.2, 1.1045, T0 + DAY, closed=0.1),
        event("closed", 100, 0.0, 1.1055, T0 + DAY, closed=0.2),
        event("opened", 200, 0.4, 1.1995, T0),
        event("partially_closed", 200, 0.3, 1.2005, T0 + h, closed=0.1, new_ticket=201),
        event("closed", 201, 0.0, 1.1985, T0 + 2 * h, closed=0.3),
        event("opened", 300, 0.2, 1.2995, T0),  # and an add after a close, 0.1 left open
        event("partially_closed", 300, 0.1, 1.3005, T0 + h, closed=0.1),
        event("pending_filled", 300, 0.1, 1.3100, T0 + 2 * h),
        event("partially_closed", 300, 0.1, 1.3195, T0 + 3 * h, closed=0.1),
        event("opened", 400, 0.3, 1.4005, T0, order_type="sell"),
        event("closed", 400, 0.0, 1.3895, T0 + h, order_type="sell", closed=0.3),
        event("opened", 500, 0.1, 1.4995, T0), event("closed", 500, 0.0, 1.5095, T0 + h,
                                                     closed=0.1),
    ]
    denials = [{"link_id": link, "master_id": M, "slave_id": slave, "master_ticket": 1,
                "master_seq": next(_ids), "rule": rule, "reason": "no", "time_ms": at}
               for link, slave, rule, at in ((1, S1, "max_lot", T0), (9, S2, "symbol", T0 + DAY),
                                             (9, S2, "symbol", T0 + DAY))]

    def write(conn: Any, _now: int) -> None:
        conn.execute(insert(table(TradeLogCopyRow)), copies)
        conn.execute(insert(table(TradeLogEventRow)), events)
        conn.execute(insert(table(TradeLogDenialRow)), denials)

    store.write(write)


def test_the_sums_equal_a_replay_of_every_row(store: Store) -> None:
    _seed(store)
    for link in (Link(0, M, S1, LinkRules(), name="one"), Link(0, M, S2, LinkRules())):
        store.save_link(link)
    specs = {S1: {"EURUSD": SPEC}, M: {"EURUSD": SPEC}}

    summed = compute_stats(store, specs, now_ms=1)
    replayed = build_stats(store.read(read_trade_log), store.load_links(), specs, now_ms=1)

    assert summed == replayed
    assert summed["total"]["pnl"] != 0 and summed["total"]["master_pnl"] != 0
    assert summed["total"]["unpriced"] > 0  # S2's XAUUSD has no spec
    assert {link["link_id"] for link in summed["links"]} == {1, 2, 9}


def test_only_the_positions_the_sums_cannot_price_are_read_row_by_row(store: Store) -> None:
    _seed(store)

    sums = store.read(read_sums)

    replayed = {(r.link_id, r.master_ticket) for r in sums.fill_rows}
    assert replayed == {(1, 200), (1, 201), (1, 300), (1, 400), (1, 500)}
    assert {(r.account_id, r.ticket) for r in sums.event_rows} == {
        (M, 100), (M, 200), (M, 201), (M, 300)}
