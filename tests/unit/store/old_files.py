"""Files as older versions of the app left them, made from a current file by undoing migrations
(``copier/store/schema.py``): each helper takes an open sqlite3 connection and leaves the commit
to its caller."""

from __future__ import annotations

import sqlite3

from copier.store.schema import _COMMAND_COLUMNS

# The outbox table as schema 7 had it (``CREATE TABLE`` as SQLAlchemy emitted it then).
_OUTBOX_V7 = """CREATE TABLE outbox (
    id VARCHAR NOT NULL, order_no INTEGER NOT NULL, link_id INTEGER NOT NULL,
    slave_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, master_ticket INTEGER NOT NULL,
    symbol VARCHAR NOT NULL, order_type VARCHAR NOT NULL, volume DOUBLE NOT NULL,
    price DOUBLE NOT NULL, sl DOUBLE NOT NULL, tp DOUBLE NOT NULL, slave_ticket INTEGER,
    magic INTEGER NOT NULL, comment VARCHAR NOT NULL, max_deviation_points INTEGER NOT NULL,
    sl_distance_points INTEGER NOT NULL, tp_distance_points INTEGER NOT NULL,
    two_step_stops BOOLEAN NOT NULL, master_seq INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL, leg INTEGER NOT NULL, sent_ms INTEGER,
    attempts INTEGER NOT NULL, copy_ticket INTEGER DEFAULT '0' NOT NULL,
    was_state BOOLEAN DEFAULT '0' NOT NULL, was_volume DOUBLE DEFAULT '0' NOT NULL,
    was_price DOUBLE DEFAULT '0' NOT NULL, was_sl DOUBLE DEFAULT '0' NOT NULL,
    was_tp DOUBLE DEFAULT '0' NOT NULL, was_expiration_ms INTEGER DEFAULT '0' NOT NULL,
    PRIMARY KEY (id)
)"""
# outbox column ← copy-row column, where the names differ
_RENAMED = {"id": "command_id", "symbol": "slave_symbol", "volume": "requested_volume",
            "slave_ticket": "target_ticket"}  # fmt: skip
_OUTBOX_ONLY = ("link_id", "slave_id", "kind", "master_ticket", "order_type", "master_seq",
                "sent_ms")  # fmt: skip


def to_version_7(db: sqlite3.Connection) -> None:
    """Undo version 8: the commands without a result (copy rows pending or sent) go back to an
    outbox table of their own, and the copy rows lose the command's columns."""
    db.execute(_OUTBOX_V7)
    names = [*_RENAMED, *_OUTBOX_ONLY, *(c for c in _COMMAND_COLUMNS if c != "target_ticket")]
    sources = [_RENAMED.get(name, name) for name in names]
    db.execute(
        f"INSERT INTO outbox ({', '.join(names)}) SELECT {', '.join(sources)} "
        "FROM trade_log_copies WHERE status IN ('pending', 'sent')"
    )
    db.execute("DROP INDEX ix_outbox")
    for column in _COMMAND_COLUMNS:
        db.execute(f"ALTER TABLE trade_log_copies DROP COLUMN {column}")
    db.execute("UPDATE schema_version SET version = 7")
