"""The command line answers every sub-command without a window."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from copier.cli import build_parser, main


def test_sim_ea_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sim-ea", "--help"])

    assert exit_info.value.code == 0
    assert "--role" in capsys.readouterr().out


def test_demo_length_defaults_to_the_mode_and_transport_to_in_process() -> None:
    args = build_parser().parse_args(["demo", "--headless"])

    assert (args.seconds, args.transport, args.json) == (None, "sim", False)


def test_stats_of_an_empty_database_is_json(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "copier.cli", "--data-dir", str(tmp_path), "stats", "--json"],
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


def test_export_log_of_an_empty_database_writes_only_the_header(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"

    code = main(["--data-dir", str(tmp_path), "export-log", "--out", str(out)])

    assert code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
