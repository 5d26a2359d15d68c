"""No automatic garbage collection starts inside the copy path (the copy service's routes and
writes): one that comes due there runs at the first allocation after it (copier.gc_policy)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copier.domain import Command, EventKind
from copier.gc_policy import CollectionsHeld
from tests.unit.core.test_service_decisions import event, linked_service


@pytest.fixture
def eager_collector() -> Iterator[list[int]]:
    """Automatic collection on, a young collection due every few allocations, and the
    generations of the collections that start, in order."""
    started: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    was_enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(5, 10, 10)
    gc.callbacks.append(note)
    try:
        yield started
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*thresholds)
        if not was_enabled:
            gc.disable()


def _allocate() -> list[object]:
    return [[] for _ in range(50)]  # tracked containers: each counts toward a young collection


def test_a_collection_due_inside_waits_for_the_first_allocation_after(
    eager_collector: list[int],
) -> None:
    with CollectionsHeld():
        entered = len(eager_collector)
        kept = _allocate()
        inside = eager_collector[entered:]
        assert not gc.isenabled()
    assert gc.isenabled()
    kept += _allocate()
    assert inside == []
    assert len(eager_collector) > entered, "the collection that came due ran after the block"


def test_the_collector_is_on_again_after_a_fault_inside(eager_collector: list[int]) -> None:
    with pytest.raises(ValueError), CollectionsHeld():
        raise ValueError("a route failed")
    assert gc.isenabled()


def test_where_automatic_collection_is_off_it_stays_off(eager_collector: list[int]) -> None:
    gc.disable()  # as the window's process has it (copier.ui.collector)
    before = len(eager_collector)
    with CollectionsHeld():
        _allocate()
    _allocate()
    assert not gc.isenabled()
    assert len(eager_collector) == before


async def test_no_collection_starts_between_an_events_routes_and_its_last_write(
    tmp_path: Path, eager_collector: list[int]
) -> None:
    store, _, service, slave = linked_service(tmp_path)
    seen: list[tuple[bool, int]] = []  # (collector on, collections so far) at each write
    record = slave.submit
    routed = service._route
    routes: list[int] = []  # collections so far when each link was routed

    def route(*args: Any) -> Any:
        routes.append(len(eager_collector))
        return routed(*args)

    def submit(command: Command) -> None:
        _allocate()  # what a terminal allocates to write a frame: reason enough to collect
        seen.append((gc.isenabled(), len(eager_collector)))
        record(command)

    service._route = route  # type: ignore[method-assign]

    slave.submit = submit  # type: ignore[method-assign]
    await service.start()
    try:
        await service.on_event(event(1, EventKind.OPENED, 500, 0.1))
        after = len(eager_collector)
    finally:
        await service.stop()
        store.close()
    (routed_at,) = routes
    # From the link's route to the last write the collector was held and none ran; the
    # collection that came due meanwhile ran once the write was out.
    assert seen == [(False, routed_at)]
    assert gc.isenabled()
    assert after > routed_at
