"""EA test set-up: the four EAs laid out in a terminal data folder as the installer leaves it
(harness/layout.py) and compiled from there once per test session, cached under a pytest tmp dir;
the harness runtime's own objects, compiled once for every EA and probe the session builds."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import pytest
from harness.build import compile_from_data_folder, runtime_objects
from harness.layout import lay_out_data_folder

EAS = {
    "monitor4": "TradeCopy_Monitor.mq4",
    "executor4": "TradeCopy_Executor.mq4",
    "monitor5": "TradeCopy_Monitor.mq5",
    "executor5": "TradeCopy_Executor.mq5",
}


@pytest.fixture(scope="session")
def ea_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with ``MQL4/`` and ``MQL5/`` holding the EAs where a terminal keeps them."""
    return lay_out_data_folder(tmp_path_factory.mktemp("terminal-data"))


@pytest.fixture(scope="session")
def ea_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the runtime's objects (terminal, POSIX network, TLS): pass it to
    ``compile_ea``/``compile_from_data_folder`` as ``runtime_dir``."""
    folder = tmp_path_factory.mktemp("ea-runtime")
    runtime_objects(folder)
    return folder


@pytest.fixture(scope="session")
def ea_binaries(tmp_path_factory: pytest.TempPathFactory, ea_data_folder: Path,
                ea_runtime: Path) -> dict[str, Path]:
    """Every EA compiled with g++ -std=c++17 -Wall -Werror (two at a time: 2 cores)."""
    out = tmp_path_factory.mktemp("ea-build")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(compile_from_data_folder, ea_data_folder, expert, out,
                                     ea_runtime)
                   for name, expert in EAS.items()}
        return {name: future.result() for name, future in futures.items()}
