"""Schema version 3: a re-keyed copy keeps the master ticket its comment names (``copy_ticket``)
in the ticket link and in every command not yet acknowledged, across a restart and an upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from msgspec import structs
from old_files import to_version_7
from store_samples import T0, FakeClock, command, event, ticket

from copier.domain import CommandKind, EventKind
from copier.engine.state import TicketState
from copier.store import Store
from copier.store.schema import SCHEMA_VERSION, current_version

OPENED_FOR = 500  # the master ticket the copy was opened for: its comment says TC|500
REST = 501  # the master's renumbered remainder (MT4 partial close)


async def _persist_rekeyed_close(path: Path) -> None:
    partial = event(seq=2, ticket=REST, kind=EventKind.PARTIALLY_CLOSED)
    remainder = ticket(REST, state=TicketState.OPEN, slave_volume=0.3)
    rekeyed = structs.replace(remainder, copy_ticket=OPENED_FOR)
    close = structs.replace(command(partial, kind=CommandKind.CLOSE), copy_ticket=OPENED_FOR)
    with Store.open(path=path, clock=FakeClock()) as store:
        await store.persist_decision(
            partial, [close], [], [rekeyed], T0, retired=[(1, OPENED_FOR, 0)]
        )


async def test_a_rekeyed_ticket_link_and_its_command_keep_the_copy_ticket_across_a_restart(
    db_path: Path,
) -> None:
    await _persist_rekeyed_close(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as reopened:
        [link] = reopened.load_tickets()
        [close] = reopened.load_outbox()

    assert (link.master_ticket, link.copy_ticket, link.comment_ticket) == (REST, OPENED_FOR, 500)
    assert (close.master_ticket, close.copy_ticket, close.comment_ticket) == (REST, 500, 500)


def _make_version_2_file(path: Path) -> None:
    """A file as schema version 2 left it: ticket_links and outbox without copy_ticket (and no
    version 4 symbol_specs, no version 5 trader_state)."""
    db = sqlite3.connect(path)
    try:
        to_version_7(db)  # the outbox had a table of its own
        db.execute("ALTER TABLE ticket_links DROP COLUMN copy_ticket")
        db.execute("ALTER TABLE outbox DROP COLUMN copy_ticket")
        db.execute("DROP TABLE symbol_specs")
        db.execute("ALTER TABLE api_keys DROP COLUMN roles")  # version 6
        db.execute("DROP TABLE trader_state")  # version 7
        db.execute("UPDATE schema_version SET version = 2")
        db.commit()
    finally:
        db.close()


async def test_a_version_2_file_upgrades_and_its_copies_name_their_own_master_ticket(
    db_path: Path,
) -> None:
    await _persist_rekeyed_close(db_path)
    _make_version_2_file(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as upgraded:
        version = upgraded.read(current_version)
        [link] = upgraded.load_tickets()
        [close] = upgraded.load_outbox()

    assert version == SCHEMA_VERSION == 8
    assert (link.copy_ticket, link.comment_ticket) == (0, REST)
    assert (close.copy_ticket, close.comment_ticket) == (0, REST)
