"""The simulated terminals of this process, by terminal path (the stand-in's local lookup).

A path finds its terminal however it is spelt, as on Windows, where ``/`` reads as ``\\`` and
letter case does not count (https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file):
``initialize("c:\\mt5\\terminal64.exe")`` reaches the terminal at ``C:/MT5/terminal64.exe``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from copier.testbed.broker.clock import Clock
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.userpath import windows_path_key

if TYPE_CHECKING:
    from copier.testbed.mt5standin.terminal import SimTerminal

_terminals: dict[str, SimTerminal] = {}
_lock = threading.Lock()


def register(terminal: SimTerminal) -> SimTerminal:
    with _lock:
        _terminals[windows_path_key(terminal.profile.path)] = terminal
    return terminal


def ensure(profile: TerminalProfile, clock: Clock | None = None) -> SimTerminal:
    """The terminal for ``profile``, built on first use (same profile, same terminal), on
    ``clock`` (the wall clock when None)."""
    from copier.testbed.mt5standin.terminal import SimTerminal

    with _lock:
        key = windows_path_key(profile.path)
        found = _terminals.get(key)
        if found is None or found.profile != profile:
            found = _terminals[key] = SimTerminal.from_profile(profile, clock)
        return found


def find(path: str | None) -> SimTerminal | None:
    with _lock:
        return _terminals.get(windows_path_key(path)) if path else None


def default_path() -> str | None:
    """With one terminal registered, ``initialize()`` without a path finds it (as MT5 does)."""
    with _lock:
        return next(iter(_terminals.values())).profile.path if len(_terminals) == 1 else None


def remove(path: str) -> None:
    with _lock:
        _terminals.pop(windows_path_key(path), None)


def clear() -> None:
    with _lock:
        _terminals.clear()
