"""On a real Windows: the registry reader behind "Start with Windows" reads a REG_BINARY value as
Task Manager writes it under StartupApproved (bytes, first byte 03 when switched off), and
answers None for what is absent. Written under a scratch key of its own, never the real
StartupApproved or Run entries."""

from __future__ import annotations

import sys
import uuid

import pytest

from copier.ui.autostart import read_current_user, switched_off


@pytest.mark.windows_only(reason="the registry")
def test_a_binary_value_is_read_as_bytes_and_an_absent_one_as_none() -> None:
    assert sys.platform == "win32"
    import winreg

    subkey = rf"Software\TradeCopierTests\{uuid.uuid4().hex}"
    disabled = bytes.fromhex("030000000d443d8dc83bd901")
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, subkey) as key:
        winreg.SetValueEx(key, "TradeCopier", 0, winreg.REG_BINARY, disabled)
    try:
        value = read_current_user(subkey, "TradeCopier")
        assert value == disabled
        assert switched_off(value)
        assert read_current_user(subkey, "absent") is None
        assert read_current_user(subkey + r"\absent", "TradeCopier") is None
    finally:
        winreg.DeleteKey(winreg.HKEY_CURRENT_USER, subkey)
