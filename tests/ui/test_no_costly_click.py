"""No costly mistake one click away: Delete link, Remove account and Rotate key ask first and say
what goes with them; switching links with unsaved edits asks (issue #18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox

from copier.app.reports import LogQuery
from copier.domain import Platform
from copier.store import AccountRecord, AccountRole
from copier.ui.main import Gui
from tests.ui.conftest import Run, eventually, until


def _click(box: QMessageBox | None, button: QMessageBox.StandardButton) -> None:
    assert box is not None and box.isVisible()
    box.button(button).click()


def test_deleting_a_link_asks_and_says_its_open_copies_stay_open(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(seed=4, interval_ms=20)
    page = gui.window.links
    gui.window.show()

    async def scenario() -> Any:
        await gui.start()
        await eventually(lambda: gui.session.log_count(LogQuery()), lambda n: n >= 10,
                         what="copies")
        await gui.session.on_core(gui.session.core.quiesce())  # type: ignore[attr-defined]
        await page.load()
        page.table.selectRow(0)
        return await page.ask_delete(page.editing)  # type: ignore[arg-type]

    box = run(scenario())
    link = page.editing
    assert link is not None
    tickets = gui.session.app.store.load_tickets()
    held = sum(1 for t in tickets if t.link_id == link.id and t.state.value in ("open",
                                                                                  "pending"))
    assert f"Delete link #{link.id}" in box.text()
    assert ("no open copies" in box.text()) if held == 0 else ("stay open" in box.text())
    _click(box, QMessageBox.StandardButton.Cancel)
    assert any(lk.id == link.id for lk in run(gui.session.load_links()))  # nothing deleted

    box = run(page.ask_delete(link))
    _click(box, QMessageBox.StandardButton.Yes)
    run(until(lambda: "deleted" in page.message.text(), what="the deletion"))
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
