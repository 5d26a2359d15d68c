"""SQLite engines (WAL, pragmas, explicit BEGIN) and the versioned schema with ordered migrations.

Fresh files are created from the models and stamped with the latest version. Older files run
every migration after their version, in order, each in the transaction that bumps the version.
``MIGRATIONS[n - 1]`` brings a file from version ``n - 1`` to ``n``; version 1 is the initial
schema. To change the schema: edit the model, append a migration that alters existing files the
same way, and the latest version follows from the length of the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select
from sqlalchemy.pool import QueuePool

from copier.clock import now_ms
from copier.store.checkpoints import WAL_SIZE_LIMIT_BYTES, WRITER_AUTOCHECKPOINT_PAGES
from copier.store.errors import StoreError
from copier.store.models import (
    Base,
    SchemaVersion,
    SymbolSpecRow,
    TradeLogCopyRow,
    TraderStateRow,
    table,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
MONITOR, EXECUTOR = "monitor", "executor"  # the EA roles (copier.bridge.protocol.Role values)

Migration = Callable[[Connection], None]


def _create_initial_schema(conn: Connection) -> None:
    Base.metadata.create_all(conn)


def _add_key_replacement(conn: Connection) -> None:
    """Version 2: rotation keeps the old key for a grace period and records its successor."""
    conn.exec_driver_sql("ALTER TABLE api_keys ADD COLUMN replaced_ms INTEGER")
    conn.exec_driver_sql("ALTER TABLE api_keys ADD COLUMN replaced_by VARCHAR")


def _add_copy_ticket(conn: Connection) -> None:
    """Version 3: a re-keyed copy (an MT4 master's renumbered remainder) keeps the master ticket
    its comment names, in the ticket link and in every command not yet acknowledged."""
    for table_name in ("ticket_links", "outbox"):
        conn.exec_driver_sql(
            f"ALTER TABLE {table_name} ADD COLUMN copy_ticket INTEGER NOT NULL DEFAULT 0"
        )


def _add_symbol_specs(conn: Connection) -> None:
    """Version 4: the symbol specs each terminal last reported, so statistics can price money
    when no terminal is connected (the command line, or after the app was closed)."""
    table(SymbolSpecRow).create(conn)


_BEFORE_STATE_COLUMNS = {
    "was_state": "BOOLEAN",
    "was_volume": "FLOAT",
    "was_price": "FLOAT",
    "was_sl": "FLOAT",
    "was_tp": "FLOAT",
    "was_expiration_ms": "INTEGER",
}


def _add_before_state(conn: Connection) -> None:
    """Version 5: a command not yet acknowledged keeps what its copy looked like before it, so a
    resend after a restart still lets the executor see it was already carried out. Adds the
    columns the outbox lacks."""
    have = {column["name"] for column in inspect(conn).get_columns("outbox")}
    for name, kind in _BEFORE_STATE_COLUMNS.items():
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE outbox ADD COLUMN {name} {kind} NOT NULL DEFAULT 0")


def _add_key_roles(conn: Connection) -> None:
    """Version 6: an API key opens only the EA roles it was issued for. Existing keys keep
    working for the roles their account has (a master's: monitor; a slave's: executor; both:
    both), and the log says so."""
    if "roles" in {column["name"] for column in inspect(conn).get_columns("api_keys")}:
        return
    conn.exec_driver_sql("ALTER TABLE api_keys ADD COLUMN roles VARCHAR NOT NULL DEFAULT ''")
    conn.exec_driver_sql(
        "UPDATE api_keys SET roles = CASE (SELECT role FROM accounts "
        "WHERE accounts.id = api_keys.account_id) "
        f"WHEN 'master' THEN '{MONITOR}' WHEN 'slave' THEN '{EXECUTOR}' "
        f"ELSE '{EXECUTOR},{MONITOR}' END"
    )
    counts = conn.exec_driver_sql("SELECT roles, count(*) FROM api_keys GROUP BY roles").all()
    if counts:
        what = ", ".join(f"{n} for {roles.replace(',', ' and ')}" for roles, n in counts)
        log.warning(
            "API keys now open only the EA roles their account has (%s): an account that is "
            "a master takes its monitor EA only, a slave its executor EA only; give an account "
            "both roles, then a new key, for both EAs",
            what,
        )


def _add_trader_state(conn: Connection) -> None:
    """Version 7: what the trader set survives a restart (stop switch, equity marks, risk stops,
    trading clock, close-all requests)."""
    if not inspect(conn).has_table(TraderStateRow.__tablename__):
        table(TraderStateRow).create(conn)


# Version 8's copy-row columns: what a command needs beyond the trade log's columns to be sent
# again, the outbox table's before (``models.TradeLogCopyRow``), with their SQL types.
_COMMAND_COLUMNS = {
    "order_no": "INTEGER NOT NULL DEFAULT 0",
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "target_ticket": "INTEGER",
    "price": "FLOAT NOT NULL DEFAULT 0",
    "sl": "FLOAT NOT NULL DEFAULT 0",
    "tp": "FLOAT NOT NULL DEFAULT 0",
    "magic": "INTEGER NOT NULL DEFAULT 0",
    "comment": "VARCHAR NOT NULL DEFAULT ''",
    "max_deviation_points": "INTEGER NOT NULL DEFAULT 0",
    "sl_distance_points": "INTEGER NOT NULL DEFAULT 0",
    "tp_distance_points": "INTEGER NOT NULL DEFAULT 0",
    "two_step_stops": "BOOLEAN NOT NULL DEFAULT 0",
    "created_ms": "INTEGER NOT NULL DEFAULT 0",
    "expires_ms": "INTEGER NOT NULL DEFAULT 0",
    "leg": "INTEGER NOT NULL DEFAULT 0",
    "copy_ticket": "INTEGER NOT NULL DEFAULT 0",
    **{name: f"{kind} NOT NULL DEFAULT 0" for name, kind in _BEFORE_STATE_COLUMNS.items()},
}
# The outbox column each one comes from (the same name unless said here).
_FROM_OUTBOX = {"target_ticket": "o.slave_ticket"}
# The trade-log columns an outbox row also had, under its own names.
_SHARED = {
    "link_id": "o.link_id", "slave_id": "o.slave_id", "kind": "o.kind",
    "master_ticket": "o.master_ticket", "slave_symbol": "o.symbol",
    "order_type": "o.order_type", "requested_volume": "o.volume",
}  # fmt: skip


def _merge_outbox(conn: Connection) -> None:
    """Version 8: one row per command. The outbox becomes the copy rows pending or sent (the
    ``ix_outbox`` partial index): the copy rows get the command's columns, every outbox row's
    data goes into its copy row (or a new one when there is none: its master from the link),
    and the outbox table goes. Each step skips what the file already has."""
    copies = TradeLogCopyRow.__tablename__
    have = {column["name"] for column in inspect(conn).get_columns(copies)}
    for name, kind in _COMMAND_COLUMNS.items():
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE {copies} ADD COLUMN {name} {kind}")
    if inspect(conn).has_table("outbox"):
        carried = {name: _FROM_OUTBOX.get(name, f"o.{name}") for name in _COMMAND_COLUMNS}
        carried |= _SHARED
        status = "CASE WHEN o.sent_ms IS NULL THEN 'pending' ELSE 'sent' END"
        names = ", ".join(carried)
        conn.exec_driver_sql(
            f"UPDATE {copies} SET ({names}, status, sent_ms) = "
            f"(SELECT {', '.join(carried.values())}, "
            f"CASE WHEN o.sent_ms IS NULL AND {copies}.sent_ms IS NULL "
            f"THEN 'pending' ELSE 'sent' END, coalesce({copies}.sent_ms, o.sent_ms) "
            f"FROM outbox o WHERE o.id = {copies}.command_id) "
            "WHERE command_id IN (SELECT id FROM outbox)"
        )
        logged = {
            "command_id": "o.id", "master_id": "coalesce(l.master_id, '')",
            "master_seq": "o.master_seq", "symbol": "o.symbol",
            "side": "CASE WHEN o.order_type LIKE 'buy%' THEN 'buy' ELSE 'sell' END",
            "master_price": "0", "status": status, "message": "''",
            "detected_ms": "o.created_ms", "received_ms": "o.created_ms",
            "decided_ms": "o.created_ms", "sent_ms": "o.sent_ms",
        }  # fmt: skip
        logged |= carried
        conn.exec_driver_sql(
            f"INSERT INTO {copies} ({', '.join(logged)}) "
            f"SELECT {', '.join(logged.values())} FROM outbox o "
            "LEFT JOIN links l ON l.id = o.link_id "
            f"WHERE o.id NOT IN (SELECT command_id FROM {copies})"
        )
        conn.exec_driver_sql("DROP TABLE outbox")
    for index in table(TradeLogCopyRow).indexes:
        index.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    _create_initial_schema,
    _add_key_replacement,
    _add_copy_ticket,
    _add_symbol_specs,
    _add_before_state,
    _add_key_roles,
    _add_trader_state,
    _merge_outbox,
)
SCHEMA_VERSION = len(MIGRATIONS)


def make_engine(path: Path, *, writer: bool) -> Engine:
    """An engine on ``path`` whose connections are in WAL mode with our pragmas.

    The sqlite3 driver's own transaction handling is switched off and SQLAlchemy emits BEGIN
    itself, so transactions (and DDL) are real. The writer begins IMMEDIATE: it takes the write
    lock up front instead of failing to upgrade a read lock halfway through a batch.
    """
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        poolclass=QueuePool,
        pool_size=1 if writer else 4,
        max_overflow=0 if writer else 8,
    )
    begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if writer:  # checkpoints run in their own thread (see checkpoints.py)
                cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
                cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # The writer may have opened the transaction on the driver already (see writer.py).
        if not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            conn.exec_driver_sql(begin_sql)

    return engine


def current_version(conn: Connection) -> int:
    """The file's schema version; 0 for a file without our tables."""
    if not inspect(conn).has_table(SchemaVersion.__tablename__):
        return 0
    version = conn.scalar(select(SchemaVersion.version).where(SchemaVersion.id == 1))
    return int(version or 0)


def upgrade(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the file to the latest version inside the caller's transaction; return it."""
    latest = len(migrations)
    version = current_version(conn)
    if version > latest:
        raise StoreError(
            f"the database was written by a newer TradeCopier (schema {version}, this version "
            f"understands up to {latest}) — update the app or choose another data folder"
        )
    if version == latest:
        return version
    if version == 0:
        Base.metadata.create_all(conn)
    else:
        for migrate in migrations[version:]:
            migrate(conn)
    _stamp(conn, latest, first=version == 0)
    return latest


def _stamp(conn: Connection, version: int, *, first: bool) -> None:
    versions = table(SchemaVersion)
    stamped_ms = now_ms()
    if first:
        conn.execute(versions.insert().values(id=1, version=version, updated_ms=stamped_ms))
    else:
        conn.execute(
            versions.update().where(versions.c.id == 1).values(version=version,
                                                               updated_ms=stamped_ms)
        )


def journal_mode(conn: Connection) -> str:
    return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
