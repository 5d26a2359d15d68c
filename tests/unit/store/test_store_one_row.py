"""Schema version 8: one row per command. A decision inserts its copy row, which is its trade-log
entry and, while it is pending or sent, its outbox entry; a send and a result update that row.
A version-7 file (an outbox table beside the trade log) migrates into it without losing a command
waiting for its result."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from old_files import to_version_7
from store_samples import MASTER, T0, FakeClock, command, event, filled, outbox_rows, table_rows

from copier.domain import CommandKind, EventKind
from copier.engine.config import Link
from copier.store import Store
from copier.store.journal import OUTBOX_QUERY
from copier.store.purge import purge_accounts
from copier.store.schema import SCHEMA_VERSION, _merge_outbox, current_version


async def test_a_command_is_one_row_from_decision_to_result(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)
    [pending] = table_rows(store, "trade_log_copies")
    await store.mark_sent([cmd.id], T0 + 5)
    [sent] = outbox_rows(store)
    await store.persist_result(filled(cmd), None)

    [done] = table_rows(store, "trade_log_copies")
    assert (pending["status"], pending["attempts"]) == ("pending", 0)
    assert (sent["status"], sent["sent_ms"], sent["attempts"]) == ("sent", T0 + 5, 1)
    assert (done["status"], done["sent_ms"]) == ("executed", T0 + 5)
    assert store.load_outbox() == []
    tables = store.read(lambda conn: [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'")])  # fmt: skip
    assert "outbox" not in tables


async def test_the_outbox_is_read_through_its_partial_index(store: Store) -> None:
    sql = str(OUTBOX_QUERY.compile(compile_kwargs={"literal_binds": True}))

    plan = store.read(lambda conn: conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all())

    assert any("ix_outbox" in str(step[-1]) for step in plan), plan


async def _version_7_file(path: Path) -> list[str]:
    """Four commands: one pending, one sent, one with its result, and one whose trade-log row is
    gone (only its outbox row says it is waiting); returns their ids."""
    with Store.open(path=path, clock=FakeClock()) as store:
        link = store.save_link(Link(id=0, master_id=MASTER, slave_id="mt5:2@B"))
        master = event(seq=1)
        pending, sent, done = (command(master, link.id, leg=leg) for leg in range(3))
        await store.persist_decision(master, [pending, sent, done], [], [], T0)
        later = event(seq=2, kind=EventKind.CLOSED)
        lost = command(later, link.id, kind=CommandKind.CLOSE)
        await store.persist_decision(later, [lost], [], [], T0 + 10)
        await store.mark_sent([sent.id], T0 + 20)
        await store.persist_result(filled(done), None)
    with closing(sqlite3.connect(path)) as db:
        to_version_7(db)
        db.execute("DELETE FROM trade_log_copies WHERE command_id = ?", (lost.id,))
        db.commit()
    return [pending.id, sent.id, done.id, lost.id]


async def test_a_version_7_file_keeps_every_command_waiting_for_its_result(
    db_path: Path,
) -> None:
    pending, sent, done, lost = await _version_7_file(db_path)
    with closing(sqlite3.connect(db_path)) as db:
        waiting_before = [r[0] for r in db.execute("SELECT id FROM outbox ORDER BY order_no")]
        commands_before = db.execute(
            "SELECT id, symbol, volume, price, sl, tp, slave_ticket, magic, comment, leg, "
            "expires_ms, created_ms FROM outbox ORDER BY order_no").fetchall()  # fmt: skip

    with Store.open(path=db_path, clock=FakeClock()) as upgraded:
        version = upgraded.read(current_version)
        outbox = upgraded.load_outbox()
        copies = {r["command_id"]: r for r in table_rows(upgraded, "trade_log_copies")}
        # Run again on the migrated file: it finds everything done and changes nothing.
        upgraded.write(lambda conn, _now: _merge_outbox(conn))
        again = upgraded.load_outbox()

    assert version == SCHEMA_VERSION == 8
    assert waiting_before == [pending, sent, lost]
    assert [c.id for c in outbox] == [pending, sent, lost] and again == outbox
    assert [(c.id, c.symbol, c.volume, c.price, c.sl, c.tp, c.slave_ticket, c.magic, c.comment,
             c.leg, c.expires_ms, c.created_ms) for c in outbox] == commands_before  # fmt: skip
    assert {k: copies[k]["status"] for k in copies} == {
        pending: "pending", sent: "sent", done: "executed", lost: "pending"}  # fmt: skip
    assert copies[sent]["sent_ms"] == T0 + 20
    assert (copies[lost]["master_id"], copies[lost]["side"]) == (MASTER, "buy")


async def test_a_migrated_command_goes_out_of_the_outbox_with_its_result(db_path: Path) -> None:
    ids = await _version_7_file(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as upgraded:
        for waiting in upgraded.load_outbox():
            await upgraded.persist_result(filled(waiting), None)
        left = upgraded.load_outbox()
        statuses = {r["command_id"]: r["status"] for r in table_rows(upgraded, "trade_log_copies")}

    assert left == []
    assert statuses == dict.fromkeys(ids, "executed")


async def test_purging_demo_accounts_never_takes_another_links_waiting_command(
    store: Store,
) -> None:
    demo = store.save_link(Link(id=0, master_id="demo-master", slave_id="demo-slave"))
    real = store.save_link(Link(id=0, master_id=MASTER, slave_id="mt5:2@B"))
    master = event(seq=1)
    await store.persist_decision(master, [command(master, demo.id, slave="demo-slave"),
                                          command(master, real.id)], [], [], T0)  # fmt: skip

    assert purge_accounts(store, "demo-") == 1

    assert [c.link_id for c in store.load_outbox()] == [real.id]
    assert [r["link_id"] for r in table_rows(store, "trade_log_copies")] == [real.id]
