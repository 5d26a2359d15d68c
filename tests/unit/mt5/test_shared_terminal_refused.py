"""Two MT5-direct accounts on one terminal are refused with a sentence: connecting the second would
log the terminal in to it (https://www.mql5.com/en/docs/python_metatrader5/mt5login_py) under the
first one's worker."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.domain import Platform
from copier.store import AccountRecord
from copier.terminals.registry import default_registry, shared_terminal


def mt5_account(account_id: str, login: int, path: str, enabled: bool = True) -> AccountRecord:
    settings = {"connection": "mt5", "terminal_path": path}
    return AccountRecord(account_id, Platform.MT5, login, "Broker-Demo", enabled=enabled,
                         settings=settings)  # fmt: skip


def test_a_second_account_on_the_same_terminal_is_not_served_and_the_log_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    master = mt5_account("master", 1001, "C:\\MT5\\terminal64.exe")
    slave = mt5_account("slave", 1002, "c:/mt5/Terminal64.exe")  # the same file, written otherwise
    other = mt5_account("other", 1003, "C:/MT5-2/terminal64.exe")

    with caplog.at_level(logging.WARNING):
        made = default_registry(None).terminals_for([master, slave, other])

    assert [t.account_id for t in made] == ["master", "other"]
    assert "slave cannot use the MT5 terminal" in caplog.text
    assert "account master already uses it" in caplog.text


def test_a_disabled_account_or_an_ea_account_does_not_hold_a_terminal() -> None:
    disabled = mt5_account("old", 1001, "C:/MT5/terminal64.exe", enabled=False)
    ea = AccountRecord("ea", Platform.MT5, 1003, "Broker-Demo")
    fresh = mt5_account("new", 1002, "C:/MT5/terminal64.exe")

    assert shared_terminal(fresh, [disabled, ea]) == ""


async def test_adding_an_account_on_a_terminal_already_in_use_is_refused_with_a_sentence(
    tmp_path: Path,
) -> None:
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0, bridge=False))
    try:
        app.store.save_account(mt5_account("master", 1001, "C:/MT5/terminal64.exe"))
        second = app.store.save_account(mt5_account("slave", 1002, "C:/MT5/terminal64.exe"))

        with pytest.raises(ValueError, match="one terminal is logged in to one account at a time"):
            await app.apply_account(second)

        assert "slave" not in app.service.terminals
    finally:
        await app.stop()
