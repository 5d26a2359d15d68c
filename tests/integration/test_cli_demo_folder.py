"""The demo never touches the trader's data: ``copier demo`` runs in ``<data>/demo/``, emptied at
each start, unless ``--data-dir`` names a folder; and the real app never shows demo accounts left
in its folder. ``copier stats`` prints the demo's figures as tables a trader reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.engine.config import Link
from copier.store import DATA_DIR_ENV, Store


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (DATA_DIR_ENV, "XDG_DATA_HOME", "XDG_CONFIG_HOME", "TRADECOPIER_CONFIG_DIR")}
    env["HOME"] = str(home)
    return env


def _copier(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "copier.cli", *args], env=_env(home),
                          capture_output=True, text=True, timeout=180, check=False)


def _default_data_dir(home: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", "from copier.store import default_data_dir as d; print(d())"],
        env=_env(home), capture_output=True, text=True, timeout=60, check=True)
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A temporary HOME, its default data folder, after ``copier demo --headless --seconds 5``."""
    home = tmp_path_factory.mktemp("home")
    data = _default_data_dir(home)
    assert str(data).startswith(str(home))
    done = _copier(home, "demo", "--headless", "--seconds", "5")
    # 1 is a finished demo whose report found a problem (its own tests judge that, e.g. a copy
    # late on a loaded machine); here only where it wrote counts.
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    return home, data


def test_the_demo_leaves_no_account_or_link_in_the_default_data_folder(
    after_demo: tuple[Path, Path],
) -> None:
    home, data = after_demo

    accounts = _copier(home, "accounts", "list", "--json")
    links = _copier(home, "links", "list", "--json")

    assert json.loads(accounts.stdout) == [] and json.loads(links.stdout) == []
    with Store.open(data) as store:
        assert store.count_copies() == 0
    with Store.open(data / "demo") as store:
        assert store.count_copies() > 0  # it ran, in its own folder


def test_stats_prints_a_table_per_link_and_per_slave(after_demo: tuple[Path, Path]) -> None:
    home, data = after_demo

    done = _copier(home, "stats", "--data-dir", str(data / "demo"))

    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0] == "per link" and lines[1].split()[:4] == ["link", "master", "→", "slave"]
    assert any(line.startswith("#1") and "demo-master → demo-suffix" in line for line in lines)
    assert any(line.startswith("total") for line in lines)
    assert "per slave" in lines
    assert not done.stdout.lstrip().startswith("{")  # a table, not JSON
    as_json = _copier(home, "stats", "--json", "--data-dir", str(data / "demo"))
    assert json.loads(as_json.stdout)["links"][0]["link_id"] == 1


def test_the_real_app_removes_what_a_demo_left_in_its_folder(
    after_demo: tuple[Path, Path], tmp_path: Path
) -> None:
    _, data = after_demo
    folder = tmp_path / "copy"
    folder.mkdir()
    with Store.open(data / "demo") as demo, Store.open(folder) as real:
        for link in demo.load_links():  # as an older copier left them in the trader's folder
            real.save_link(link)
        real.save_link(Link(0, "mt4:1@A", "mt4:2@A", name="mine"))

    app = CopierApp(AppConfig(data_dir=folder, bridge=False))
    try:
        kept = [(link.master_id, link.name) for link in app.store.load_links()]
    finally:
        app.store.close()

    assert kept == [("mt4:1@A", "mine")]  # what the copy service loads when it starts
