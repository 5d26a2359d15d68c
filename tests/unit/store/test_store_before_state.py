"""Schema version 5: a command not yet acknowledged keeps what its copy looked like before it
(``Command.before``, protocol §14 step 5), so the command resent after a restart — of the copier,
or of the whole machine with the terminals — still lets the executor see it was carried out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from msgspec import structs
from old_files import to_version_7
from store_samples import T0, FakeClock, command, event

from copier.domain import CommandKind, CopyState, EventKind
from copier.store import Store
from copier.store.schema import SCHEMA_VERSION, current_version

BEFORE = CopyState(0.4, price=1.0835, sl=1.08, tp=1.1, expiration_ms=T0 + 3_600_000)


async def _persist_two_closes(path: Path) -> None:
    partial = event(seq=2, kind=EventKind.PARTIALLY_CLOSED)
    said = structs.replace(command(partial, kind=CommandKind.CLOSE, volume=0.2), before=BEFORE)
    unsaid = structs.replace(command(partial, leg=1, kind=CommandKind.CLOSE, volume=0.1),
                             before=None)  # fmt: skip
    with Store.open(path=path, clock=FakeClock()) as store:
        await store.persist_decision(partial, [said, unsaid], [], [], T0)


async def test_a_command_keeps_its_before_state_across_a_restart(db_path: Path) -> None:
    await _persist_two_closes(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as reopened:
        said, unsaid = reopened.load_outbox()

    assert (said.before, unsaid.before) == (BEFORE, None)


def _make_version_4_file(path: Path) -> None:
    """A file as schema version 4 left it: an outbox without the before-state columns."""
    db = sqlite3.connect(path)
    try:
        to_version_7(db)  # the outbox had a table of its own
        for column in ("was_state", "was_volume", "was_price", "was_sl", "was_tp",
                       "was_expiration_ms"):  # fmt: skip
            db.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
        db.execute("UPDATE schema_version SET version = 4")
        db.commit()
    finally:
        db.close()


async def test_a_version_4_file_upgrades_and_its_commands_say_no_before_state(
    db_path: Path,
) -> None:
    await _persist_two_closes(db_path)
    _make_version_4_file(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as upgraded:
        version = upgraded.read(current_version)
        commands = upgraded.load_outbox()

    assert version == SCHEMA_VERSION == 8
    assert [c.before for c in commands] == [None, None]
