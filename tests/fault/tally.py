"""What the fault and fuzz suites checked in this run, printed in pytest's terminal summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    kill_points: int = 0  # SIGKILLs of the copier process at a point of a master stream
    send_commit_kills: int = 0  # of those, deaths between a decision's send and its commit
    restarts: int = 0  # graceful copier restarts, executor restarts and proxy sessions
    events: int = 0  # master events streamed
    copies_checked: int = 0  # master event × slave pairs read back from the slave brokers
    lost: int = 0
    duplicated: int = 0
    frames_fuzzed: int = 0  # frames the live bridge read from the fuzzing clients
    # slave terminal failures right after a trade: (margin mode, command kind, failure) → count
    executor_crashes: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add_stream(self, events: int, copies: int, lost: int, duplicated: int) -> None:
        self.events += events
        self.copies_checked += copies
        self.lost += lost
        self.duplicated += duplicated

    def fault_line(self) -> str:
        return (
            f"fault suite: {self.kill_points} kill points tried "
            f"({self.send_commit_kills} between send and commit), "
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
