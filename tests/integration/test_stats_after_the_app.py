"""Statistics read from the store alone — ``copier stats`` with the app closed — price money with
the symbol specs the terminals reported while it ran, as the Statistics screen does live."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from copier.cli import main
from copier.stats import build_stats, compute_stats, read_trade_log
from copier.stats.aggregated import read_sums
from copier.store import DATA_DIR_ENV, Store
from copier.testbed.demo import DemoOptions, run_demo


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder after a short demo that opened and closed copies on three slaves."""
    folder = tmp_path_factory.mktemp("demo")
    report = asyncio.run(run_demo(DemoOptions(seconds=3, seed=7, rate=10, data_dir=folder)))
    assert report.healthy, report.failures
    return folder


def _traded(store: Store) -> set[tuple[str, str]]:
    rows = store.read(lambda conn: conn.exec_driver_sql(
        "SELECT DISTINCT slave_id, slave_symbol FROM trade_log_copies WHERE status = 'executed'"
    ).all())
    return {(slave_id, symbol) for slave_id, symbol in rows}


def test_every_symbol_a_slave_traded_has_its_spec_saved(demo_dir: Path) -> None:
    with Store.open(demo_dir) as store:
        traded, saved = _traded(store), store.load_symbol_specs()

    assert traded
    unsaved = {(slave, symbol) for slave, symbol in traded if symbol not in saved.get(slave, {})}
    assert unsaved == set()


def test_stats_without_live_specs_price_the_closed_copies(demo_dir: Path) -> None:
    with Store.open(demo_dir) as store:
        stats = compute_stats(store)

    total = stats["total"]
    assert total["unpriced"] == 0
    assert total["pnl"] != 0.0
    assert total["master_pnl"] != 0.0
    assert total["slippage_money"] != 0.0
    for link in stats["links"]:
        assert link["total"]["unpriced"] == 0, link["slave_id"]


def pnl_by_slave(stats: dict[str, Any]) -> dict[str, float]:
    return {slave["slave_id"]: slave["total"]["pnl"] for slave in stats["slaves"]}


def test_live_specs_win_over_the_saved_ones(demo_dir: Path) -> None:
    with Store.open(demo_dir) as store:
        saved = store.load_symbol_specs()
        stored_only = compute_stats(store)
        slave = stored_only["links"][-1]["slave_id"]
        doubled = {name: replace(spec, tick_value=spec.tick_value * 2)
                   for name, spec in saved[slave].items()}
        with_live = compute_stats(store, {slave: doubled})

    before, after = pnl_by_slave(stored_only), pnl_by_slave(with_live)
    assert before[slave] != 0.0
    assert after[slave] == pytest.approx(2 * before[slave], abs=0.02)
    del before[slave], after[slave]
    assert after == before  # the other slaves keep the saved specs' figures


def test_copier_stats_json_prints_the_money_figures(
    demo_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_dir))  # restored after: main() sets it too

    code = main(["--data-dir", str(demo_dir), "stats", "--json"])

    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["total"]["pnl"] != 0.0
    assert printed["total"]["unpriced"] == 0


def test_the_sql_sums_agree_with_a_row_by_row_replay_of_the_trade_log(demo_dir: Path) -> None:
    with Store.open(demo_dir) as store:
        specs = store.load_symbol_specs()
        links = store.load_links()
        summed = compute_stats(store, now_ms=1)
        replayed = build_stats(store.read(read_trade_log), links, specs, now_ms=1)
        sums = store.read(read_sums)
        fills = store.read(lambda conn: conn.exec_driver_sql(
            "SELECT COUNT(*) FROM trade_log_copies WHERE status = 'executed'").scalar_one())

    assert summed["total"]["copies"] > 0 and summed["total"]["pnl"] != 0.0
    assert summed == replayed
    # The sums price most positions: only a few are replayed from their rows.
    assert len(sums.fill_rows) < fills / 2, (len(sums.fill_rows), fills)
