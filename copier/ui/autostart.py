"""Start with Windows (or with the desktop session elsewhere): the per-user Run key on Windows,
an XDG autostart entry on Linux. Qt-free; blocking, so called off the UI thread."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
ENTRY_NAME = "TradeCopier"


def launch_command() -> str:
    """What starts the app: the frozen executable, or this Python running the package."""
    if getattr(sys, "frozen", False):
        return f'"{sys.executable}"'
    return f'"{sys.executable}" -m copier.cli'


def xdg_autostart_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "autostart" / "tradecopier.desktop"


def set_autostart(enabled: bool, *, command: str | None = None,
                  desktop_file: Path | None = None) -> None:
    """Register (or remove) the app as starting with the user's session."""
    line = command or launch_command()
    if sys.platform == "win32":
        _set_windows_run_key(enabled, line)
        return
    target = desktop_file or xdg_autostart_file()
    if not enabled:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "[Desktop Entry]\nType=Application\nName=TradeCopier\n"
        f"Exec={line}\nX-GNOME-Autostart-enabled=true\n",
        encoding="utf-8",
    )


def is_autostart_enabled(*, desktop_file: Path | None = None) -> bool:
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, ENTRY_NAME)
                return True
        except OSError:
            return False
    return (desktop_file or xdg_autostart_file()).exists()


def _set_windows_run_key(enabled: bool, command: str) -> None:
    if sys.platform != "win32":
        raise OSError("the Run key exists on Windows only")
    import winreg

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        if enabled:
            winreg.SetValueEx(key, ENTRY_NAME, 0, winreg.REG_SZ, command)
        else:
            with contextlib.suppress(FileNotFoundError):
                winreg.DeleteValue(key, ENTRY_NAME)
