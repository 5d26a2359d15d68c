"""Errors, not tracebacks: a bad date, a missing display, an unreadable file each end in one
sentence and exit code 2; ``--data-dir`` works before or after the sub-command, and the settings
file lives in the data folder it configures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copier.cli import main, missing_display
from copier.preferences import (
    CONFIG_DIR_ENV,
    Preferences,
    load_preferences,
    preferences_path,
)
from copier.store import DATA_DIR_ENV


@pytest.fixture(autouse=True)
def _own_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "unused"))  # restored after (main sets it)
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)


def test_a_bad_date_is_one_sentence_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export-log", "--out", str(tmp_path / "x.csv"), "--since", "2024-13-01"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == ("export-log: '2024-13-01' is not a date — use YYYY-MM-DD or ISO-8601 "
                           "like 2026-11-25T10:15:02Z")


def test_data_dir_is_taken_after_the_sub_command_too(tmp_path: Path) -> None:
    folder = tmp_path / "d"

    code = main(["export-log", "--data-dir", str(folder), "--out", str(tmp_path / "x.csv")])

    assert code == 0
    assert (folder / "tradecopier.db").exists()
    assert not (tmp_path / "unused").exists()


def test_data_dir_before_the_sub_command_still_counts(tmp_path: Path) -> None:
    folder = tmp_path / "d"

    assert main(["--data-dir", str(folder), "accounts", "list"]) == 0

    assert (folder / "tradecopier.db").exists()


def test_a_file_that_cannot_be_written_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export-log", "--data-dir", str(tmp_path),
                 "--out", str(tmp_path / "no" / "such" / "x.csv")])

    assert code == 2
    said = capsys.readouterr().err.strip()
    assert "cannot be written" in said and said.count("\n") == 0 and "Traceback" not in said


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland displays only")
def test_no_display_says_how_to_run_without_a_window_before_qt_starts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env[DATA_DIR_ENV] = str(tmp_path)

    done = subprocess.run([sys.executable, "-m", "copier.cli"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run the "
        "copier without a window with `copier run`, or the demo with `copier demo --headless`"]


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland displays only")
def test_the_self_test_without_a_display_says_how_to_run_it_offscreen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)

    assert main(["--self-test"]) == 2
    assert "run it with QT_QPA_PLATFORM=offscreen" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland displays only")
def test_a_display_or_a_chosen_qt_platform_lets_the_window_try(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert missing_display() is not None
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert missing_display() is None
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert missing_display() is None


def test_the_settings_file_lives_in_the_data_folder_it_configures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))

    assert preferences_path() == tmp_path / "env" / "settings.json"
    assert preferences_path(tmp_path / "given") == tmp_path / "given" / "settings.json"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path / "config"))
    assert preferences_path(tmp_path / "given") == tmp_path / "config" / "settings.json"


def test_settings_from_the_older_location_are_read_until_the_folder_has_its_own(
    tmp_path: Path,
) -> None:
    legacy, current = tmp_path / "old.json", tmp_path / "data" / "settings.json"
    legacy.write_text(json.dumps({"theme": "dark"}))

    assert load_preferences(current, fallback=legacy) == Preferences(theme="dark")
    current.parent.mkdir()
    current.write_text(json.dumps({"theme": "light", "bind_port": 9000}))
    assert load_preferences(current, fallback=legacy) == Preferences(bind_port=9000)
