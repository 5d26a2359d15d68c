"""Results on the copy rows: the results of one turn of the loop written as one unit, what the
caller knows of a copy (``CopyOrigin``) standing in for reading its row back, and a DUPLICATE
answer that never overwrites the first fill."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from msgspec import structs
from sqlalchemy import bindparam, select
from store_samples import T0, FakeClock, command, event, filled, table_rows, ticket

from copier.domain import CommandKind, OrderType, Retcode
from copier.engine.state import TicketState
from copier.store import CopyOrigin, Store, StoreClosed
from copier.store.models import TicketLinkRow, table
from copier.store.prepared import Prepared

RESULT_COLUMNS = ("status", "filled_volume", "slave_price", "slippage_points", "executed_ms",
                  "retcode", "message", "slave_ticket")  # fmt: skip


def _results(store: Store) -> dict[str, tuple[Any, ...]]:
    rows = table_rows(store, "trade_log_copies")
    return {r["command_id"]: tuple(r[c] for c in RESULT_COLUMNS) for r in rows}


@pytest.mark.parametrize(
    ("kind", "master_type", "copy_type", "price"),
    [
        (CommandKind.OPEN, OrderType.BUY, OrderType.BUY, 1.10032),
        (CommandKind.OPEN, OrderType.SELL, OrderType.SELL, 1.0998),
        (CommandKind.CLOSE, OrderType.BUY, OrderType.BUY, 1.0998),
        (CommandKind.OPEN, OrderType.BUY, OrderType.SELL, 1.0998),  # reversed: no slippage
        (CommandKind.FILL_PENDING, OrderType.BUY_LIMIT, OrderType.BUY_LIMIT, 1.0995),
        (CommandKind.MODIFY, OrderType.BUY, OrderType.BUY, 1.2),
    ],
)
async def test_the_origin_the_caller_knows_writes_what_reading_the_row_back_writes(
    store: Store, kind: CommandKind, master_type: OrderType, copy_type: OrderType, price: float
) -> None:
    # The copy service keeps each command's master event in memory and hands the store what the
    # copy row holds; that must be exactly what the store would read back for it.
    master = event(seq=1, price=1.1000, order_type=master_type)
    known, unknown = (structs.replace(command(master, link_id, kind=kind), order_type=copy_type)
                      for link_id in (1, 2))  # fmt: skip
    await store.persist_decision(master, [known, unknown], [], [], T0 + 3)

    store.persist_result(filled(known, price=price), None, point=1e-5,
                         origin=CopyOrigin.of(known, master))  # fmt: skip
    await store.persist_result(filled(unknown, price=price), None, point=1e-5)

    written = _results(store)
    assert written[known.id] == written[unknown.id]
    assert written[known.id][0] == "executed"


async def test_results_of_one_turn_of_the_loop_are_one_unit_with_one_future(store: Store) -> None:
    master = event(seq=1)
    legs = [command(master, link_id) for link_id in range(1, 11)]
    await store.persist_decision(master, legs, [], [ticket(500, n) for n in range(1, 11)], T0)
    units = store.writer_stats.units

    futures = {store.persist_result(filled(c, slave_ticket=700 + c.link_id),
                                    ticket(500, c.link_id, state=TicketState.OPEN,
                                           slave_ticket=700 + c.link_id),
                                    origin=CopyOrigin.of(c, master))
               for c in legs}  # fmt: skip
    [shared] = futures
    await shared

    assert store.writer_stats.units == units + 1
    assert {row[0] for row in _results(store).values()} == {"executed"}
    assert {t.link_id: t.slave_ticket for t in store.load_tickets()} == {
        n: 700 + n for n in range(1, 11)
    }


@pytest.mark.parametrize("same_turn", [True, False])
@pytest.mark.parametrize("origin_known", [True, False])
async def test_a_duplicate_answer_keeps_the_first_fill(
    store: Store, same_turn: bool, origin_known: bool
) -> None:
    master = event(seq=1)
    cmd = command(master)
    origin = CopyOrigin.of(cmd, master) if origin_known else None
    await store.persist_decision(master, [cmd], [], [], T0)

    first = store.persist_result(filled(cmd, price=1.1004, slave_ticket=777), None, point=1e-5,
                                 origin=origin)  # fmt: skip
    if not same_turn:
        await first
    repeat = filled(cmd, price=0.0, volume=0.0, retcode=Retcode.DUPLICATE, slave_ticket=None,
                    message="already done")  # fmt: skip
    await store.persist_result(repeat, None, point=1e-5, origin=origin)

    [row] = table_rows(store, "trade_log_copies")
    assert (row["status"], row["slave_price"], row["slave_ticket"]) == ("executed", 1.1004, 777)
    assert (row["retcode"], row["message"], row["slippage_points"]) == (Retcode.DONE, "done", 40.0)


async def test_a_duplicate_answer_completes_a_copy_still_without_a_result(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0, sent=[cmd.id], sent_ms=T0 + 1)

    repeat = filled(cmd, retcode=Retcode.DUPLICATE, message="already done")
    await store.persist_result(repeat, None, origin=CopyOrigin.of(cmd, master))

    [row] = table_rows(store, "trade_log_copies")
    assert (row["status"], row["retcode"]) == ("executed", Retcode.DUPLICATE)
    assert store.load_outbox() == []


async def test_a_decision_after_a_result_of_the_same_turn_is_written_after_it(
    store: Store,
) -> None:
    # The service books the result on its ledger, then the next decision moves the same ticket
    # link on: the result's (older) ticket link must not be written over the decision's.
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [ticket(500)], T0)
    opened = ticket(500, state=TicketState.OPEN, slave_ticket=777, slave_volume=0.5)
    closing = structs.replace(opened, state=TicketState.CLOSING)

    result = store.persist_result(filled(cmd), opened, origin=CopyOrigin.of(cmd, master))
    decision = store.persist_decision(event(seq=2), [], [], [closing], T0 + 10)
    await decision
    await result

    assert store.load_tickets() == [closing]


async def test_results_waiting_when_the_store_closes_are_written(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store.open(path=db_path, clock=clock)
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)

    waiting = store.persist_result(filled(cmd), None, origin=CopyOrigin.of(cmd, master))
    store.close()

    with pytest.raises(StoreClosed):
        store.persist_result(filled(cmd), None)
    await waiting
    with Store.open(path=db_path, clock=clock) as reopened:
        assert reopened.load_outbox() == []


def test_a_statement_bound_in_another_order_is_refused_at_once() -> None:
    tickets = table(TicketLinkRow)
    statement = Prepared.of(select(tickets).where(tickets.c.link_id == bindparam("link"),
                                                  tickets.c.leg == bindparam("leg")))  # fmt: skip

    assert statement.binding("link", "leg") is statement
    with pytest.raises(RuntimeError, match="binds"):
        statement.binding("leg", "link")
