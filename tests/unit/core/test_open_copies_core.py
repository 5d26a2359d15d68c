"""Open copies: the rows the window lists (each master position with its copies, their P&L from
the slave's snapshot), and ``copier links remove`` deciding what becomes of a link's open copies
— asked, --leave-copies, or --close-copies through the running copier's close-all request."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from pathlib import Path

import pytest

from copier.app import closeall
from copier.app.opencopies import open_copies
from copier.cli import main
from copier.domain import (
    AccountInfo,
    MarginMode,
    OrderType,
    PendingOrder,
    Platform,
    Position,
    Side,
    TerminalSnapshot,
)
from copier.engine.config import Link
from copier.engine.state import TicketLink, TicketState
from copier.store import Store


def _leg(link_id: int, master: int, slave_ticket: int | None, volume: float,
         state: TicketState = TicketState.OPEN) -> TicketLink:
    return TicketLink(link_id, master, "EURUSD", Side.BUY, state, slave_ticket=slave_ticket,
                      slave_volume=volume, master_volume=0.5)


def _snapshot(account_id: str, *positions: Position) -> TerminalSnapshot:
    account = AccountInfo(account_id, Platform.MT5, 1, "Demo", "USD", MarginMode.HEDGING,
                          1000.0, 1000.0)
    return TerminalSnapshot(account, tuple(positions), ())


def test_each_master_position_lists_its_live_copies_with_the_slaves_profit() -> None:
    links = {1: Link(1, "M", "S1"), 2: Link(2, "M", "S2")}
    tickets = [
        _leg(1, 100, 9001, 0.2), _leg(1, 100, 9002, 0.1, state=TicketState.OPEN),
        _leg(2, 100, 7001, 0.5), _leg(2, 101, 7002, 0.3, state=TicketState.CLOSED),
        _leg(3, 102, 5, 1.0),  # a link deleted since: not listed
    ]
    snapshots = {
        "M": _snapshot("M", Position(100, "EURUSD.m", Side.SELL, 0.7, 1.1)),
        "S1": _snapshot("S1", Position(9001, "EURUSD", Side.BUY, 0.2, 1.1, profit=-3.5),
                        Position(9002, "EURUSD", Side.BUY, 0.1, 1.1, profit=1.25)),
    }

    rows = open_copies(links, tickets, snapshots.get)

    [row] = rows
    assert (row.master_id, row.master_ticket, row.symbol, row.side, row.volume) == (
        "M", 100, "EURUSD.m", Side.SELL, 0.7)  # the master's own position, as it is now
    assert [(c.link_id, c.slave_id, c.slave_ticket, c.volume, c.profit) for c in row.copies] == [
        (1, "S1", 9001, 0.3, -2.25), (2, "S2", 7001, 0.5, None)]  # S2 has not reported


def test_a_master_pending_order_shows_its_order_type() -> None:
    links = {1: Link(1, "M", "S1")}
    master = replace(_snapshot("M"), orders=(
        PendingOrder(300, "XAUUSD", OrderType.SELL_LIMIT, 0.2, 2400.0),))

    [row] = open_copies(links, [_leg(1, 300, 9300, 0.2, state=TicketState.PENDING)],
                        {"M": master}.get)

    assert (row.symbol, row.side, row.order_type) == ("XAUUSD", Side.SELL, "sell_limit")
    assert row.copies[0].state is TicketState.PENDING and row.copies[0].profit is None


def test_copies_sharing_a_netting_position_share_its_profit_by_volume() -> None:
    links = {1: Link(1, "M", "S1")}
    netting = _snapshot("S1", Position(77, "EURUSD", Side.BUY, 0.4, 1.1, profit=8.0))

    rows = open_copies(links, [_leg(1, 100, 77, 0.1), _leg(1, 101, 77, 0.3)],
                       {"S1": netting}.get)

    assert [r.copies[0].profit for r in rows] == [2.0, 6.0]  # not 8.0 each


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(closeall, "WAIT_S", 0.3)  # no copier runs here: do not wait long
    with Store.open(tmp_path) as store:
        store.save_link(Link(0, "master", "slave"))

        async def put() -> None:
            await store.upsert_tickets([_leg(1, 100, 9001, 0.2), _leg(1, 101, 9002, 0.1)])

        asyncio.run(put())
    return tmp_path


def _links(data_dir: Path) -> list[Link]:
    with Store.open(data_dir) as store:
        return store.load_links()


def test_removing_a_link_with_open_copies_and_nobody_to_ask_is_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    code = main(["--data-dir", str(data_dir), "links", "remove", "1"])

    assert code == 2
    err = capsys.readouterr().err
    assert "2 open copies on slave" in err and "--close-copies or --leave-copies" in err
    assert len(_links(data_dir)) == 1


def test_leave_copies_removes_the_link_and_says_the_copies_stay(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(data_dir), "links", "remove", "1", "--leave-copies"])

    assert code == 0
    assert "its 2 open copies stay on slave" in capsys.readouterr().err
    assert _links(data_dir) == []
    with Store.open(data_dir) as store:
        assert closeall.pending_requests(store) == []


def test_close_copies_without_a_running_copier_keeps_the_link_and_leaves_the_request(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(data_dir), "links", "remove", "1", "--close-copies"])

    assert code == 1
    err = capsys.readouterr().err
    assert "the copier closes them as soon as it runs" in err
    assert "link #1 is kept while 2 of its copies are open" in err
    assert len(_links(data_dir)) == 1
    with Store.open(data_dir) as store:
        [request] = closeall.pending_requests(store)
        assert request.link_id == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "links_left"), [("l\n", 0, 0), ("\n", 1, 1)])
def test_without_a_choice_it_asks_and_does_what_the_trader_answers(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    answer: str, code: int, links_left: int,
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(answer))

    assert main(["--data-dir", str(data_dir), "links", "remove", "1"]) == code

    err = capsys.readouterr().err
    assert "2 copies are open on slave. Close them, leave them open, or cancel?" in err
    assert len(_links(data_dir)) == links_left
