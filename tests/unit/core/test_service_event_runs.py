"""Events of one master handed over together (``CopyService.on_events``): each decided and its
commands written in turn, all decisions stored in one transaction; a run whose write fails is
taken back whole, newest decision first, and comes again to the same command ids."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from copier.domain import CommandKind, EventKind
from copier.engine.state import TicketState
from copier.service import CopyService
from copier.store import Decision, Store, StoreError
from tests.unit.core.test_service_decisions import (
    BrokerTerminal,
    GatedStore,
    event,
    linked_service,
)

pytestmark = pytest.mark.timeout(20)


class RunStore(GatedStore):
    """The gated store, recording the seqs of each run it is asked to write; ``fail_next``
    refuses the next one as a full disk would."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.runs: list[list[int]] = []
        self.fail_next = False

    async def persist_decisions(self, decisions: list[Decision], *args: Any, **kw: Any) -> None:
        self.runs.append([d.event.seq for d in decisions])
        if self.fail_next:
            self.fail_next = False
            raise StoreError("database or disk is full")
        await super().persist_decisions(decisions, *args, **kw)


async def started(tmp_path: Path) -> tuple[Store, RunStore, CopyService, BrokerTerminal]:
    store, gated, service, slave = linked_service(tmp_path, RunStore)
    assert isinstance(gated, RunStore)
    await service.start()
    return store, gated, service, slave


async def test_a_run_is_stored_in_one_write_after_every_command_of_it_went_out(
    tmp_path: Path,
) -> None:
    store, gated, service, slave = await started(tmp_path)
    try:
        gated.gate.clear()
        run = [event(1, EventKind.OPENED, 500, 0.1), event(2, EventKind.OPENED, 501, 0.2),
               event(3, EventKind.CLOSED, 500, 0.0)]  # fmt: skip
        handling = asyncio.create_task(service.on_events(run))
        await asyncio.wait_for(gated.waiting.wait(), 5)
        sent_before_the_commit = [(c.kind, c.master_ticket) for c in slave.commands]
        acknowledgeable_before = service.last_seq("m")
        gated.gate.set()
        await asyncio.wait_for(handling, 5)
        await store.flush()
        stored = {t.master_ticket: t.state for t in store.load_tickets(include_finished=True)}
    finally:
        await service.stop()
        store.close()

    assert sent_before_the_commit == [
        (CommandKind.OPEN, 500), (CommandKind.OPEN, 501), (CommandKind.CLOSE, 500)]
    assert gated.runs == [[1, 2, 3]]
    assert acknowledgeable_before == 0 and service.last_seq("m") == 3
    assert stored == {500: TicketState.CLOSING, 501: TicketState.OPENING}


async def test_a_run_whose_write_fails_is_taken_back_whole_and_decided_again_to_the_same_ids(
    tmp_path: Path,
) -> None:
    store, gated, service, slave = await started(tmp_path)
    try:
        run = [event(1, EventKind.OPENED, 500, 0.1), event(2, EventKind.CLOSED, 500, 0.0)]
        gated.fail_next = True
        with pytest.raises(StoreError):
            await service.on_events(run)
        after_the_failure = ([t.master_ticket for t in service.tickets()], service.last_seq("m"))
        first_ids = [c.id for c in slave.commands]

        await service.on_events(run)  # the monitor's resend
        await store.flush()
        stored = [(t.master_ticket, t.state) for t in store.load_tickets(include_finished=True)]
    finally:
        await service.stop()
        store.close()

    # Booked open then close; taken back close first, then open: nothing is left of either.
    assert after_the_failure == ([], 0)
    assert [c.id for c in slave.commands] == first_ids * 2
    assert gated.runs == [[1, 2], [1, 2]]
    assert stored == [(500, TicketState.CLOSING)]


async def test_events_of_a_run_seen_before_are_left_out(tmp_path: Path) -> None:
    store, gated, service, slave = await started(tmp_path)
    try:
        await service.on_events([event(1, EventKind.OPENED, 500, 0.1)])
        await service.on_events([event(1, EventKind.OPENED, 500, 0.1),
                                 event(2, EventKind.OPENED, 501, 0.1)])  # fmt: skip
        await service.on_events([event(2, EventKind.OPENED, 501, 0.1)])
    finally:
        await service.stop()
        store.close()

    assert gated.runs == [[1], [2]]
    assert [c.master_ticket for c in slave.commands] == [500, 501]
