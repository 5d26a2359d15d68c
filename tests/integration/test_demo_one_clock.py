"""Every transport of the demo stamps a copy's times on one clock.

The demo's clock is the wall clock shifted (up to 30 s) so that a trading-hours boundary falls
mid-run. Stamps of another clock (a worker process or a stand-in terminal reading the wall clock)
would put a copy's decision seconds before its receipt and its execution before it was sent, and
the trade log and statistics would show nonsense latencies. The run here is built with a large
shift on purpose, so a second clock cannot hide inside a small one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from copier.clock import now_ms
from copier.testbed.demo import DemoOptions, _settle, build_demo

pytestmark = pytest.mark.timeout(90)
EXECUTED_WITHIN_MS = 5_000  # from sent to executed: generous for a busy machine
TARGET_SHIFT_MS = 25_000


def seconds_for_a_large_shift() -> float:
    """A run length whose midpoint falls 25 s after a minute boundary, so the demo's clock is
    shifted back by about 25 s (``shift_for_midpoint``)."""
    # The midpoint is ``seconds`` × 500 ms away; two minutes more keep it 25 s past a minute.
    return 120.0 + ((TARGET_SHIFT_MS - now_ms() % 60_000) % 60_000) / 500


@pytest.mark.parametrize("transport", ["mt5", "sim", "ea"])
async def test_every_copy_is_detected_received_decided_sent_and_executed_in_order(
    tmp_path: Path, transport: str
) -> None:
    options = DemoOptions(seconds=seconds_for_a_large_shift(), seed=36385, rate=10,
                          transport=transport, simulate=True, data_dir=tmp_path)
    session = build_demo(options)
    assert abs(session.clock.shift_ms) > 15_000, "the run must be far off the wall clock"
    await session.start()
    try:
        await session.start_trading(steps=20)
        await _settle(session)
    finally:
        await session.stop()

    with sqlite3.connect(f"file:{session.report.database}?mode=ro", uri=True) as db:
        rows = db.execute("select command_id, detected_ms, received_ms, decided_ms, sent_ms, "
                          "executed_ms from trade_log_copies").fetchall()
    assert rows, "the master's trades must have been copied"
    for command_id, detected, received, decided, sent, executed in rows:
        stamps = (detected, received, decided, sent)
        assert sent is not None and list(stamps) == sorted(stamps), (command_id, stamps)
        assert executed is not None, command_id
        assert 0 <= executed - sent <= EXECUTED_WITHIN_MS, (command_id, sent, executed)
