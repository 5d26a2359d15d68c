"""EA test set-up: the four EAs compiled once per test session, cached under a pytest tmp dir."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import pytest
from harness.build import compile_ea, runtime_objects
from harness.gate import REPO

EAS = {
    "monitor4": REPO / "ea/MQL4/Experts/TradeCopy_Monitor.mq4",
    "executor4": REPO / "ea/MQL4/Experts/TradeCopy_Executor.mq4",
    "monitor5": REPO / "ea/MQL5/Experts/TradeCopy_Monitor.mq5",
    "executor5": REPO / "ea/MQL5/Experts/TradeCopy_Executor.mq5",
}


@pytest.fixture(scope="session")
def ea_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every EA compiled with g++ -std=c++17 -Wall -Werror (two at a time: 2 cores)."""
    out = tmp_path_factory.mktemp("ea-build")
    runtime_objects(out)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(compile_ea, src, out) for name, src in EAS.items()}
        return {name: future.result() for name, future in futures.items()}
