"""The core→Qt bridge: events published on another thread reach the GUI thread as a few coalesced
signals (never one per event), with every sample and every reason kept; log records from any
thread reach the Logs screen."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Retcode
from copier.engine.state import CopyDenied
from copier.events import CopyExecuted, CopyFailed, CopySent, CopyWasDenied
from copier.ui.core_signals import CopyCounts, LatencySample, Problem, UiBridge
from copier.ui.pages.logs import LogsPage
from tests.ui.conftest import Run, until

BURST = 5_000


def _command(n: int) -> Command:
    return Command(id=f"L1-T{n}-S{n}", link_id=1, slave_id="slave", kind=CommandKind.OPEN,
                   master_ticket=n, symbol="EURUSD", order_type=OrderType.BUY, volume=0.1,
                   created_ms=1_000 + n)


def _publish_burst(bridge: UiBridge) -> None:
    for n in range(BURST):
        command = _command(n)
        bridge.handle(CopySent(command, 1_001 + n))
        result = ExecutionResult(command.id, "slave", Retcode.DONE, executed_ms=1_003 + n)
        bridge.handle(CopyExecuted(command, result, latency_ms=4.0))


def test_a_burst_from_the_core_thread_arrives_as_a_few_coalesced_signals(
    loop: Any, run: Run[Any]
) -> None:
    bridge = UiBridge(interval_ms=100)
    emissions: list[int] = []
    samples: list[LatencySample] = []
    counts: list[CopyCounts] = []

    def on_samples(batch: list[LatencySample]) -> None:
        emissions.append(len(batch))
        samples.extend(batch)

    bridge.latency_sampled.connect(on_samples)
    bridge.copies_counted.connect(counts.append)
    bridge.start()
    started = time.monotonic()

    async def scenario() -> None:
        core = threading.Thread(target=_publish_burst, args=(bridge,), name="fake-core")
        core.start()
        await until(lambda: len(samples) == BURST, what="every sample")
        core.join()

    run(scenario())
    bridge.stop()

    flushes_possible = (time.monotonic() - started) / 0.1 + 2
    assert len(emissions) <= flushes_possible < BURST / 10
    assert sum(c.executed for c in counts) == BURST
    assert sum(c.sent for c in counts) == BURST
    assert {(s.total_ms, s.send_ms, s.execute_ms) for s in samples} == {(4.0, 1.0, 2.0)}


def test_denials_and_failures_arrive_as_problems_with_their_reasons(
    loop: Any, run: Run[Any]
) -> None:
    bridge = UiBridge(interval_ms=50)
    problems: list[Problem] = []
    bridge.problems_reported.connect(problems.extend)
    bridge.start()
    denial = CopyDenied(1, "slave", 7, 3, "max_lot_per_order",
                        "EURUSD: lot 3.00 above max lot per order 1.00 — copy denied")
    failed = ExecutionResult("L1-T8-S4", "slave", Retcode.NO_MONEY, message="not enough money")

    bridge.handle(CopyWasDenied(denial))
    bridge.handle(CopyFailed(_command(8), failed))
    run(until(lambda: len(problems) == 2, what="two problems"))
    bridge.stop()

    assert [(p.kind, p.rule) for p in problems] == [("denied", "max_lot_per_order"),
                                                    ("failed", "NO_MONEY")]
    assert problems[0].text == denial.reason
    assert "not enough money" in problems[1].text


def test_log_records_from_any_thread_reach_the_logs_screen(loop: Any, run: Run[Any]) -> None:
    bridge = UiBridge(interval_ms=50)
    page = LogsPage(bridge)
    logger = logging.getLogger("copier.test.bridge")
    logger.setLevel(logging.INFO)
    logger.addHandler(bridge.log_handler)
    bridge.start()
    try:
        worker = threading.Thread(target=lambda: logger.warning("slave %s went quiet", "S1"))
        worker.start()
        worker.join()
        logger.debug("below the screen's level")
        run(until(lambda: "slave S1 went quiet" in page.text.toPlainText(), what="the line"))
    finally:
        logger.removeHandler(bridge.log_handler)
        bridge.stop()

    assert "WARNING" in page.text.toPlainText()
    assert "below the screen's level" not in page.text.toPlainText()
