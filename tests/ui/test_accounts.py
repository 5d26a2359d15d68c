"""Accounts: adding an EA account shows its key once; an MT5 account's password goes to the OS
key store only; bad entries are refused with reasons; removing an account removes its links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication

from copier.ui.account_dialogs import EA, MT5_DIRECT
from copier.ui.main import Gui
from tests.ui.conftest import MemoryKeyring, Run, until


def test_adding_an_ea_account_through_the_dialog_shows_its_working_key_once(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.platform.setCurrentIndex(dialog.platform.findData("mt4"))
        dialog.login.setText("123456")
        dialog.server.setText("Broker-Demo")
        dialog.role.setCurrentIndex(dialog.role.findData("master"))
        dialog.save_button.click()
        await until(lambda: dialog.keys.key.text() != "", what="the key to be shown")
        await until(lambda: any(v.account_id == "mt4:123456@Broker-Demo"
                                for v in page.model.rows), what="the new account row")
        return dialog

    dialog = run(scenario())

    key = dialog.keys.key.text()
    store = gui.session.app.store
    assert dialog.keys.isVisible()
    assert store.verify_api_key(key, "mt4:123456@Broker-Demo")
    assert not store.verify_api_key(key, "mt4:999@Broker-Demo")
    assert "TradeCopy_Monitor" in dialog.keys.steps.text()
    dialog.keys.copy_button.click()
    assert QGuiApplication.clipboard().text() == key


def test_an_mt5_direct_password_is_kept_in_the_key_store_and_never_in_the_database(
    make_gui: Callable[..., Gui], run: Run[Any], keyring_backend: MemoryKeyring, tmp_path: Path
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts
    account_id = "mt5:777001@Broker-Live"

    async def scenario() -> None:
        await gui.start()
        dialog = page.open_add(MT5_DIRECT)
        dialog.terminal_path.setText(r"C:\Program Files\MetaTrader 5\terminal64.exe")
        dialog.login.setText("777001")
        dialog.server.setText("Broker-Live")
        dialog.password.setText("s3cret-Passw0rd")
        dialog.save_button.click()
        await until(lambda: any(v.account_id == account_id for v in page.model.rows),
                    what="the new account row")

    run(scenario())

    record = gui.session.app.store.get_account(account_id)
    assert record is not None
    assert record.settings["terminal_path"].endswith("terminal64.exe")
    assert keyring_backend.passwords[("TradeCopier", account_id)] == "s3cret-Passw0rd"
    files = list(tmp_path.glob("gui-*.db*"))
    assert files
    assert all(b"s3cret-Passw0rd" not in f.read_bytes() for f in files)


def test_an_account_without_login_or_server_is_refused_with_reasons(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.login.setText("")
        return dialog, await dialog.save()

    dialog, saved = run(scenario())

    assert saved is None
    assert "login is the account number" in dialog.message.text()
    assert "server is the name" in dialog.message.text()
    assert gui.session.app.store.load_accounts() == []


def test_removing_an_account_removes_its_links_from_the_running_copier(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.login.setText("42")
        dialog.server.setText("Sim")
        record = await dialog.save()
        assert record is not None
        links = await gui.session.load_links()
        await gui.session.save_link(replace(links[0], id=0, slave_id=record.id))
        before = len(await gui.session.load_links())
        await page.remove(record.id)
        return before, await gui.session.load_links()

    before, after = run(scenario())

    assert before == 3
    assert len(after) == 2
    assert all("mt4:42@Sim" not in (link.master_id, link.slave_id) for link in after)
    assert gui.session.app.store.get_account("mt4:42@Sim") is None


def test_an_ea_account_added_through_the_dialog_is_served_without_a_restart(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts
    account_id = "mt5:5150@Broker-Demo"

    async def served() -> dict[str, str]:
        return await gui.session.in_core(
            lambda: {k: t.kind for k, t in gui.session.app.service.terminals.items()})

    async def scenario() -> tuple[dict[str, str], ...]:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.platform.setCurrentIndex(dialog.platform.findData("mt5"))
        dialog.login.setText("5150")
        dialog.server.setText("Broker-Demo")
        dialog.save_button.click()
        await until(lambda: dialog.keys.key.text() != "", what="the key to be shown")
        added = await served()
        record = gui.session.app.store.get_account(account_id)
        assert record is not None
        await gui.session.save_account(replace(record, enabled=False))
        disabled = await served()
        await gui.session.save_account(record)
        enabled_again = await served()
        await page.remove(account_id)
        return added, disabled, enabled_again, await served()

    added, disabled, enabled_again, removed = run(scenario())

    assert added.get(account_id) == "ea"
    assert account_id not in disabled
    assert enabled_again.get(account_id) == "ea"
    assert account_id not in removed
    assert "restart" not in page.message.text()
    assert len(removed) == 3  # the simulated master and slaves run on untouched
