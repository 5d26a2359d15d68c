"""Open copies: a master position shows with its copy on each slave; "Close this copy" asks, then
closes that copy on its slave (once, audited) and leaves the other; "Close all copies of this
link" asks, then closes the link's copies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox

from copier.domain import Side
from copier.ui.main import Gui
from tests.ui.conftest import Run, until


def _slave(gui: Gui, account_id: str) -> Any:
    return next(s for s in gui.session.core.slaves  # type: ignore[attr-defined]
                if s.account_id == account_id)


async def _flushed(gui: Gui) -> None:
    await gui.session.app.store.flush()  # the audit entries are written by the store's writer


def test_open_copies_are_listed_and_closing_one_closes_it_on_its_slave_once(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.open_copies
    gui.window.show()
    run(gui.start())
    master = gui.session.core.master.broker  # type: ignore[attr-defined]
    symbol = next(iter(master.symbols()))
    ticket = master.open_market(symbol, Side.BUY, 0.2).position
    gui.window.show_page("Open copies")

    def listed() -> bool:  # with the P&L of the slaves' next snapshots
        return any(r.master_ticket == ticket and len(r.copies) == 2
                   and all(c.slave_ticket and c.profit is not None for c in r.copies)
                   for r in page.rows)

    run(until(listed, what="the master position with a copy on each slave"))
    row = next(r for r in page.rows if r.master_ticket == ticket)
    assert (row.symbol, row.side, row.volume) == (symbol, Side.BUY, 0.2)
    assert page.tree.topLevelItemCount() == 1
    assert page.tree.topLevelItem(0).childCount() == 2  # type: ignore[union-attr]
    first, second = row.copies
    on_first, on_second = _slave(gui, first.slave_id), _slave(gui, second.slave_id)
    assert [p.ticket for p in on_first.broker.positions()] == [first.slave_ticket]
    assert first.volume > 0 and first.currency

    page.select_copy(first.link_id, ticket)
    box = page.ask_close_copy()
    assert box is not None and f"master #{ticket}" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert len(on_first.broker.positions()) == 1  # nothing closed without the answer

    box = page.ask_close_copy()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    run(until(lambda: on_first.broker.positions() == (), what="the copy closed on its slave"))
    run(until(lambda: all(c.link_id != first.link_id for r in page.rows for c in r.copies),
              what="the closed copy gone from the page"))
    assert len(on_second.broker.positions()) == 1  # the other slave's copy stays
    assert run(gui.session.close_copy(first.link_id, ticket)) == 0  # never closed twice
    run(_flushed(gui))
    audit = gui.session.app.store.load_audit(limit=100_000)
    closes = [e.detail for e in audit if e.action == "copies.close_one"]
    assert [(d["link_id"], d["master_ticket"], d["commands"]) for d in closes] == [
        (first.link_id, ticket, 1)]

    page.select_copy(second.link_id, ticket)
    box = page.ask_close_link()
    assert box is not None and f"link #{second.link_id}" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    run(until(lambda: on_second.broker.positions() == (), what="the link's copies closed"))
    run(until(lambda: page.rows == [], what="no open copies left"))
    assert "No open copies" in page.summary.text()
