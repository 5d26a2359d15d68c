"""One copier per data folder: a lock file (``<data>/copier.lock``) held for the life of the
process by the window and by ``copier run``, taken before any terminal or worker starts.

Two copiers on one database would both serve the same accounts and copy each trade twice. The
window's single-instance socket (``copier.ui.instance``) cannot prevent it alone: on Windows
``QLocalServer.listen()`` does not fail when the name is taken (named pipes accept several
servers), autostart and a Start-menu click can race, and ``copier run`` has no socket at all.

The lock is the operating system's, so a crashed copier never leaves a stale one behind: it ends
with the process. POSIX: ``fcntl.flock`` (https://man7.org/linux/man-pages/man2/flock.2.html).
Windows: ``msvcrt.locking`` on the file's first byte, non-blocking ``LK_NBLCK`` — "If the file
cannot be locked, OSError is raised" (https://docs.python.org/3/library/msvcrt.html#msvcrt.locking).
Both primitives are what the ``filelock`` package uses underneath; a small module of our own
keeps a dependency (and its hashes in requirements-win.txt) out of the release.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from copier.store.paths import default_data_dir

LOCK_FILE = "copier.lock"
# How long a claim keeps trying: Windows releases a dead process's locks "depending upon
# available system resources", not at once
# (https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-lockfileex), so a
# restart right after a crash would otherwise be refused.
WAIT_S = 1.0
RETRY_S = 0.05


class DataFolderRefused(Exception):
    """The data folder cannot be claimed; the message is a sentence for the trader."""


class AlreadyRunning(DataFolderRefused):
    """Another copier holds the data folder."""


class DataFolderLock:
    """The lock on one data folder; ``release`` (or the process ending) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def claim(cls, data_dir: Path | None = None, wait_s: float = WAIT_S) -> DataFolderLock:
        """Take the lock of ``data_dir`` (None: the default data folder), trying for ``wait_s``,
        or raise AlreadyRunning (another copier has it) or DataFolderRefused (the folder cannot
        be made or written). Creates the folder when it does not exist yet."""
        folder = data_dir if data_dir is not None else default_data_dir()
        path = folder / LOCK_FILE
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DataFolderRefused(
                f"the data folder {folder} cannot be used ({exc.strerror or exc}): choose "
                "another one with --data-dir or in Settings"
            ) from None
        if not _lock_within(fd, wait_s):
            os.close(fd)
            raise AlreadyRunning(
                f"TradeCopier is already running on the data folder {folder} (a window, perhaps "
                "in the tray, or `copier run`): close it first, or choose another data folder "
                "with --data-dir."
            ) from None
        _note_owner(fd)
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> DataFolderLock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def copier_running(folder: Path) -> bool:
    """True while a copier (the window, ``copier run``, a demo) holds ``folder``'s lock."""
    if not (folder / LOCK_FILE).exists():
        return False
    try:
        DataFolderLock.claim(folder, wait_s=0.0).release()
    except AlreadyRunning:
        return True
    return False


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # OSError when another process holds it

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError (EWOULDBLOCK) when held

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_within(fd: int, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            _lock(fd)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(RETRY_S)


def _note_owner(fd: int) -> None:
    """The holder's process id after the locked first byte, for a person looking at the file
    (Windows refuses reads of a locked byte, so nothing is written under the lock itself)."""
    with contextlib.suppress(OSError):  # the note is a courtesy; the lock is what counts
        os.ftruncate(fd, 1)
        os.lseek(fd, 1, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
