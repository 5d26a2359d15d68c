"""The terminal path an account names reaches ``MetaTrader5.initialize`` as Windows writes it.

Traders paste ``"C:/Program Files/…/terminal64.exe"`` (Explorer's "Copy as path" adds the quotes),
type ``%PROGRAMFILES%``, or write forward slashes in a set-up file; the copier runs the worker
with ``C:\\Program Files\\…\\terminal64.exe``. Windows reads ``/`` as ``\\`` and ignores letter
case in names (https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file), so the
stand-in terminal is found by any spelling of its path, as the real one is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import Platform
from copier.store import AccountRecord
from copier.terminals.registry import mt5_terminal
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.userpath import windows_path, windows_path_key


def account_at(path: str) -> AccountRecord:
    return AccountRecord("slave", Platform.MT5, 1002, "Broker-Demo",
                         settings={"connection": "mt5", "terminal_path": path, "portable": False})


@pytest.mark.parametrize(
    ("typed", "passed"),
    [
        ('"C:/Program Files/MetaTrader 5/terminal64.exe"',
         "C:\\Program Files\\MetaTrader 5\\terminal64.exe"),
        ("C:/Brokers/../MT5 Two//terminal64.exe", "C:\\MT5 Two\\terminal64.exe"),
        ("%TC_TEST_MT5%\\terminal64.exe", "D:\\Trading\\MT5\\terminal64.exe"),
        ("  C:\\MT5\\terminal64.exe  ", "C:\\MT5\\terminal64.exe"),
    ],
)
def test_the_worker_is_given_the_path_as_windows_writes_it(
    typed: str, passed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_TEST_MT5", "D:/Trading/MT5")

    terminal = mt5_terminal(account_at(typed))

    assert terminal.config.path == passed  # type: ignore[attr-defined]


def test_no_path_stays_no_path() -> None:
    assert windows_path("") == "" and windows_path('""') == ""


def test_one_file_has_one_key_however_it_is_written() -> None:
    spellings = ["C:\\MT5\\terminal64.exe", "c:/mt5/TERMINAL64.EXE", '"C:/MT5/x/../terminal64.exe"']
    assert len({windows_path_key(s) for s in spellings}) == 1
    assert windows_path_key("C:/MT5-2/terminal64.exe") != windows_path_key(spellings[0])


@pytest.fixture
def standin() -> Iterator[None]:
    registry.clear()
    registry.ensure(TerminalProfile(path="C:/MT5/terminal64.exe", login=8001, server="Sim-Demo"))
    yield
    mt5.shutdown()
    registry.clear()


@pytest.mark.usefixtures("standin")
def test_the_stand_in_finds_its_terminal_by_any_spelling_of_the_path() -> None:
    assert mt5.initialize("c:\\mt5\\TERMINAL64.EXE", login=8001, server="Sim-Demo")
    assert mt5.account_info().login == 8001
    mt5.shutdown()

    assert not mt5.initialize("C:\\MT5-2\\terminal64.exe", login=8001, server="Sim-Demo")
    assert mt5.last_error()[0] < 0
