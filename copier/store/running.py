"""Whether a copier is running on a data folder: every running copier holds a lock on the
folder's ``copier.lock`` file; whatever must not run beside one (a restore) asks for it alone.

The operating system releases the lock when the process ends, however it ends, so a crash never
leaves the folder marked as in use. On POSIX the copiers share the lock (``flock`` LOCK_SH; a
restore wants LOCK_EX); Windows byte-range locks (``msvcrt.locking``) are exclusive only, so there
the first copier on a folder holds it — enough to tell a restore that one runs.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)
LOCK_FILE = "copier.lock"


class FolderLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self._file: IO[bytes] | None = None

    def hold(self, *, alone: bool = False) -> bool:
        """Take the lock without waiting: shared by running copiers, ``alone`` for a restore.
        False when it is held in a way that excludes this request."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        if _lock(file, alone):
            self._file = file
            return True
        file.close()
        return False

    def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            _unlock(file)
            file.close()


def copier_running(folder: Path) -> bool:
    """True while a copier (the window, ``copier run`` or the demo) runs on ``folder``."""
    probe = FolderLock(folder)
    if not probe.path.exists():
        return False
    if probe.hold(alone=True):
        probe.release()
        return False
    return True


if sys.platform == "win32":
    import msvcrt

    def _lock(file: IO[bytes], alone: bool) -> bool:
        try:
            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(file: IO[bytes]) -> None:
        try:
            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError as exc:
            log.debug("unlocking %s: %s", file.name, exc)

else:
    import fcntl

    def _lock(file: IO[bytes], alone: bool) -> bool:
        try:
            fcntl.flock(file.fileno(), (fcntl.LOCK_EX if alone else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(file: IO[bytes]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
