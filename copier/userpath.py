"""Paths a trader types or pastes (``--data-dir``, ``--out``, the data folder in Settings), made
into the path they mean on every platform.

Windows users write ``%USERPROFILE%\\TradeCopier`` or paste Explorer's "Copy as path", which adds
double quotes; Python expands ``%VAR%`` only on Windows (``ntpath.expandvars``) and never strips
quotes, so a pasted path became a folder literally named ``"C:``. Here: surrounding quotes and
spaces go, ``%VAR%`` (any platform) and ``$VAR``/``${VAR}`` are expanded from the environment
(unknown names are left as they are, as ``os.path.expandvars`` does), ``~`` is the home folder,
and the result is normalised (``C:/Users/x/../y`` is ``C:\\Users\\y`` on Windows).
https://docs.python.org/3/library/os.path.html#os.path.expandvars

``windows_path`` does the same for a path that only Windows reads — an MT5 terminal's
``terminal64.exe`` handed to ``MetaTrader5.initialize`` — on whatever platform the copier runs:
``C:/Program Files/MetaTrader 5/terminal64.exe`` becomes ``C:\\Program Files\\MetaTrader
5\\terminal64.exe``. Windows reads ``/`` as ``\\`` and names without regard to case
(https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file, "Naming Conventions" and
"Paths"), so ``windows_path_key`` — case folded, separators made one — says whether two such
paths name one file.
"""

from __future__ import annotations

import ntpath
import os
import re
from pathlib import Path

_PERCENT_VAR = re.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")
_QUOTES = ('"', "'")


def expand_percent_vars(text: str) -> str:
    """``%NAME%`` replaced by the environment variable, on every platform (Windows' own form);
    names are matched case-insensitively, as Windows does."""
    upper = {name.upper(): value for name, value in os.environ.items()}

    def value(found: re.Match[str]) -> str:
        return upper.get(found.group(1).upper(), found.group(0))

    return _PERCENT_VAR.sub(value, text)


def user_path(text: str | os.PathLike[str]) -> Path:
    """The path ``text`` means (see the module's docstring)."""
    cleaned = _unquoted(os.fspath(text))
    expanded = os.path.expanduser(os.path.expandvars(expand_percent_vars(cleaned)))
    return Path(os.path.normpath(expanded)) if expanded else Path()


def _unquoted(text: str) -> str:
    cleaned = text.strip()
    while len(cleaned) >= 2 and cleaned[0] == cleaned[-1] and cleaned[0] in _QUOTES:
        cleaned = cleaned[1:-1].strip()
    return cleaned


def windows_path(text: str) -> str:
    """A Windows path as Windows writes it (see the module's docstring); "" stays ""."""
    cleaned = expand_percent_vars(_unquoted(text))
    return ntpath.normpath(cleaned) if cleaned else ""


def windows_path_key(text: str) -> str:
    """One key for every spelling of one Windows path (slashes, letter case, ``..``)."""
    return ntpath.normcase(windows_path(text))
