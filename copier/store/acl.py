"""Who may read a data folder the trader chose, on Windows: the current user (and the system)
only, set with ``icacls``. File modes (``store.paths``) mean nothing there.

The default data folder, ``%LOCALAPPDATA%\\TradeCopier``, inherits the user's profile ACL (the
user, SYSTEM and Administrators), so it and anything else under ``%LOCALAPPDATA%`` is left
alone. A folder elsewhere — ``C:\\TradeCopier``, a shared or network drive — usually lets every
user of the machine (or of the share) read it: the API key hashes, the audit log and the trade
log with it. Such a folder gets an ACL of its own:

    icacls <folder> /inheritance:r /grant:r <DOMAIN\\user>:(OI)(CI)F /grant:r *S-1-5-18:(OI)(CI)F
           /T /C /Q

``/inheritance:r`` removes the inherited entries, ``/grant:r`` replaces any explicit grant to the
user, ``(OI)(CI)`` makes files and subfolders inherit it, ``F`` is full access, ``*S-1-5-18`` is
SYSTEM by SID (its name is translated on some Windows languages), ``/T`` applies it to what the
folder already holds, ``/C`` goes on past a file it cannot change and ``/Q`` keeps success
messages quiet (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls).
When it fails (a share that keeps its own permissions, a folder owned by someone else) a sentence
says so in the log and the copier carries on.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from platformdirs import user_data_dir

log = logging.getLogger(__name__)

SYSTEM_SID = "*S-1-5-18"
ICACLS_TIMEOUT_S = 60.0

# Runs a command and answers (exit code, what it printed); raises OSError when it cannot start.
CommandRunner = Callable[[Sequence[str]], tuple[int, str]]


def run_command(args: Sequence[str]) -> tuple[int, str]:
    """``subprocess.run`` without a console window flashing up behind the windowed app."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, check=False,
                              timeout=ICACLS_TIMEOUT_S, creationflags=flags)
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"{args[0]} did not finish within {ICACLS_TIMEOUT_S:.0f} s") from exc
    return done.returncode, (done.stdout + done.stderr).strip()


def per_user_root() -> Path:
    """The folder the default data folder sits in (``%LOCALAPPDATA%`` on Windows): per-user
    already."""
    return Path(user_data_dir("TradeCopier", appauthor=False)).parent


def current_user() -> str:
    """``DOMAIN\\user`` of the signed-in user (a local account's domain is the computer name)."""
    name = os.environ.get("USERNAME", "").strip()
    domain = os.environ.get("USERDOMAIN", "").strip()
    return f"{domain}\\{name}" if domain and name else name


def _inside(folder: Path, root: Path) -> bool:
    # realpath: %TEMP% is often given in 8.3 form (C:\Users\RUNNER~1\...), %LOCALAPPDATA% not.
    inner = os.path.normcase(os.path.realpath(folder))
    outer = os.path.normcase(os.path.realpath(root)).rstrip("\\/")
    return inner == outer or inner.startswith(outer + os.sep) or inner.startswith(outer + "\\")


def icacls_arguments(folder: Path, user: str) -> list[str]:
    return ["icacls", str(folder), "/inheritance:r", "/grant:r", f"{user}:(OI)(CI)F",
            "/grant:r", f"{SYSTEM_SID}:(OI)(CI)F", "/T", "/C", "/Q"]


def restrict_to_current_user(
    folder: Path,
    *,
    platform: str = sys.platform,
    run: CommandRunner | None = None,
    user: str | None = None,
    default_root: Path | None = None,
) -> bool:
    """Give a data folder outside the per-user area an ACL for the current user (and SYSTEM)
    only, on Windows. True when the folder is private (or needs nothing here: not Windows, or
    under %LOCALAPPDATA%); False when it could not be made so (said in the log). ``platform``,
    ``run``, ``user`` and ``default_root`` are there for tests."""
    if platform != "win32":
        return True  # POSIX: owner-only modes (store.paths)
    if _inside(folder, default_root if default_root is not None else per_user_root()):
        return True
    who = user if user is not None else current_user()
    if not who:
        log.warning("The data folder %s could not be made private to you: Windows did not say "
                    "who is signed in (USERNAME is not set). Other users of this computer may "
                    "be able to read it; keep it in a folder only you can open.", folder)
        return False
    try:
        code, output = (run or run_command)(icacls_arguments(folder, who))
    except OSError as exc:
        code, output = -1, str(exc)
    if code == 0:
        log.info("data folder %s: access limited to %s", folder, who)
        return True
    log.warning("The data folder %s could not be made private to you (icacls said: %s). Other "
                "users of this computer, or of the shared drive, may be able to read the API "
                "key hashes and the trade log in it: choose a folder you own, or ask the "
                "drive's administrator to limit it to your account.", folder,
                output or f"exit code {code}")
    return False
