"""The core's loop gets the GIL back from the writer and worker threads within 0.2 ms while the
app runs (copier.gil_policy), and the interval in force before is back once it stops."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.gil_policy import CORE_SWITCH_INTERVAL_S, hand_gil_often, restore_switch_interval


@pytest.fixture
def default_interval() -> Iterator[float]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default
    yield 0.005
    sys.setswitchinterval(before)


async def test_the_running_app_hands_the_gil_over_every_fifth_of_a_millisecond(
    tmp_path: Path, default_interval: float
) -> None:
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge=False, load_accounts=False))
    await app.start()
    running = sys.getswitchinterval()
    await app.stop()

    assert running == pytest.approx(CORE_SWITCH_INTERVAL_S, rel=0.05)
    assert sys.getswitchinterval() == pytest.approx(default_interval, rel=0.05)


def test_a_shorter_interval_already_set_is_kept(default_interval: float) -> None:
    sys.setswitchinterval(0.0001)
    previous = hand_gil_often()
    kept = sys.getswitchinterval()
    restore_switch_interval(previous)

    assert (previous, kept) == (pytest.approx(0.0001, rel=0.05), pytest.approx(0.0001, rel=0.05))
