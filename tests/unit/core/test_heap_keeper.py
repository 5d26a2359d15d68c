"""The heap keeper freezes a burst of sessions once it is over, and now and then thaws,
collects and freezes again so the cycles of closed sessions do not pile up for good."""

from __future__ import annotations

from copier.gc_policy import HeapKeeper


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def collect(self) -> int:
        self.calls.append("collect")
        return 0

    def freeze(self) -> None:
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")


class World:
    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0
        self.now = 0.0

    def totals(self) -> tuple[int, int]:
        return self.opened, self.closed

    def clock(self) -> float:
        return self.now


def keeper(world: World, recorder: Recorder, rebuild_after: int = 100) -> HeapKeeper:
    return HeapKeeper(world.totals, quiet_s=2.0, rebuild_after=rebuild_after,
                      collector=recorder, clock=world.clock)  # fmt: skip


def run(world: World, keep: HeapKeeper, seconds: int, opened_per_s: int = 0,
        closed_per_s: int = 0) -> None:  # fmt: skip
    for _ in range(seconds):
        world.now += 1.0
        world.opened += opened_per_s
        world.closed += closed_per_s
        keep.tick()


def test_a_burst_of_sessions_is_frozen_once_when_it_is_over() -> None:
    world, recorder = World(), Recorder()
    keep = keeper(world, recorder)

    run(world, keep, 10, opened_per_s=1000)  # a reconnect burst: nothing frozen while it lasts
    during = list(recorder.calls)
    run(world, keep, 5)  # quiet
    run(world, keep, 20)  # still quiet: nothing new to freeze

    assert during == []
    assert recorder.calls == ["freeze"]
    assert keep.freezes == 1


def test_nothing_is_frozen_when_no_session_opened() -> None:
    world, recorder = World(), Recorder()
    keep = keeper(world, recorder)

    run(world, keep, 30)

    assert recorder.calls == []


def test_after_many_closed_sessions_the_heap_is_thawed_collected_and_frozen_again() -> None:
    world, recorder = World(), Recorder()
    keep = keeper(world, recorder, rebuild_after=100)
    run(world, keep, 5, opened_per_s=50)
    run(world, keep, 5)
    assert recorder.calls == ["freeze"]

    run(world, keep, 4, opened_per_s=30, closed_per_s=30)  # reconnects: 120 closed
    run(world, keep, 5)

    assert recorder.calls == ["freeze", "unfreeze", "collect", "freeze"]
    assert keep.rebuilds == 1
    run(world, keep, 10)
    assert keep.rebuilds == 1  # counted from the rebuild on
