"""An EA terminal remembers the results that came for at most RESULT_MEMORY ids and at most
RESULT_MEMORY_MS, so months of copies do not pile up in memory; within that memory a repeated
command is still answered with its first result and never written to the executor again."""

from __future__ import annotations

import asyncio
import dataclasses
import gc

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, TerminalStatus
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import RESULT_MEMORY, RESULT_MEMORY_MS, EaTerminal


class Sink:
    def __init__(self) -> None:
        self.results: list[ExecutionResult] = []

    on_events = events_one_by_one

    async def on_event(self, event: object) -> None:
        return None

    def on_result(self, result: ExecutionResult) -> None:
        self.results.append(result)

    def on_status(self, status: TerminalStatus) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.ms = 1_000_000

    def __call__(self) -> int:
        return self.ms


def command(n: int) -> Command:
    return Command(id=f"L1-T{n}-S{n}", link_id=1, slave_id="slave", kind=CommandKind.OPEN,
                   master_ticket=n, symbol="EURUSD", order_type=OrderType.BUY, volume=0.1)


def result(n: int) -> ExecutionResult:
    return ExecutionResult(f"L1-T{n}-S{n}", "slave", 10009, "done", slave_ticket=9000 + n)


async def started(clock: Clock) -> tuple[EaTerminal, Sink]:
    terminal = EaTerminal("slave", clock_ms=clock)
    sink = Sink()
    await terminal.start(sink)  # type: ignore[arg-type]
    return terminal, sink


async def test_results_are_remembered_up_to_the_bound_the_oldest_forgotten_first() -> None:
    terminal, sink = await started(Clock())
    for n in range(RESULT_MEMORY + 50):
        terminal.submit(command(n))
        terminal.on_result(result(n))

    assert terminal.remembered_results == RESULT_MEMORY
    assert terminal.pending_commands == 0
    terminal.submit(command(RESULT_MEMORY + 49))  # remembered: answered, not written again
    await asyncio.sleep(0)
    assert sink.results[-1] == result(RESULT_MEMORY + 49)
    assert terminal.pending_commands == 0
    terminal.submit(command(0))  # forgotten: written to the executor again, which answers it
    assert terminal.pending_commands == 1
    await terminal.stop()


async def test_results_older_than_the_memory_s_age_are_forgotten() -> None:
    clock = Clock()
    terminal, _ = await started(clock)
    for n in range(10):
        terminal.on_result(result(n))
    clock.ms += RESULT_MEMORY_MS + 1
    terminal.on_result(result(99))

    assert terminal.remembered_results == 1
    await terminal.stop()


async def test_a_second_answer_within_the_memory_is_dropped() -> None:
    terminal, sink = await started(Clock())
    terminal.submit(command(1))
    terminal.on_result(result(1))
    terminal.on_result(result(1))

    assert sink.results == [result(1)]
    await terminal.stop()


def test_a_result_as_plain_values_is_the_same_result_again() -> None:
    full = ExecutionResult("L1-T7-S3", "slave", 10010, "partly", slave_ticket=77, volume=0.05,
                           price=1.2345, executed_ms=1_700_000_000_123, sl=1.2, tp=1.3)  # fmt: skip
    for kept in (full, result(1), ExecutionResult("L1-T1-S1", "slave", 10006)):
        assert ExecutionResult(*kept.plain()) == kept
    # every field is in it, in order: a field added to the class must be added to plain()
    assert len(full.plain()) == len(dataclasses.fields(ExecutionResult))


async def test_remembered_results_are_not_watched_by_the_garbage_collector() -> None:
    """A thousand results per account stay for minutes: objects the collector watches would be
    walked by every full collection while a copy waits (gc_policy.py). Kept as plain values,
    they leave its watch at the first collection that sees them (a young one, in the app)."""
    terminal, _ = await started(Clock())
    for n in range(100):
        terminal.submit(command(n))
        terminal.on_result(result(n))
    gc.collect()

    kept = list(terminal._results.values())
    assert len(kept) == 100
    assert not any(gc.is_tracked(entry) for entry in kept)
    await terminal.stop()
