"""The copy hot path on disk: decisions, sends, results, ticket links, sequence numbers, audit."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pytest
from msgspec import structs
from store_samples import (
    MASTER,
    SLAVE,
    T0,
    FakeClock,
    command,
    denial,
    event,
    filled,
    outbox_rows,
    table_rows,
    ticket,
)

from copier.domain import CommandKind, EventKind, OrderType, Retcode, Side
from copier.engine.state import CopyAdjusted, TicketState
from copier.store import Store, StoreClosed, StoreError


async def test_decision_writes_event_seq_denials_tickets_outbox_and_pending_copies(
    store: Store,
) -> None:
    master = event(seq=3, ticket=500)
    commands = [command(master, link_id=1), command(master, link_id=4, slave="mt4:3003@X")]

    await store.persist_decision(master, commands, [denial(master)], [ticket(500)], T0 + 5)

    [logged_event] = table_rows(store, "trade_log_events")
    assert (logged_event["account_id"], logged_event["seq"], logged_event["kind"]) == (
        MASTER,
        3,
        "opened",
    )
    assert (logged_event["detected_ms"], logged_event["received_ms"]) == (T0, T0 + 2)
    assert logged_event["decided_ms"] == T0 + 5
    assert store.last_seqs() == {MASTER: 3}
    [logged_denial] = table_rows(store, "trade_log_denials")
    assert logged_denial["rule"] == "below_minimum"
    assert logged_denial["reason"].startswith("EURUSD.m: lot 0.004 below broker minimum")
    assert store.load_tickets() == [ticket(500)]
    assert store.load_outbox() == commands
    copies = table_rows(store, "trade_log_copies")
    assert [c["command_id"] for c in copies] == [c.id for c in commands]
    assert {c["status"] for c in copies} == {"pending"}
    first = copies[0]
    assert (first["master_id"], first["slave_id"], first["symbol"], first["slave_symbol"]) == (
        MASTER,
        SLAVE,
        "EURUSD",
        "EURUSD.m",
    )
    assert (first["side"], first["kind"], first["requested_volume"]) == ("buy", "open", 0.5)
    assert (first["master_price"], first["detected_ms"], first["received_ms"]) == (
        1.1,
        T0,
        T0 + 2,
    )


async def test_decision_retires_rekeyed_ticket_links_and_logs_adjustments(store: Store) -> None:
    await store.upsert_tickets([ticket(500, state=TicketState.OPEN), ticket(600)])
    partial = event(seq=2, ticket=500, kind=EventKind.PARTIALLY_CLOSED)
    remainder = structs.replace(ticket(501, state=TicketState.OPEN), slave_volume=0.3)
    capped = CopyAdjusted(1, SLAVE, 500, 2, "max_lot", "EURUSD.m: lot 3.00 capped at 2.00")

    await store.persist_decision(
        partial,
        [command(partial, kind=CommandKind.CLOSE)],
        [],
        [remainder],
        T0,
        retired=[(1, 500, 0)],
        adjustments=[capped],
    )

    assert [t.master_ticket for t in store.load_tickets()] == [501, 600]
    [adjustment] = table_rows(store, "trade_log_adjustments")
    assert (adjustment["rule"], adjustment["master_id"], adjustment["time_ms"]) == (
        "max_lot",
        MASTER,
        T0,
    )
    assert adjustment["reason"] == "EURUSD.m: lot 3.00 capped at 2.00"


async def test_failing_decision_leaves_nothing_while_its_batch_neighbours_commit(
    store: Store,
) -> None:
    good = event(seq=1, ticket=500)
    bad = event(seq=2, ticket=501)
    # SQLite stores NaN as NULL, which the copy row's NOT NULL volume refuses: the unit fails
    # after its event, seq, denial and ticket rows were already written in the transaction.
    broken = structs.replace(command(bad), volume=math.nan)
    later = event(seq=3, ticket=502)
    # Hold the writer thread busy so the three decisions queue up and share one batch (an idle
    # writer would let each be written at once on this thread, see the next test).
    release = threading.Event()
    busy = store._writer.submit(lambda conn: release.wait(5))

    first = store.persist_decision(good, [command(good)], [], [ticket(500)], T0)
    failing = store.persist_decision(bad, [broken], [denial(bad)], [ticket(501)], T0)
    third = store.persist_decision(later, [command(later)], [], [], T0)
    release.set()
    await busy
    await first
    with pytest.raises(StoreError, match=r"NOT NULL constraint failed: \w+\.requested_volume"):
        await failing
    await third

    assert [e["seq"] for e in table_rows(store, "trade_log_events")] == [1, 3]
    assert table_rows(store, "trade_log_denials") == []
    assert [t.master_ticket for t in store.load_tickets()] == [500]
    assert [c.master_ticket for c in store.load_outbox()] == [500, 502]
    assert store.last_seqs() == {MASTER: 3}
    assert store.writer_stats.isolated_retries >= 1


async def test_a_decision_is_written_at_once_when_the_writer_is_idle_and_fails_alone(
    store: Store,
) -> None:
    good = event(seq=1, ticket=500)
    bad = event(seq=2, ticket=501)
    broken = structs.replace(command(bad), volume=math.nan)

    first = store.persist_decision(good, [command(good)], [], [ticket(500)], T0)
    written_at_once = first.done()
    failing = store.persist_decision(bad, [broken], [denial(bad)], [ticket(501)], T0)
    await first
    with pytest.raises(StoreError, match=r"NOT NULL constraint failed: \w+\.requested_volume"):
        await failing
    third = store.persist_decision(event(seq=3, ticket=502), [], [], [], T0)
    await third

    assert written_at_once
    assert store.writer_stats.inline >= 1  # the failed one, inline or queued, committed nothing
    assert [e["seq"] for e in table_rows(store, "trade_log_events")] == [1, 3]
    assert table_rows(store, "trade_log_denials") == []
    assert [t.master_ticket for t in store.load_tickets()] == [500]
    assert store.last_seqs() == {MASTER: 3}


async def test_a_decision_waits_behind_earlier_queued_writes_to_keep_their_order(
    store: Store,
) -> None:
    release = threading.Event()
    busy = store._writer.submit(lambda conn: release.wait(5))
    early = store.persist_result(filled(command(event(seq=1))), ticket(500, state=TicketState.OPEN,
                                                                       slave_ticket=777))
    decision = store.persist_decision(event(seq=1), [], [], [ticket(500)], T0)
    queued = not decision.done()
    release.set()
    await busy
    await early
    await decision

    assert queued
    assert store.writer_stats.inline == 0
    # The decision (ticket 500 pending, as ``ticket()`` makes it) was written after the result.
    assert [t.state for t in store.load_tickets()] == [ticket(500).state]


async def test_outbox_holds_commands_until_their_result(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [ticket(500)], T0 + 3)

    before = store.load_outbox()
    await store.persist_result(filled(cmd), ticket(500, state=TicketState.OPEN, slave_ticket=777))

    assert before == [cmd]
    assert store.load_outbox() == []


async def test_unacknowledged_commands_come_back_after_reopen_in_creation_order(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store.open(path=db_path, clock=clock)
    decided = []
    for seq, tk in ((1, 900), (2, 100), (3, 500)):  # tickets out of order on purpose
        master = event(seq=seq, ticket=tk)
        legs = [command(master, link_id=2), command(master, link_id=1)]
        decided.extend(legs)
        await store.persist_decision(master, legs, [], [], T0 + seq)
    await store.persist_result(filled(decided[2]), None)
    store.close()

    reopened = Store.open(path=db_path, clock=clock)
    try:
        outbox = reopened.load_outbox()
        master = event(seq=4, ticket=42)
        await reopened.persist_decision(master, [command(master)], [], [], T0 + 9)
        after_new = reopened.load_outbox()
    finally:
        reopened.close()

    assert outbox == decided[:2] + decided[3:]
    assert after_new[-1].id == command(master).id  # numbering goes on after a reopen


async def test_last_seqs_survive_reopen_and_never_step_back(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store.open(path=db_path, clock=clock)
    await store.persist_decision(event(seq=7), [], [], [], T0)
    await store.persist_decision(event(seq=5, account="mt5:9@B"), [], [], [], T0)
    await store.persist_decision(event(seq=6), [], [], [], T0)  # a late resend
    store.close()

    with Store.open(path=db_path, clock=clock) as reopened:
        assert reopened.last_seqs() == {MASTER: 7, "mt5:9@B": 5}


async def test_ticket_link_upsert_round_trips_every_field_and_replaces_by_key(
    store: Store,
) -> None:
    opening = ticket(500, leg=2)
    netting_leg = structs.replace(
        ticket(501),
        side=Side.SELL,
        state=TicketState.PENDING,
        slave_ticket=123,
        slave_volume=0.25,
        master_volume=0.5,
        is_pending=True,
        sl=0.0,
        tp=2.5,
        opened_ms=T0 + 9,
        last_command_id="L1-T501-S4",
    )
    await store.upsert_tickets([opening, netting_leg])

    opened = structs.replace(opening, state=TicketState.OPEN, slave_ticket=888, slave_volume=0.5)
    await store.upsert_tickets([opened])

    assert store.load_tickets() == [opened, netting_leg]


async def test_closed_and_failed_ticket_links_load_only_when_asked(store: Store) -> None:
    live = ticket(1, state=TicketState.OPEN)
    closed = ticket(2, state=TicketState.CLOSED)
    failed = ticket(3, state=TicketState.FAILED)
    await store.upsert_tickets([live, closed, failed])

    assert store.load_tickets() == [live]
    assert store.load_tickets(include_finished=True) == [live, closed, failed]


async def test_result_completes_the_copy_row_and_saves_the_ticket_link(store: Store) -> None:
    master = event(seq=1, price=1.1000)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [ticket(500)], T0 + 3)
    store.mark_sent([cmd.id], T0 + 4)
    opened = ticket(500, state=TicketState.OPEN, slave_ticket=777, slave_volume=0.5)

    await store.persist_result(filled(cmd, price=1.10032, executed_ms=T0 + 40), opened, point=1e-5)

    [row] = table_rows(store, "trade_log_copies")
    assert row["status"] == "executed"
    assert (row["filled_volume"], row["slave_price"], row["slave_ticket"]) == (0.5, 1.10032, 777)
    assert row["slippage_points"] == pytest.approx(32.0)  # a buy filled 32 points higher
    assert (row["retcode"], row["message"]) == (Retcode.DONE, "done")
    assert (row["sent_ms"], row["executed_ms"]) == (T0 + 4, T0 + 40)
    assert store.load_tickets() == [opened]


@pytest.mark.parametrize(
    ("kind", "order_type", "slave_price", "expected"),
    [
        (CommandKind.OPEN, OrderType.SELL, 1.0998, 2.0),  # sold lower: worse
        (CommandKind.OPEN, OrderType.BUY, 1.0998, -2.0),  # bought lower: better
        (CommandKind.CLOSE, OrderType.BUY, 1.0998, 2.0),  # closing a buy is a sale
        (CommandKind.MODIFY, OrderType.BUY, 1.0998, None),  # nothing was filled
    ],
)
async def test_slippage_is_positive_when_the_slave_got_the_worse_price(
    store: Store, kind: CommandKind, order_type: OrderType, slave_price: float, expected: float
) -> None:
    master = event(seq=1, price=1.1000, order_type=order_type)
    cmd = command(master, kind=kind)
    await store.persist_decision(master, [cmd], [], [], T0)

    await store.persist_result(filled(cmd, price=slave_price), None, point=0.0001)

    [row] = table_rows(store, "trade_log_copies")
    assert row["slippage_points"] == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("kind", [CommandKind.OPEN, CommandKind.CLOSE])
async def test_a_reversed_copy_logs_no_slippage_rather_than_the_spread(
    store: Store, kind: CommandKind
) -> None:
    # Issue #18: the master bought at the ask 1.1000, the reversed copy sold at the bid 1.0998
    # with no slippage at all; the 2-point spread was logged as slippage.
    master = event(seq=1, price=1.1000, order_type=OrderType.BUY)
    cmd = structs.replace(command(master, kind=kind), order_type=OrderType.SELL)
    await store.persist_decision(master, [cmd], [], [], T0)

    await store.persist_result(filled(cmd, price=1.0998), None, point=0.0001)

    [row] = table_rows(store, "trade_log_copies")
    assert row["side"] == "sell"
    assert row["slave_price"] == 1.0998
    assert row["slippage_points"] is None


async def test_slippage_stays_empty_without_the_symbol_point(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)

    await store.persist_result(filled(cmd, price=1.2), None)

    assert table_rows(store, "trade_log_copies")[0]["slippage_points"] is None


@pytest.mark.parametrize(
    ("retcode", "status"),
    [(Retcode.NO_MONEY, "failed"), (Retcode.EXPIRED, "expired"), (Retcode.PLACED, "executed")],
)
async def test_result_status_follows_the_retcode(
    store: Store, retcode: Retcode, status: str
) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)

    await store.persist_result(filled(cmd, retcode=retcode, message="why"), None)

    [row] = table_rows(store, "trade_log_copies")
    assert (row["status"], row["retcode"], row["message"]) == (status, retcode, "why")
    assert store.load_outbox() == []


async def test_sending_stamps_the_first_send_and_never_undoes_a_result(store: Store) -> None:
    master = event(seq=1)
    fast, slow = command(master, link_id=1), command(master, link_id=2)
    await store.persist_decision(master, [fast, slow], [], [], T0)

    await store.persist_result(filled(fast), None)  # a fast executor answered first
    store.mark_sent([fast.id, slow.id], T0 + 10)
    await store.mark_sent([slow.id], T0 + 20)  # resent after a reconnect

    copies = {c["command_id"]: c for c in table_rows(store, "trade_log_copies")}
    assert (copies[fast.id]["status"], copies[fast.id]["sent_ms"]) == ("executed", T0 + 10)
    assert (copies[slow.id]["status"], copies[slow.id]["sent_ms"]) == ("sent", T0 + 10)
    [waiting] = outbox_rows(store)  # sent twice, the first send's time kept
    assert (waiting["command_id"], waiting["attempts"]) == (slow.id, 2)


async def test_duplicate_answer_to_a_resend_keeps_the_first_fill(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)
    await store.persist_result(filled(cmd, price=1.1004, slave_ticket=777), None)

    repeat = filled(cmd, price=0.0, volume=0.0, retcode=Retcode.DUPLICATE, slave_ticket=None)
    await store.persist_result(repeat, None)

    [row] = table_rows(store, "trade_log_copies")
    assert (row["status"], row["slave_price"], row["slave_ticket"]) == ("executed", 1.1004, 777)


async def test_same_decision_made_again_after_a_restart_adds_no_second_command(
    store: Store,
) -> None:
    master = event(seq=1)
    cmd = command(master)

    await store.persist_decision(master, [cmd], [], [], T0)
    await store.persist_decision(master, [cmd], [], [], T0 + 50)

    assert store.load_outbox() == [cmd]
    assert len(table_rows(store, "trade_log_copies")) == 1


async def test_audit_records_who_did_what_and_when(store: Store) -> None:
    await store.audit("bridge", "auth.refused", {"address": "127.0.0.1", "reason": "bad key"})
    await store.audit("user", "copying.stopped", time_ms=T0 + 1)

    newest, oldest = store.load_audit(limit=2)
    assert (oldest.actor, oldest.action, oldest.time_ms) == ("bridge", "auth.refused", T0)
    assert oldest.detail == {"address": "127.0.0.1", "reason": "bad key"}
    assert (newest.action, newest.time_ms, newest.detail) == ("copying.stopped", T0 + 1, {})


async def test_flush_waits_for_fire_and_forget_writes(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)
    store.mark_sent([cmd.id], T0 + 7)

    await store.flush()

    assert outbox_rows(store)[0]["sent_ms"] == T0 + 7


async def test_closing_commits_what_was_queued_and_refuses_more(
    db_path: Path, clock: FakeClock
) -> None:
    store = Store.open(path=db_path, clock=clock)
    pending = store.persist_decision(event(seq=1), [], [], [], T0)

    store.close()

    with pytest.raises(StoreClosed):
        store.mark_sent(["L1-T1-S1"], T0)
    await pending
    with Store.open(path=db_path) as reopened:
        assert reopened.last_seqs() == {MASTER: 1}
