"""No costly mistake one click away: Delete link, Remove account and Rotate key ask first and say
what goes with them; switching links with unsaved edits asks (issue #18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox

from copier.domain import Platform, Side
from copier.store import AccountRecord, AccountRole
from copier.ui.main import Gui
from tests.ui.conftest import Run, eventually, until


def _click(box: QMessageBox | None, button: QMessageBox.StandardButton) -> None:
    assert box is not None and box.isVisible()
    box.button(button).click()


def _button(box: QMessageBox, text: str) -> Any:
    return next(b for b in box.buttons() if b.text() == text)


def _open_copy_on_each_slave(gui: Gui) -> Any:
    """The master opens one position; wait until both links hold an open copy of it."""
    core = gui.session.core
    master = core.master.broker  # type: ignore[attr-defined]
    symbol = next(iter(master.symbols()))
    ticket = master.open_market(symbol, Side.BUY, 0.1).position

    async def copies() -> int:
        return await gui.session.in_core(lambda: sum(
            1 for t in gui.session.app.service.tickets()
            if t.master_ticket == ticket and t.state.value == "open"))

    return eventually(copies, lambda n: n >= 2, what="a copy on each slave")


def test_deleting_a_link_with_no_open_copies_asks_once_and_deletes(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    gui.window.show()
    run(gui.start())
    run(page.load())
    page.table.selectRow(0)
    link = page.editing
    assert link is not None

    box = run(page.ask_delete(link))
    assert f"Delete link #{link.id}" in box.text() and "no open copies" in box.text()
    _click(box, QMessageBox.StandardButton.Cancel)
    assert any(lk.id == link.id for lk in run(gui.session.load_links()))  # nothing deleted

    box = run(page.ask_delete(link))
    _button(box, "Delete link").click()
    run(until(lambda: "deleted" in page.message.text(), what="the deletion"))
    assert all(lk.id != link.id for lk in run(gui.session.load_links()))


def test_deleting_a_link_offers_to_close_its_copies_and_closing_closes_them_once(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    gui.window.show()
    run(gui.start())
    run(page.load())
    run(_open_copy_on_each_slave(gui))
    page.table.selectRow(0)
    link = page.editing
    assert link is not None
    core = gui.session.core
    slave = next(s for s in core.slaves if s.account_id == link.slave_id)  # type: ignore[attr-defined]
    other = next(s for s in core.slaves if s.account_id != link.slave_id)  # type: ignore[attr-defined]
    assert len(slave.broker.positions()) == 1

    box = run(page.ask_delete(link))
    assert "1 copy is open on" in box.text() and link.slave_id in box.text()
    assert {"Leave them open", "Close them", "Cancel"} <= {b.text() for b in box.buttons()}
    _button(box, "Close them").click()
    run(until(lambda: "deleted" in page.message.text(), timeout=30, what="the deletion"))

    assert slave.broker.positions() == ()  # closed on the slave itself
    assert len(other.broker.positions()) == 1  # the other link's copy is untouched
    assert all(lk.id != link.id for lk in run(gui.session.load_links()))

    async def flushed() -> None:
        await gui.session.app.store.flush()  # the audit entries are written by the writer

    run(flushed())
    audit = gui.session.app.store.load_audit(limit=100_000)
    closes = [e for e in audit if e.action == "copies.close_all"]
    assert len(closes) == 1 and closes[0].detail["link_id"] == link.id
    assert any(e.action == "link.deleted" for e in audit)


def test_closing_the_copies_of_a_slave_that_is_down_keeps_the_link_and_says_why(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    gui.window.show()
    run(gui.start())
    run(page.load())
    run(_open_copy_on_each_slave(gui))
    page.table.selectRow(0)
    link = page.editing
    assert link is not None
    slave = next(s for s in gui.session.core.slaves  # type: ignore[attr-defined]
                 if s.account_id == link.slave_id)
    run(gui.session.on_core(slave.stop()))

    box = run(page.ask_delete(link))
    _button(box, "Close them").click()
    run(until(lambda: "not connected" in page.message.text(), what="the refusal"))

    assert "the link is kept" in page.message.text()
    assert len(slave.broker.positions()) == 1
    assert any(lk.id == link.id for lk in run(gui.session.load_links()))


def test_leaving_the_copies_open_deletes_the_link_and_keeps_them(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    gui.window.show()
    run(gui.start())
    run(page.load())
    run(_open_copy_on_each_slave(gui))
    page.table.selectRow(0)
    link = page.editing
    assert link is not None
    slave = next(s for s in gui.session.core.slaves  # type: ignore[attr-defined]
                 if s.account_id == link.slave_id)

    box = run(page.ask_delete(link))
    _button(box, "Leave them open").click()
    run(until(lambda: "deleted" in page.message.text(), what="the deletion"))

    assert "stay on" in page.message.text()
    assert len(slave.broker.positions()) == 1
    assert all(lk.id != link.id for lk in run(gui.session.load_links()))


def test_switching_links_with_unsaved_edits_asks_and_stay_keeps_them(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    gui.window.show()
    run(gui.start())
    run(page.load())
    page.table.selectRow(0)
    first = page.editing
    assert first is not None and not page.has_unsaved_edits()
    page.name.setText("edited, not saved")

    page.table.selectRow(1)

    box = page.confirm_box
    assert box is not None and box.isVisible() and "without saving" in box.text()
    assert page.editing is first  # still on the edited link
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert page.name.text() == "edited, not saved"
    page.table.selectRow(1)
    assert page.confirm_box is not None
    page.confirm_box.button(QMessageBox.StandardButton.Discard).click()
    assert page.editing is not None and page.editing.id != first.id
    assert all(lk.name != "edited, not saved" for lk in run(gui.session.load_links()))


def test_remove_account_and_rotate_key_ask_first(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts
    gui.window.show()
    record = AccountRecord.new(Platform.MT4, 7070, "Broker-Demo", label="My master",
                               role=AccountRole.MASTER, settings={"connection": "ea"})
    run(gui.start())
    run(gui.session.save_account(record))
    run(gui.session.create_api_key(record.id))
    run(page.load())
    row = next(i for i, v in enumerate(page.model.rows) if v.account_id == record.id)
    page.table.selectRow(row)

    page.buttons["remove"].click()
    run(until(lambda: isinstance(page.dialog, QMessageBox), what="the question"))
    box = page.dialog
    assert isinstance(box, QMessageBox)
    assert "Remove My master?" in box.text() and "API keys stop working" in box.text()
    _click(box, QMessageBox.StandardButton.Cancel)
    assert any(r.id == record.id for r in run(gui.session.reload_accounts()))  # still there

    page.buttons["key"].click()
    box = page.dialog
    assert isinstance(box, QMessageBox) and "grace period" in box.text()
    _click(box, QMessageBox.StandardButton.Cancel)
    assert len(gui.session.app.store.list_api_keys(record.id)) == 1  # no new key issued
