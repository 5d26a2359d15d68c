"""Settings: saved to the settings file and applied at once (theme, log level), refused with
reasons when they cannot work; an unreadable or old file never stops the app; remote EAs (TLS)
are configured with inline checks, become the core's configuration, and the running listener's
certificate fingerprint is shown and copied."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from copier.app import AppConfig, CopierApp
from copier.bridge import tls
from copier.preferences import Preferences, load_preferences
from copier.ui.assets import Assets
from copier.ui.autostart import is_autostart_enabled, set_autostart
from copier.ui.main import Gui, app_config
from copier.ui.session import AppCore
from copier.ui.widgets import settle
from tests.ui.conftest import Run, until


def test_saved_settings_are_written_and_the_theme_applies_at_once(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path, qapp: QApplication
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings
    root = logging.getLogger()
    level = root.level

    async def scenario() -> bool:
        await gui.start()
        page.theme.setCurrentText("dark")
        page.log_level.setCurrentText("WARNING")
        page.bind_port.setValue(9443)
        return await page.save()

    try:
        saved = run(scenario())
        assert saved
        assert root.level == logging.WARNING
    finally:
        root.setLevel(level)

    written = load_preferences(tmp_path / "settings.json")
    assert (written.theme, written.log_level, written.bind_port) == ("dark", "WARNING", 9443)
    assert "#1e2227" in qapp.styleSheet()  # the dark style sheet's background
    assert "restart TradeCopier" in page.message.text()
    qapp.setStyleSheet("")


def test_settings_that_cannot_work_are_refused_and_nothing_is_written(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings

    async def scenario() -> bool:
        await gui.start()
        page.bind_host.setText("my machine")
        page.bind_port.setValue(0)
        return await page.save()

    assert run(scenario()) is False
    assert "bind address 'my machine' is not an IP address" in page.message.text()
    assert "port 0 is outside 1–65535" in page.message.text()
    assert not (tmp_path / "settings.json").exists()


def test_a_damaged_or_old_settings_file_falls_back_to_defaults(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"theme": "dark", "bind_port": "8080", "retired": 1}),
                   encoding="utf-8")

    assert load_preferences(broken) == Preferences()
    assert load_preferences(old) == Preferences(theme="dark")


def test_a_hand_edited_setting_of_the_wrong_type_is_named_in_the_log_and_keeps_its_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({"theme": "dark", "bind_port": "8080", "remote_allow":
                                  ["10.0.0.1", 7], "minimise_to_tray": 0}), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="copier.preferences"):
        loaded = load_preferences(edited)

    assert loaded == Preferences(theme="dark")
    assert [r.getMessage() for r in caplog.records] == [
        "settings file: bind_port: '8080' is not a whole number; the default is used",
        "settings file: remote_allow: 7 is not text; the default is used",
        "settings file: minimise_to_tray: 0 is not true or false; the default is used",
    ]


def test_plain_ws_on_a_non_loopback_address_cannot_be_chosen(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings

    async def scenario() -> bool:
        await gui.start()
        page.bind_host.setText("0.0.0.0")
        return await page.save()

    assert run(scenario()) is False
    assert not page.bind_host_problem.isHidden()
    assert "plain ws (unencrypted)" in page.bind_host_problem.text()
    assert "turn on Remote EAs (TLS)" in page.message.text()
    assert not (tmp_path / "settings.json").exists()
    page.bind_host.setText("127.0.0.1")
    assert page.bind_host_problem.text() == ""


def test_remote_ea_settings_are_checked_inline_saved_and_become_the_cores_config(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings
    remote = page.remote
    problems: dict[str, str] = {}

    async def scenario() -> bool:
        await gui.start()
        remote.enabled.setChecked(True)
        remote.host.setText("0.0.0.0")
        remote.port.setValue(8443)
        remote.own_files.setChecked(True)
        problems["empty"] = remote.problems.text()
        remote.cert_file.setText(str(tmp_path / "cert.pem"))
        remote.key_file.setText(str(tmp_path / "key.pem"))
        remote.allow.setText("192.168.1.0/24, 203.0.113.300")
        problems["bad entry"] = remote.problems.text()
        refused = await page.save()
        assert refused is False
        remote.allow.setText("192.168.1.0/24, 203.0.113.7")
        problems["fixed"] = remote.problems.text()
        return await page.save()

    saved = run(scenario())

    assert "choose a certificate and its key file" in problems["empty"]
    assert "need an allow list" in problems["empty"]
    assert "'203.0.113.300' is not an IP address or CIDR range" in problems["bad entry"]
    assert problems["fixed"] == ""
    assert saved
    assert "applies after restart" in page.message.text()
    written = load_preferences(tmp_path / "settings.json")
    config = app_config(written)
    assert (config.remote_host, config.remote_port) == ("0.0.0.0", 8443)
    assert (config.cert_file, config.key_file) == (tmp_path / "cert.pem", tmp_path / "key.pem")
    assert not config.self_signed
    assert config.remote_allow == ("192.168.1.0/24", "203.0.113.7")
    assert app_config(replace(written, remote_enabled=False)).remote_host is None


def test_the_running_remote_listeners_fingerprint_is_shown_with_a_copy_button(
    tmp_path: Path, run: Run[Any]
) -> None:
    config = AppConfig(database=tmp_path / "remote.db", bridge_port=0, remote_host="127.0.0.1",
                       remote_port=0, self_signed=True)
    gui = Gui(lambda: AppCore(CopierApp(config)), Preferences(), tmp_path / "settings.json",
              Assets.load())
    remote = gui.window.settings.remote

    async def scenario() -> tuple[str | None, str, str, str, str]:
        await gui.start()
        bridge = gui.session.app.bridge
        assert bridge is not None
        await until(lambda: remote.fingerprint.text() != "", what="the fingerprint")
        remote.copy_fingerprint()
        copied = QGuiApplication.clipboard().text()
        remote.copy_sha1_button.click()
        return (bridge.tls_fingerprint, remote.fingerprint.text(), remote.listener.text(), copied,
                remote.fingerprint_sha1.text())

    try:
        expected, shown, listener, copied, shown_sha1 = run(scenario())
    finally:
        run(gui.stop())
        gui.dispose()

    assert expected and shown == expected
    assert expected == tls.certificate_fingerprint(tmp_path / tls.CERT_FILE)
    assert copied == expected
    assert "wss://127.0.0.1:" in listener
    # MT5 EAs pin the SHA-1 (SocketTlsCertificate gives no other digest): shown and copied too
    sha1 = tls.certificate_fingerprint(tmp_path / tls.CERT_FILE, "sha1")
    assert shown_sha1 == sha1
    assert QGuiApplication.clipboard().text() == sha1


def test_generate_self_signed_makes_the_certificate_the_core_will_use(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    remote = gui.window.settings.remote

    async def scenario() -> str:
        await gui.start()
        await settle()
        assert "not running" in remote.listener.text()
        return await remote.generate()

    fingerprint = run(scenario())

    folder = gui.session.app.store.path.parent
    assert fingerprint == tls.certificate_fingerprint(folder / tls.CERT_FILE)
    assert remote.fingerprint.text() == fingerprint
    assert remote.fingerprint_sha1.text() == tls.certificate_fingerprint(
        folder / tls.CERT_FILE, "sha1")
    assert tls.self_signed_material(folder).fingerprint == fingerprint  # reused, not remade


@pytest.mark.skipif(sys.platform == "win32", reason="the Run key is the user's real registry")
def test_start_with_windows_shows_the_real_state_set_outside_the_app(
    make_gui: Callable[..., Gui], run: Run[Any], private_autostart_folder: Path
) -> None:
    set_autostart(True, command="tradecopier")  # as the installer does; settings.json says off
    gui = make_gui(trade=False, preferences=Preferences(start_with_windows=False))
    page = gui.window.settings

    async def scenario() -> tuple[str, bool]:
        await gui.start()
        await until(page.start_with_windows.isChecked, what="the real autostart state")
        note = page.autostart_note.text()
        page.start_with_windows.setChecked(False)
        return note, await page.save()

    note, saved = run(scenario())

    assert "set outside the app" in note
    assert saved
    assert not is_autostart_enabled()
    assert not (private_autostart_folder / "autostart" / "tradecopier.desktop").exists()
