"""API keys on the Accounts screen: rotation keeps the old key working through the grace period
and says so; revocation ends a live EA session at once; each key's status is shown; the key
settings and allow list are edited with inline messages; expiring keys are announced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from copier.bridge import Role
from copier.domain import Platform
from copier.events import ApiKeyExpiring
from copier.store import AccountRecord
from copier.testbed.broker.profiles import build_broker
from copier.testbed.refea.client import EaSettings, ReferenceEa
from copier.ui.account_dialogs import EA
from copier.ui.main import Gui
from tests.ui.conftest import Run, until

HOUR_MS = 3_600_000


async def _ea_account(gui: Gui, login: int = 4242, **settings: Any) -> tuple[AccountRecord, str]:
    record = AccountRecord.new(Platform.MT4, login, "Broker-Demo",
                               settings={"connection": EA, **settings})
    saved = await gui.session.save_account(record)
    return saved, await gui.session.create_api_key(saved.id)


def _select(gui: Gui, account_id: str) -> None:
    page = gui.window.accounts
    ids = [v.account_id for v in page.model.rows]
    page.table.selectRow(ids.index(account_id))


def test_rotating_a_key_keeps_the_old_one_working_through_the_grace_period(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        record, old_key = await _ea_account(gui, key_grace_hours=6)
        await page.load()
        _select(gui, record.id)
        dialog = await page.new_key(record)
        await until(lambda: page.keys_model.rowCount() == 2, what="both keys listed")
        return record, old_key, dialog

    record, old_key, dialog = run(scenario())

    store = gui.session.app.store
    new_key = dialog.keys.key.text()
    notice = dialog.notice.text()
    assert store.verify_api_key(new_key, record.id)
    assert store.verify_api_key(old_key, record.id)  # still works: the grace period
    assert "keeps working for the grace period of 6 h" in notice
    assert "no longer work" not in notice and "no longer work" not in dialog.keys.steps.text()
    old_info = next(i for i in store.list_api_keys(record.id) if i.replaced_by)
    assert abs(old_info.expires_ms - (store.now_ms() + 6 * HOUR_MS)) < 60_000
    statuses = [page.keys_model.row(r).text for r in range(page.keys_model.rowCount())]
    assert statuses[0].startswith("active until")  # newest first
    assert statuses[1].startswith("replaced — still works until")
    assert page.buttons["key"].text() == "Rotate key…"


def test_revoking_keys_ends_a_live_ea_session_at_once_and_shows_them_revoked(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts
    broker = build_broker("slave-mt5", seed=3)

    async def scenario() -> tuple[float, ReferenceEa]:
        await gui.start()
        record = AccountRecord.new(Platform.MT5, broker.account.login, broker.account.server,
                                   settings={"connection": EA})
        record = await gui.session.save_account(record)
        key = await gui.session.create_api_key(record.id)
        bridge = gui.session.app.bridge
        assert bridge is not None
        ea = ReferenceEa(broker, EaSettings(url=bridge.url, key=key, role=Role.EXECUTOR,
                                            seed=1))
        runner = asyncio.ensure_future(ea.run())
        try:
            await asyncio.wait_for(ea.welcomed.wait(), 10)
            await page.load()
            _select(gui, record.id)
            loop = asyncio.get_running_loop()
            began = loop.time()
            await page.revoke(record.id)
            await until(lambda: 4401 in ea.close_codes, timeout=5, what="the session to end")
            took = loop.time() - began
        finally:
            await ea.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        await until(lambda: page.keys_model.rowCount() == 1, what="the key listed")
        return took, ea

    took, ea = run(scenario())

    assert took < 1.0  # at once, not at the bridge's next periodic re-check (2 s)
    assert ea.fatal is not None and ea.fatal[0] == 4401
    assert page.keys_model.row(0).text.startswith("revoked")
    assert "1 API key(s) revoked" in page.message.text()


def test_a_row_selected_while_the_list_reloads_stays_selected_with_its_keys(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    """The revoke test failed under load: a reload begun before the trader's click (an EA's
    status change) put the rows back without the selection, and the keys list emptied."""
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> tuple[str | None, int]:
        await gui.start()
        record = AccountRecord.new(Platform.MT5, 4343, "Broker-Demo",
                                   settings={"connection": EA})  # fmt: skip
        record = await gui.session.save_account(record)
        await gui.session.create_api_key(record.id)
        await page.load()
        reloading = asyncio.ensure_future(page.load())
        await asyncio.sleep(0)  # the reload now waits for the core's answer
        _select(gui, record.id)
        await reloading
        await until(lambda: page.keys_model.rowCount() == 1, what="the key listed")
        selected = page.selected()
        return (selected.account_id if selected else None), page.keys_model.rowCount()

    assert run(scenario()) == ("mt5:4343@Broker-Demo", 1)


def test_the_account_dialog_saves_key_settings_and_refuses_a_bad_allow_list_inline(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.accounts

    async def scenario() -> Any:
        await gui.start()
        dialog = page.open_add(EA)
        dialog.login.setText("808")
        dialog.server.setText("Broker-Demo")
        dialog.access.key_days.setValue(90)
        dialog.access.grace_hours.setValue(2)
        dialog.access.allow_ips.setText("192.168.1.20, 10.0.0.0/33")
        inline = dialog.access.allow_problem.text()
        refused = await dialog.save()
        dialog.access.allow_ips.setText("192.168.1.20, 10.0.0.0/24")
        inline_after = dialog.access.allow_problem.text()
        saved = await dialog.save()
        await page.load()
        _select(gui, "mt4:808@Broker-Demo")
        return page.open_edit(), inline, refused, inline_after, saved

    edit, inline, refused, inline_after, saved = run(scenario())

    assert "'10.0.0.0/33' is not an IP address or CIDR range" in inline
    assert refused is None
    assert inline_after == ""
    assert saved is not None
    assert saved.settings["key_days"] == 90
    assert saved.settings["key_grace_hours"] == 2
    assert saved.settings["allow_ips"] == ["192.168.1.20", "10.0.0.0/24"]
    info = gui.session.app.store.list_api_keys(saved.id)[0]
    days = (info.expires_ms - info.created_ms) / (24 * HOUR_MS)
    assert days == 90  # the new account's key has the lifetime chosen in the dialog
    assert (edit.access.key_days.value(), edit.access.grace_hours.value()) == (90, 2)
    assert edit.access.allow_ips.text() == "192.168.1.20, 10.0.0.0/24"


def test_a_key_about_to_expire_is_notified_and_listed_with_the_latest_problems(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    dashboard = gui.window.dashboard
    tray = gui.window.tray
    warning = ApiKeyExpiring("mt4:4242@Broker-Demo", "0123abcd", 0, days_left=3)

    async def scenario() -> None:
        await gui.start()
        await gui.session.in_core(gui.session.app.bus.publish, warning)
        await until(lambda: any(n.title == "API key expiring" for n in tray.history),
                    what="the tray notice")
        dashboard.tick()
        await until(lambda: dashboard.problems.rowCount() > 0, what="the problems row")

    run(scenario())

    notice = next(n for n in tray.history if n.title == "API key expiring")
    assert notice.text == warning.reason
    assert "expires in 3 days" in notice.text
    texts = [p.text for p in dashboard.problems.rows]
    assert warning.reason in texts
