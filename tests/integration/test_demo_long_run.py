"""A shorter version of the long demo run over the bridge (issue #14: ``--seconds 600 --rate
20`` ended with failed pendings and an unexplained netting volume): at the long run's rate, with
a seed chosen at random each time (printed with any failure, so it can be run again with
``copier demo --headless --transport ea --seed N``), nothing fails, is lost, doubled or left
unexplained on any slave. MT5 direct too, shorter (its 600 s run fell behind the rate and sent
copies whose master stops the slave's market had already passed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from copier.testbed.demo import DemoOptions, run_demo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.mark.parametrize(("transport", "seconds"), [("ea", 25), ("mt5", 15)])
async def test_a_long_run_at_twenty_actions_a_second_keeps_every_invariant(
    tmp_path: Path, transport: str, seconds: int
) -> None:
    seed = random.randrange(100_000)
    options = DemoOptions(seconds=seconds, seed=seed, rate=20, transport=transport,
                          simulate=True, data_dir=tmp_path)

    report = await run_demo(options)

    assert report.master_events >= 10 * seconds, f"seed {seed}"
    assert (report.failed, report.lost, report.duplicated, report.mismatches) == (0, 0, 0, 0), (
        f"seed {seed}", report.failures, report.mismatch_details)
