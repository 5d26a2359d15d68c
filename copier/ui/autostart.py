"""Start with Windows (or with the desktop session elsewhere): the per-user Run key on Windows,
an XDG autostart entry on Linux. Qt-free; blocking, so called off the UI thread.

On Windows a Run entry is not the whole answer: Task Manager's Startup apps switch (and Settings →
Apps → Startup) leaves the Run value in place and records its choice under
``HKCU\\...\\Explorer\\StartupApproved\\Run``, a binary value of the same name whose first byte is
``02`` when the entry is enabled and ``03`` when it is disabled, followed by the time it was
switched off (https://superuser.com/questions/1766797, Task Manager traced; no value there: never
switched, so enabled). :func:`autostart_state` reads both, through an injectable registry reader
(``winreg`` on Windows), so Settings never says "on" for an entry Windows will not start.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
ENTRY_NAME = "TradeCopier"

# Reads one value under HKEY_CURRENT_USER: (subkey, value name) -> its data, None when absent.
RegistryReader = Callable[[str, str], Any]


def read_current_user(subkey: str, name: str) -> Any:
    """A value under HKEY_CURRENT_USER through ``winreg``; None when the key or value is absent
    (and anywhere but Windows)."""
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, subkey) as key:
            value, _kind = winreg.QueryValueEx(key, name)
            return value
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class AutostartState:
    """``registered``: the Run entry (or the XDG file) exists. ``disabled_in_windows``: Task
    Manager's Startup apps switch is off for it, so Windows does not start it."""

    registered: bool
    disabled_in_windows: bool = False

    @property
    def starts(self) -> bool:
        return self.registered and not self.disabled_in_windows


def switched_off(approved: Any) -> bool:
    """A StartupApproved value says "disabled": its first byte is odd (``03``; ``07`` is written
    for Startup-folder shortcuts), where ``02``/``06`` mean enabled. Anything unreadable is not
    taken as a refusal."""
    if not isinstance(approved, bytes | bytearray) or not approved:
        return False
    return bool(approved[0] & 0x01)


def autostart_state(*, platform: str = sys.platform, registry: RegistryReader | None = None,
                    desktop_file: Path | None = None) -> AutostartState:
    """Whether the app starts with the session, as the system will act on it. ``platform`` and
    ``registry`` are there for tests: Windows' answer read from a fake registry."""
    if platform == "win32":
        read = registry or read_current_user
        registered = read(RUN_KEY, ENTRY_NAME) is not None
        disabled = registered and switched_off(read(STARTUP_APPROVED_KEY, ENTRY_NAME))
        return AutostartState(registered, disabled)
    return AutostartState((desktop_file or xdg_autostart_file()).exists())


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
    """The app is registered to start with the session (the Run entry, or the XDG file)."""
    return autostart_state(desktop_file=desktop_file).registered


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
