"""The demo through the real bridge: reference EAs on every account, real sockets on loopback."""

from __future__ import annotations

from pathlib import Path

from copier.testbed.demo import DemoOptions, run_demo


async def test_demo_over_ea_sessions_copies_with_no_loss_duplicate_failure_or_mismatch(
    tmp_path: Path,
) -> None:
    options = DemoOptions(seconds=4, seed=8, rate=10, transport="ea", data_dir=tmp_path)

    report = await run_demo(options)

    assert report.transport == "ea"
    assert report.master_events >= 25
    assert report.executed > 0
    assert (report.failed, report.lost, report.duplicated, report.mismatches) == (0, 0, 0, 0), (
        report.failures, report.mismatch_details)
