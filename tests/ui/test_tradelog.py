"""The trade log screen: filters narrow the rows, pages load as the view scrolls, sorting works on
100,000 rows quickly, and Export CSV writes exactly the filtered rows."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert

from copier.app.reports import ExportCancelled, LogQuery, export_log
from copier.domain import EventKind, MasterEvent, OrderType
from copier.engine.state import CopyDenied
from copier.store import CopyFilter
from copier.store.export import HEADER
from copier.store.models import TradeLogCopyRow, table
from copier.ui.copy_details import status_words
from copier.ui.core_signals import UiBridge
from copier.ui.pages.tradelog import COLUMNS, PAGE_SIZE, SORT_COLUMN, TradeLogPage
from copier.ui.session import CoreSession
from tests.perf import PerfFigures
from tests.ui.conftest import Run, until

SYMBOLS = ("EURUSD", "XAUUSD", "GBPUSD", "USDJPY")
STATUSES = ("executed", "executed", "executed", "failed", "sent")
T0 = 1_780_000_000_000
COLUMNS_BY_TITLE = {title: column for column, (title, _key, _text) in enumerate(COLUMNS)}


def _row(n: int) -> dict[str, Any]:
    symbol = SYMBOLS[n % len(SYMBOLS)]
    status = STATUSES[n % len(STATUSES)]
    return {
        "command_id": f"L1-T{n}-S{n}", "link_id": 1 + n % 2, "master_id": "master",
        "slave_id": f"slave-{n % 2}", "master_ticket": n, "master_seq": n, "symbol": symbol,
        "slave_symbol": symbol + ".m", "side": "buy" if n % 3 else "sell", "order_type": "buy",
        "kind": "open", "requested_volume": 0.1, "filled_volume": 0.1, "master_price": 1.1,
        "slave_price": 1.1, "slippage_points": float(n % 7), "status": status,
        "retcode": 10009 if status == "executed" else 10006,
        "message": "requote storm" if status == "failed" else "", "slave_ticket": n,
        "detected_ms": T0 + n * 1000, "received_ms": T0 + n * 1000 + 1,
        "decided_ms": T0 + n * 1000 + 2, "sent_ms": T0 + n * 1000 + 3,
        "executed_ms": T0 + n * 1000 + 5,
    }


def seed_trade_log(session: CoreSession, count: int) -> None:
    engine = create_engine(f"sqlite:///{session.app.store.path}")
    with engine.begin() as conn:
        conn.execute(insert(table(TradeLogCopyRow)), [_row(n) for n in range(count)])
    engine.dispose()


@pytest.fixture
def seeded(make_session: Callable[..., CoreSession], run: Run[Any]) -> Callable[[int], Any]:
    def make(count: int) -> Any:
        session = make_session(trade=False)
        run(session.start())
        seed_trade_log(session, count)
        page = TradeLogPage(session, UiBridge())
        return session, page

    return make


def test_filters_narrow_the_rows_to_what_they_select(seeded: Any, run: Run[Any]) -> None:
    _session, page = seeded(1_000)

    run(page.reload())
    everything = page.model.total
    page.symbol.setEditText("XAUUSD")
    page.status.setCurrentIndex(page.status.findText("failed"))
    run(page.reload())

    assert everything == 1_000
    assert 0 < page.model.total < everything
    assert {(r.symbol, r.status) for r in page.model.rows} == {("XAUUSD", "failed")}
    page.text.setText("requote")
    run(page.reload())
    assert all("requote" in r.message for r in page.model.rows)


def test_rows_load_a_page_at_a_time_as_the_view_asks(seeded: Any, run: Run[Any]) -> None:
    _session, page = seeded(1_000)

    run(page.reload())
    first = len(page.model.rows)
    assert page.model.canFetchMore()
    page.model.fetchMore()
    run(_until_rows(page, 2 * PAGE_SIZE))

    assert first == PAGE_SIZE
    assert len({r.command_id for r in page.model.rows}) == 2 * PAGE_SIZE
    assert "1,000 copies and refusals match" in page.count_label.text()


async def _until_rows(page: Any, count: int) -> None:
    await until(lambda: len(page.model.rows) >= count, what=f"{count} rows")


@pytest.mark.perf
def test_filtering_and_sorting_100000_rows_stays_interactive(
    seeded: Any, run: Run[Any], perf: PerfFigures
) -> None:
    _session, page = seeded(100_000)

    started = time.perf_counter()
    page.symbol.setEditText("GBPUSD")
    run(page.reload())
    page.model.sort(SORT_COLUMN["status"])  # ascending
    run(page.reload())
    elapsed = time.perf_counter() - started

    assert page.model.total == 25_000
    assert page.model.rows[0].status <= page.model.rows[-1].status
    perf.bound("filter and sort 100,000 trade-log rows", elapsed, 2.5, "s")


def test_export_writes_exactly_the_filtered_rows(seeded: Any, run: Run[Any],
                                                  tmp_path: Path) -> None:
    _session, page = seeded(2_500)
    page.account.setEditText("slave-1")
    page.status.setCurrentIndex(page.status.findText("executed"))
    out = tmp_path / "trades.csv"

    written = run(page.export_to(out))

    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == list(HEADER)
    assert written == len(rows) - 1 == 750
    column = {name: i for i, name in enumerate(HEADER)}
    assert {(r[column["slave_account"]], r[column["status"]]) for r in rows[1:]} == {
        ("slave-1", "executed")}
    assert "exported 750 rows" in page.notice.text()


def test_a_cancelled_export_leaves_no_file_behind(
    make_session: Callable[..., CoreSession], run: Run[Any], tmp_path: Path
) -> None:
    session = make_session(trade=False)
    run(session.start())
    seed_trade_log(session, 3_000)
    out = tmp_path / "cancelled.csv"

    with pytest.raises(ExportCancelled):
        export_log(session.app.store, LogQuery(CopyFilter()), out, lambda done, total: False)

    assert list(tmp_path.glob("cancelled.csv*")) == []


def _refusal(session: CoreSession, run: Run[Any]) -> None:
    """One master event refused on link 2 (below the broker minimum)."""
    master = MasterEvent(
        account_id="master", seq=1, kind=EventKind.PENDING_PLACED, ticket=77, symbol="USDJPY",
        order_type=OrderType.BUY_LIMIT,
        volume=0.01, price=151.2, time_ms=T0, received_ms=T0 + 2, sl=150.0, tp=0.0)
    refused = CopyDenied(
        link_id=2, slave_id="slave-2", master_ticket=77, master_seq=1, rule="below_minimum",
        reason="USDJPY.m: lot 0.0099 below broker minimum 0.01 — copy skipped")

    async def write() -> None:
        await session.app.store.persist_decision(master, [], [refused], [], T0 + 5)
        await session.app.store.flush()

    run(write())


def test_refusals_show_under_the_denied_filter_with_their_reason_and_details(
    seeded: Any, run: Run[Any], qtbot: Any
) -> None:
    session, page = seeded(20)
    _refusal(session, run)
    page.status.setCurrentIndex(page.status.findText("denied"))
    run(page.reload())

    [row] = page.model.rows
    assert (row.status, row.rule, row.symbol) == ("denied", "below_minimum", "USDJPY")
    reason = page.model.item(0, COLUMNS_BY_TITLE["Reason"]).text()
    assert reason == "USDJPY.m: lot 0.0099 below broker minimum 0.01 — copy skipped"
    assert not page.view.isColumnHidden(COLUMNS_BY_TITLE["Reason"])
    assert COLUMNS_BY_TITLE["Reason"] < 4  # beside the time and status, never cut off last
    what = page.model.item(0, COLUMNS_BY_TITLE["What"]).text()
    assert what == "master placed a pending: buy limit"
    page.text.setText("below broker minimum")
    page.status.setCurrentIndex(0)
    run(page.reload())
    assert [r.status for r in page.model.rows] == ["denied"]

    dialog = run(page.show_details(row))
    qtbot.addWidget(dialog)
    shown = dialog.text()
    assert "refused by a rule: nothing was sent" in shown
    assert "Refused: below the minimum lot" in shown
    assert "USDJPY.m: lot 0.0099 below broker minimum 0.01" in shown
    assert "master placed a pending" in shown and "buy limit" in shown  # the master event
    assert "+2 ms" in shown  # each stage's time: received 2 ms after detection


def test_a_double_click_opens_the_details_of_that_row(seeded: Any, run: Run[Any]) -> None:
    _session, page = seeded(5)
    run(page.reload())
    index = page.model.index(0, 0)

    page.view.doubleClicked.emit(index)
    run(until(lambda: page.details_dialog is not None, what="the details dialog"))

    shown = page.model.rows[0]
    assert page.details_dialog is not None
    assert shown.slave_id in page.details_dialog.windowTitle()
    assert status_words(shown.status) in page.details_dialog.text()
    page.details_dialog.close()


def test_accounts_show_by_the_traders_name_with_the_id_in_the_tooltip(
    seeded: Any, run: Run[Any]
) -> None:
    session, page = seeded(10)
    run(page.load_choices())
    assert set(page.model.labels) == {v.account_id for v in run(session.accounts())}
    page.model.labels = {"slave-1": "My slave"}

    run(page.reload())

    column = COLUMNS_BY_TITLE["Slave"]
    shown = {page.model.item(r, column).text() for r in range(page.model.rowCount())}
    assert shown == {"My slave", "slave-0"}
    row = next(r for r in range(page.model.rowCount())
               if page.model.item(r, column).text() == "My slave")
    assert page.model.item(row, column).toolTip() == "slave-1"
