"""``copier logs``: the log file's last lines, by level, and followed through a rotation."""

from __future__ import annotations

import logging
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from copier.cli import main
from copier.commands.logs import follow, level_filter
from copier.logfile import FORMAT, log_path


def _write(
    path: Path, lines: list[tuple[int, str]], handler: logging.Handler | None = None,
    *, traceback_after: str = "",
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = handler or logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("copier.test_logs")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        for level, text in lines:
            if text == traceback_after:
                try:
                    raise RuntimeError("second line")
                except RuntimeError:
                    logger.log(level, text, exc_info=True)  # the traceback's lines follow it
            else:
                logger.log(level, text)
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_the_last_lines_of_a_level_and_above_with_their_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(log_path(tmp_path), [(logging.INFO, "mt4:1@A connected"),
                                (logging.WARNING, "copy failed on s: no money"),
                                (logging.INFO, "mt4:1@A disconnected"),
                                (logging.ERROR, "stopped")],
           traceback_after="copy failed on s: no money")

    assert main(["logs", "--level", "warning", "--data-dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 3)[2] for line in shown if " copier." in line] == ["WARNING", "ERROR"]
    assert "RuntimeError: second line" in shown  # a record's traceback goes with it
    assert not any("disconnected" in line for line in shown)

    assert main(["logs", "--lines", "1", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().endswith("stopped")


def test_no_log_file_yet_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["logs", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("no log file yet at ")


def test_following_reads_new_lines_across_a_rotation(tmp_path: Path) -> None:
    path = log_path(tmp_path)
    _write(path, [(logging.INFO, "before the follow")])
    got: list[str] = []
    done = threading.Event()
    lines = follow(path, level_filter(None), stop=done.is_set)  # from here on
    reader = threading.Thread(target=lambda: got.extend(lines))
    reader.start()
    try:
        rotating = RotatingFileHandler(path, maxBytes=400, backupCount=2, encoding="utf-8")
        rotating.setFormatter(logging.Formatter(FORMAT))
        _write(path, [(logging.INFO, f"line {n} " + "x" * 60) for n in range(12)], rotating)
        for _ in range(200):
            if sum("line 11 " in line for line in got):
                break
            done.wait(0.05)
    finally:
        done.set()
        reader.join(timeout=5)

    numbers = [int(line.split("line ")[1].split()[0]) for line in got if "line " in line]
    assert numbers[-1] == 11 and (tmp_path / "logs" / "copier.log.1").exists()
    assert not any("before the follow" in line for line in got)
