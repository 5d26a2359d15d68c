"""What the fault and fuzz suites checked in this run, printed in pytest's terminal summary.

A plugin of the whole suite (``pytest_plugins`` in tests/conftest.py), not of the two folders'
conftests: when the run is spread over worker processes (pytest-xdist), each worker counts what
its own tests tried and hands the counts to the controller when it finishes
(``config.workeroutput``), which adds them up and prints the same totals a serial run prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

WORKER_OUTPUT_KEY = "tradecopier_tally"


@dataclass
class Tally:
    kill_points: int = 0  # SIGKILLs of the copier process at a point of a master stream
    send_commit_kills: int = 0  # of those, deaths between a decision's send and its commit
    run_kills: int = 0  # of those, deaths inside a run of events (one sent, the next not decided)
    restarts: int = 0  # graceful copier restarts, executor restarts and proxy sessions
    events: int = 0  # master events streamed
    copies_checked: int = 0  # master event × slave pairs read back from the slave brokers
    lost: int = 0
    duplicated: int = 0
    frames_fuzzed: int = 0  # frames the live bridge read from the fuzzing clients
    # slave terminal failures right after a trade: (margin mode, command kind, failure) → count
    executor_crashes: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    COUNTS = ("kill_points", "send_commit_kills", "run_kills", "restarts", "events",
              "copies_checked", "lost", "duplicated", "frames_fuzzed")

    def add_stream(self, events: int, copies: int, lost: int, duplicated: int) -> None:
        self.events += events
        self.copies_checked += copies
        self.lost += lost
        self.duplicated += duplicated

    def to_wire(self) -> dict[str, Any]:
        """Plain data a worker process can send to the controller (execnet: no tuples as keys)."""
        return {
            "counts": {name: getattr(self, name) for name in self.COUNTS},
            "executor_crashes": [[*key, n] for key, n in self.executor_crashes.items()],
        }

    def add_wire(self, wire: dict[str, Any]) -> None:
        """Add the counts of one worker (``to_wire``) to these."""
        for name, value in wire["counts"].items():
            setattr(self, name, getattr(self, name) + int(value))
        for mode, kind, failure, n in wire["executor_crashes"]:
            self.executor_crashes[(mode, kind, failure)] += int(n)

    def fault_line(self) -> str:
        return (
            f"fault suite: {self.kill_points} kill points tried "
            f"({self.send_commit_kills} between send and commit, {self.run_kills} of them inside "
            "a run of events), "
            f"{sum(self.executor_crashes.values())} executor crash points tried, "
            f"{self.restarts} other restarts, {self.events} events, {self.copies_checked} copies "
            f"checked, {self.lost} lost / {self.duplicated} duplicated"
        )

    def crash_lines(self) -> list[str]:
        """The executor crash points tried, one line per slave margin mode and failure."""
        lines = []
        for mode, failure in sorted({(m, f) for m, _, f in self.executor_crashes}):
            kinds = ", ".join(
                f"{kind} ×{n}" if n > 1 else kind
                for (m, kind, f), n in sorted(self.executor_crashes.items())
                if (m, f) == (mode, failure)
            )
            lines.append(f"  executor crash points, {mode} slaves, {failure}: {kinds}")
        return lines

    def fuzz_line(self) -> str:
        return f"fuzz suite: {self.frames_fuzzed} frames fuzzed"


TALLY = Tally()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the totals
        workeroutput[WORKER_OUTPUT_KEY] = TALLY.to_wire()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    wire = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
    if wire is not None:
        TALLY.add_wire(wire)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.frames_fuzzed:
        terminalreporter.write_sep("=", TALLY.fuzz_line())
    if TALLY.events or TALLY.kill_points:
        terminalreporter.write_sep("=", TALLY.fault_line())
        for line in TALLY.crash_lines():
            terminalreporter.write_line(line)
