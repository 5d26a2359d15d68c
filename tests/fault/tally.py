"""What the fault and fuzz suites checked in this run, printed in pytest's terminal summary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    kill_points: int = 0  # SIGKILLs of the copier process at a point of a master stream
    restarts: int = 0  # graceful copier restarts, executor restarts and proxy sessions
    events: int = 0  # master events streamed
    copies_checked: int = 0  # master event × slave pairs read back from the slave brokers
    lost: int = 0
    duplicated: int = 0
    frames_fuzzed: int = 0  # frames the live bridge read from the fuzzing clients

    def add_stream(self, events: int, copies: int, lost: int, duplicated: int) -> None:
        self.events += events
        self.copies_checked += copies
        self.lost += lost
        self.duplicated += duplicated

    def fault_line(self) -> str:
        return (
            f"fault suite: {self.kill_points} kill points tried, {self.restarts} other "
            f"restarts, {self.events} events, {self.copies_checked} copies checked, "
            f"{self.lost} lost / {self.duplicated} duplicated"
        )

    def fuzz_line(self) -> str:
        return f"fuzz suite: {self.frames_fuzzed} frames fuzzed"


TALLY = Tally()
