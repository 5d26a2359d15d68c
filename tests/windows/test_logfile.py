"""copier.logfile: the rotating log file in the data folder, stand-ins for missing stdio, and the
hooks that put tracebacks in the log."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from copier import logfile


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    """Whatever a test installs on the root logger, the streams or the hooks is undone."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    streams = sys.stdout, sys.stderr
    hooks = sys.excepthook, threading.excepthook
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.stdout, sys.stderr = streams
    sys.excepthook, threading.excepthook = hooks


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, logfile._Ours)]


def test_the_file_is_data_logs_copier_log_rotating_at_the_documented_size(tmp_path: Path) -> None:
    path = logfile.setup_logging(tmp_path)

    files = [h for h in ours() if isinstance(h, RotatingFileHandler)]
    assert path == tmp_path / "logs" / "copier.log"
    assert len(files) == 1
    assert files[0].maxBytes == logfile.MAX_BYTES == 2 * 1024 * 1024
    assert files[0].backupCount == logfile.BACKUPS == 5
    assert Path(files[0].baseFilename) == path


def test_a_second_set_up_replaces_the_first_instead_of_doubling_every_line(
    tmp_path: Path,
) -> None:
    logfile.setup_logging(tmp_path / "a")
    path = logfile.setup_logging(tmp_path / "b")
    logging.getLogger("copier.test").warning("once")

    assert path is not None
    assert path.read_text(encoding="utf-8").count("once") == 1
    assert not (tmp_path / "a" / "logs" / "copier.log").exists()


def test_old_lines_move_to_numbered_files_and_no_more_than_the_backups_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logfile, "MAX_BYTES", 300)
    path = logfile.setup_logging(tmp_path)
    for n in range(200):
        logging.getLogger("copier.test").warning("line %03d of the rotation test", n)

    assert path is not None
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["copier.log", *(f"copier.log.{n}" for n in range(1, logfile.BACKUPS + 1))]
    assert "line 199" in path.read_text(encoding="utf-8")


def test_missing_stdio_is_replaced_by_streams_that_feed_the_log(tmp_path: Path) -> None:
    sys.stdout = sys.stderr = None  # type: ignore[assignment]
    path = logfile.setup_logging(tmp_path, to_file=False)  # no console: the file anyway

    print("printed with no console")
    print("partial", end="", file=sys.stderr)
    sys.stderr.flush()

    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "INFO copier.stdout: printed with no console" in text
    assert "WARNING copier.stderr: partial" in text
    assert not logfile.has_console() and not logfile.has_console("stdout")


def test_a_stream_with_nowhere_to_go_drops_lines_instead_of_looping() -> None:
    """Before any handler exists logging's last resort writes to sys.stderr — the stand-in
    itself; the nested write is dropped, so printing cannot recurse without end."""
    root = logging.getLogger()
    root.handlers[:] = []
    sys.stderr = None  # type: ignore[assignment]
    logfile.guard_stdio()

    print("nobody hears this", file=sys.stderr)  # returns: no RecursionError


def test_an_uncaught_exception_is_logged_with_its_traceback(tmp_path: Path) -> None:
    sys.excepthook = sys.__excepthook__
    path = logfile.setup_logging(tmp_path)
    assert sys.excepthook is logfile.log_crash
    try:
        raise ValueError("no quote for XAUUSD")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)

    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert logfile.CRASH_MESSAGE in text and "ValueError: no quote for XAUUSD" in text


def test_a_thread_that_dies_is_logged_by_name(tmp_path: Path) -> None:
    threading.excepthook = threading.__excepthook__
    path = logfile.setup_logging(tmp_path)

    def fail() -> None:
        raise RuntimeError("worker thread failed")

    thread = threading.Thread(target=fail, name="copier-core")
    thread.start()
    thread.join()

    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "copier-core" in text and "RuntimeError: worker thread failed" in text


def test_a_log_folder_that_cannot_be_made_is_said_and_the_process_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")

    path = logfile.setup_logging(blocker)

    assert path is None
    assert "no log file" in capsys.readouterr().err


@pytest.mark.parametrize(("code", "expected"), [(0, 0), (None, 0), (3, 3), ("bad", 1)])
def test_run_logged_keeps_exit_codes(code: object, expected: int) -> None:
    def main() -> object:
        raise SystemExit(code)

    assert logfile.run_logged(main) == expected


def test_a_log_held_open_elsewhere_keeps_its_older_files_and_rotates_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows refuses to rename a file another process has open (a ``copier keys`` beside a
    running copier): the current file cannot move, so the older ones must not move either."""
    monkeypatch.setattr(logfile, "MAX_BYTES", 300)
    path = logfile.setup_logging(tmp_path)
    assert path is not None
    logger = logging.getLogger("copier.test")
    for n in range(40):
        logger.warning("before %03d of the held-open test", n)
    before = {p.name: p.read_text(encoding="utf-8") for p in path.parent.glob("copier.log.*")}
    real_replace = os.replace

    def held_open(src: str, dst: str) -> None:
        if src == str(path):
            raise PermissionError(32, "The process cannot access the file because it is being "
                                      "used by another process", src)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", held_open)
    for n in range(100):
        logger.warning("while held %03d", n)

    after = {p.name: p.read_text(encoding="utf-8") for p in path.parent.glob("copier.log.*")}
    assert after == before  # nothing shifted, nothing lost
    assert "while held 099" in path.read_text(encoding="utf-8")
    assert "Logging error" not in capsys.readouterr().err

    monkeypatch.setattr(os, "replace", real_replace)
    monkeypatch.setattr(time, "monotonic", lambda: 1e12)  # the retry delay has passed
    logger.warning("after the other process let go")
    assert "while held 099" in (path.parent / "copier.log.1").read_text(encoding="utf-8")
