"""Paths as Windows users type or paste them: ``%VAR%`` expanded on every platform, Explorer's
"Copy as path" quotes dropped, ``~`` expanded, separators and ``..`` normalised — in the
command line's path options and in the data folder of the settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from copier.cli import build_parser
from copier.preferences import Preferences
from copier.userpath import expand_percent_vars, user_path


@pytest.fixture(autouse=True)
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TC_PROFILE", str(tmp_path))
    return tmp_path


def test_percent_variables_expand_on_every_platform_case_insensitively(profile: Path) -> None:
    assert user_path("%TC_PROFILE%/TradeCopier") == profile / "TradeCopier"
    assert user_path("%tc_profile%/TradeCopier") == profile / "TradeCopier"


def test_an_unknown_variable_is_left_as_written() -> None:
    assert expand_percent_vars("%NO_SUCH_VARIABLE_HERE%/x") == "%NO_SUCH_VARIABLE_HERE%/x"


def test_quotes_from_copy_as_path_and_spaces_are_dropped(profile: Path) -> None:
    assert user_path(f'  "{profile}/data"  ') == profile / "data"
    assert user_path(f"'{profile}/data'") == profile / "data"


def test_home_and_dot_dot_are_resolved(profile: Path) -> None:
    assert user_path("~/x") == Path(os.path.expanduser("~")) / "x"
    assert user_path("%TC_PROFILE%/a/../b/./c") == profile / "b" / "c"


@pytest.mark.windows_only(reason="drive letters and backslashes are Windows paths")
def test_forward_slashes_become_windows_separators() -> None:
    assert str(user_path("C:/Users/x/../y")) == "C:\\Users\\y"


def test_the_command_line_path_options_expand_them(profile: Path) -> None:
    args = build_parser().parse_args(["--data-dir", "%TC_PROFILE%/data", "export-log",
                                      "--out", '"%TC_PROFILE%/log.csv"'])

    assert args.data_dir == profile / "data"
    assert args.out == profile / "log.csv"


def test_the_settings_data_folder_expands_them(profile: Path) -> None:
    assert Preferences(data_dir="%TC_PROFILE%\\..\\data".replace("\\", os.sep)).data_path == \
        profile.parent / "data"
