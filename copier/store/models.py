"""The database tables, as SQLAlchemy 2.0 declarative models (schema version 8).

Times are epoch milliseconds (UTC) in INTEGER columns, as everywhere in the copier. Enumerations are
stored by value (plain text) so the file stays readable with any SQLite tool.

API keys belong to their account by foreign key (deleting an account deletes its keys). Links
name accounts without one: a link may be saved before its accounts are registered. Runtime
tables (ticket_links, event_seen, symbol_specs) and the copy rows (the outbox too) have none
either: they are written while copying and must never refuse a copy, or a terminal's report,
because a configuration row is missing. Log tables keep no foreign keys so history outlives
the accounts and links it mentions.

Every page a decision dirties is written to the WAL at commit, on the copy hot path, so the
trade log carries one secondary index, the decision time, which every filter and the export
range over, beside the outbox's partial index (only the rows without a result). (WITHOUT ROWID
was measured and is slower here: command ids do not arrive in key order, so whole rows land on
scattered pages instead of being appended.)
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def table(model: type[Base]) -> Table:
    """The Core table behind a model, typed as the Table it is (for Core statements)."""
    return cast(Table, model.__table__)


class SchemaVersion(Base):
    __tablename__ = "schema_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: a one-row table
    version: Mapped[int]
    updated_ms: Mapped[int]


# --- configuration ---


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String, primary_key=True)  # "mt4:12345@Broker-Demo"
    platform: Mapped[str]
    login: Mapped[int]
    server: Mapped[str]
    company: Mapped[str] = mapped_column(default="")
    role: Mapped[str] = mapped_column(default="slave")  # master | slave | both
    label: Mapped[str] = mapped_column(default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_ms: Mapped[int]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String, primary_key=True)  # public part of the key
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str]  # how ``hash`` was made, e.g. "pbkdf2_sha256"
    iterations: Mapped[int]
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_ms: Mapped[int]
    expires_ms: Mapped[int]  # a replaced key's grace end is written here when it is replaced
    revoked_ms: Mapped[int | None]
    replaced_ms: Mapped[int | None]  # schema 2: when a rotation issued the key's successor
    replaced_by: Mapped[str | None]  # schema 2: the successor's key id
    # schema 5: the EA roles the key opens, "monitor", "executor" or "executor,monitor"
    roles: Mapped[str] = mapped_column(String, default="", server_default="")


class LinkRow(Base):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    master_id: Mapped[str] = mapped_column(index=True)  # no foreign key: see catalog.py
    slave_id: Mapped[str] = mapped_column(index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    mode: Mapped[str]
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)  # LinkRules.to_dict()
    name: Mapped[str] = mapped_column(default="")


# --- runtime state ---


class TicketLinkRow(Base):
    __tablename__ = "ticket_links"

    link_id: Mapped[int] = mapped_column(primary_key=True)
    master_ticket: Mapped[int] = mapped_column(primary_key=True)
    leg: Mapped[int] = mapped_column(primary_key=True)
    slave_symbol: Mapped[str]
    side: Mapped[str]
    state: Mapped[str]
    slave_ticket: Mapped[int | None]
    slave_volume: Mapped[float]
    master_volume: Mapped[float]
    is_pending: Mapped[bool]
    sl: Mapped[float]
    tp: Mapped[float]
    opened_ms: Mapped[int]
    last_command_id: Mapped[str]
    # schema 3: the master ticket the copy's comment names after a re-key (0: master_ticket)
    copy_ticket: Mapped[int] = mapped_column(default=0, server_default="0")


class EventSeenRow(Base):
    __tablename__ = "event_seen"

    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int]


class SymbolSpecRow(Base):
    """A symbol's contract as its account's terminal last reported it (schema 4): statistics
    price money with it after the terminal, or the whole app, has gone."""

    __tablename__ = "symbol_specs"

    account_id: Mapped[str] = mapped_column(String, primary_key=True)
    symbol: Mapped[str] = mapped_column(String, primary_key=True)
    digits: Mapped[int]
    point: Mapped[float]
    contract_size: Mapped[float]
    tick_size: Mapped[float]
    tick_value: Mapped[float]
    volume_min: Mapped[float]
    volume_max: Mapped[float]
    volume_step: Mapped[float]
    stops_level: Mapped[int]
    filling_mode: Mapped[int]
    currency_profit: Mapped[str]
    description: Mapped[str]
    updated_ms: Mapped[int]


class TraderStateRow(Base):
    """What the trader set and the copier must not forget on a restart (schema 5): the stop
    switch, the trading clock, each account's equity marks, the risk stops in force, close-all
    requests. One JSON value per key (see copier/store/traderstate.py)."""

    __tablename__ = "trader_state"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_ms: Mapped[int]


# --- trade log and audit ---


class TradeLogEventRow(Base):
    __tablename__ = "trade_log_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[str]
    seq: Mapped[int]
    kind: Mapped[str]
    ticket: Mapped[int]
    symbol: Mapped[str]
    order_type: Mapped[str]
    volume: Mapped[float]
    price: Mapped[float]
    sl: Mapped[float]
    tp: Mapped[float]
    closed_volume: Mapped[float]
    new_ticket: Mapped[int | None]
    magic: Mapped[int]
    comment: Mapped[str]
    detected_ms: Mapped[int]  # MasterEvent.time_ms: when the terminal saw it
    received_ms: Mapped[int]
    decided_ms: Mapped[int] = mapped_column(index=True)


OUTBOX_STATUSES = ("pending", "sent")  # a copy row in one of these is a command without a result
# Written out, not bound: SQLite uses a partial index only for a query whose WHERE has its terms.
OUTBOX_WHERE = "status IN ('pending', 'sent')"


class TradeLogCopyRow(Base):
    """One copy command from decision to result, with a timestamp at each stage. Schema 8: it is
    the outbox too. A row whose status is pending or sent is a command without a result, and
    carries every field a restart needs to send it again (``rows.command_from_row``); the
    ``ix_outbox`` partial index holds just those rows, in creation order."""

    __tablename__ = "trade_log_copies"

    command_id: Mapped[str] = mapped_column(String, primary_key=True)
    link_id: Mapped[int]
    master_id: Mapped[str]
    slave_id: Mapped[str]
    master_ticket: Mapped[int]
    master_seq: Mapped[int]
    symbol: Mapped[str]  # the master's symbol
    slave_symbol: Mapped[str]
    side: Mapped[str]
    order_type: Mapped[str]
    kind: Mapped[str]
    requested_volume: Mapped[float]
    filled_volume: Mapped[float | None]
    master_price: Mapped[float]
    slave_price: Mapped[float | None]
    slippage_points: Mapped[float | None]  # positive: the slave got a worse price
    status: Mapped[str]  # pending | sent | executed | failed | expired
    retcode: Mapped[int | None]
    message: Mapped[str]
    slave_ticket: Mapped[int | None]  # the result's
    detected_ms: Mapped[int]
    received_ms: Mapped[int]
    decided_ms: Mapped[int] = mapped_column(index=True)
    sent_ms: Mapped[int | None]  # the first send
    executed_ms: Mapped[int | None]
    # schema 8: the rest of the command (the outbox table's columns before), for a resend
    order_no: Mapped[int] = mapped_column(default=0, server_default="0")  # creation order
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # sends so far
    target_ticket: Mapped[int | None]  # Command.slave_ticket: the copy a close/modify acts on
    price: Mapped[float] = mapped_column(default=0.0, server_default="0")
    sl: Mapped[float] = mapped_column(default=0.0, server_default="0")
    tp: Mapped[float] = mapped_column(default=0.0, server_default="0")
    magic: Mapped[int] = mapped_column(default=0, server_default="0")
    comment: Mapped[str] = mapped_column(default="", server_default="")
    max_deviation_points: Mapped[int] = mapped_column(default=0, server_default="0")
    sl_distance_points: Mapped[int] = mapped_column(default=0, server_default="0")
    tp_distance_points: Mapped[int] = mapped_column(default=0, server_default="0")
    two_step_stops: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_ms: Mapped[int] = mapped_column(default=0, server_default="0")
    expires_ms: Mapped[int] = mapped_column(default=0, server_default="0")
    leg: Mapped[int] = mapped_column(default=0, server_default="0")
    copy_ticket: Mapped[int] = mapped_column(default=0, server_default="0")
    # the copy before the command (protocol §14 step 5), when ``was_state``
    was_state: Mapped[bool] = mapped_column(default=False, server_default="0")
    was_volume: Mapped[float] = mapped_column(default=0.0, server_default="0")
    was_price: Mapped[float] = mapped_column(default=0.0, server_default="0")
    was_sl: Mapped[float] = mapped_column(default=0.0, server_default="0")
    was_tp: Mapped[float] = mapped_column(default=0.0, server_default="0")
    was_expiration_ms: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        # The outbox: only the rows without a result are in it, so it stays as small as the
        # commands in flight however long the trade log grows.
        Index("ix_outbox", "order_no", sqlite_where=text(OUTBOX_WHERE)),
    )


class _RuleVerdict:
    """The columns of a rule's verdict on one copy: which rule, why, for which copy, when."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    link_id: Mapped[int]
    master_id: Mapped[str]
    slave_id: Mapped[str]
    master_ticket: Mapped[int]
    master_seq: Mapped[int]
    rule: Mapped[str]
    reason: Mapped[str]
    time_ms: Mapped[int] = mapped_column(index=True)


class TradeLogDenialRow(_RuleVerdict, Base):
    """A copy a rule refused, with the reason."""

    __tablename__ = "trade_log_denials"


class TradeLogAdjustmentRow(_RuleVerdict, Base):
    """A copy that went out changed by a rule (e.g. its lot clamped), with the reason."""

    __tablename__ = "trade_log_adjustments"


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    time_ms: Mapped[int] = mapped_column(index=True)
    actor: Mapped[str]  # "user", "app", "bridge", an account id...
    action: Mapped[str]  # dotted verb, e.g. "link.saved", "api_key.rotated", "auth.refused"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
