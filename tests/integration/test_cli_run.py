"""``copier run`` as a VPS user starts it: ``--port 0`` takes a free port and says which, the
summary names the accounts and links it serves and the keys that need attention, and a second
copier on the same port ends with one sentence and exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Running, copier


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    for args in (
        ("accounts", "add", "--platform", "mt4", "--login", "12345", "--server", "Broker-Demo",
         "--role", "master"),
        ("accounts", "add", "--platform", "mt4", "--login", "777", "--server", "Broker-Demo"),
        ("links", "add", "--master", "12345", "--slave", "777"),
        ("keys", "revoke", "777"),
    ):
        done = copier(*args, "--data-dir", str(folder))
        assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def running(data_dir: Path) -> Iterator[Running]:
    copier_run = Running("--port", "0", "--data-dir", str(data_dir))
    yield copier_run
    copier_run.stop()


def _port(summary: list[str]) -> int:
    line = next(line for line in summary if line.startswith("listening on 127.0.0.1:"))
    return int(line.split()[2].split(":")[1])


@pytest.mark.skipif(sys.platform == "win32", reason="stops the copier with SIGINT")
def test_port_0_listens_on_a_free_port_and_the_summary_names_what_it_serves(
    running: Running,
) -> None:
    summary = running.summary()

    assert _port(summary) not in (0, 8080)
    assert "accounts: 2" in summary and "links: 1" in summary
    assert any("mt4:12345@Broker-Demo" in line and "master" in line for line in summary)
    assert any(line.startswith("  #1  mt4:12345@Broker-Demo → mt4:777@Broker-Demo")
               for line in summary)
    assert ("warning: mt4:777@Broker-Demo has no working API key, so its EA cannot connect — "
            "copier keys create mt4:777@Broker-Demo") in summary
    assert running.stop() == 0


@pytest.mark.skipif(sys.platform == "win32", reason="stops the copier with SIGINT")
def test_a_second_copier_on_a_port_in_use_says_so_in_one_sentence(
    running: Running, tmp_path: Path
) -> None:
    port = _port(running.summary())

    second = copier("run", "--headless", "--port", str(port), "--data-dir", str(tmp_path / "b"))

    assert second.returncode == 2
    assert second.stderr.strip().splitlines()[-1] == (
        f"another copier is already listening on 127.0.0.1:{port} — stop it or use --port")
    assert "Traceback" not in second.stderr


def test_headless_is_documented_as_accepted_and_ignored() -> None:
    from copier.cli import build_parser

    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]

    assert "ignored" in run.format_help()
    assert parser.parse_args(["run", "--headless", "--port", "0"]).port == 0
