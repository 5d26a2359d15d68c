"""The master's last books kept between runs: read back as written, and only when they are the
books after the last event the copier handled (else a restart could report something twice)."""

from __future__ import annotations

from pathlib import Path

from copier.domain import OrderType, Side
from copier.terminals.mt5 import laststate
from copier.terminals.mt5.protocol import Baseline, OrderRow, PositionRow

BOOKS = Baseline(
    (PositionRow(101, 101, "EURUSD", Side.SELL, 0.3, 1.085, 1.09, 1.07, 5, 6, 7, "TC|9"),),
    (OrderRow(202, "XAUUSD", OrderType.BUY_STOP, 0.1, 2400.0, 2390.0, 0.0, 8, 9, 0, ""),),
)


def test_the_books_are_read_back_as_written(tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "m.json")
    laststate.save(path, 12, BOOKS)

    assert laststate.load(path, 12) == BOOKS


def test_books_of_another_seq_than_the_last_handled_are_not_used(tmp_path: Path) -> None:
    path = str(tmp_path / "m.json")
    laststate.save(path, 12, BOOKS)

    assert laststate.load(path, 13) is None  # the copier handled one more event than written
    assert laststate.load(path, 11) is None
    assert laststate.load(str(tmp_path / "none.json"), 0) is None


def test_an_unreadable_file_is_no_books(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{not json", encoding="utf-8")

    assert laststate.load(str(path), 0) is None
