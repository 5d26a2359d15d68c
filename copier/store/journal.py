"""The copy hot path on disk: decisions, sends, results, ticket links, the outbox and the audit log.

Write functions take the writer's Connection and run inside its batch transaction. They use Core
statements compiled once (``Prepared``) and executemany, never the ORM unit of work, because the
decision's write sits between a master event and its acknowledgement. Reads serve start-up.

One row per command (schema 8): a decision inserts its copy row, pending or already sent, which
is its trade-log entry and its outbox entry at once; a send (sweeps, resends) updates it; a
result completes it, which takes it out of the outbox (the rows pending or sent, ``ix_outbox``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from copier.domain import Command, ExecutionResult, MasterEvent, Retcode
from copier.engine.state import CopyAdjusted, CopyDenied, TicketLink, TicketState
from copier.store import rows
from copier.store.models import (
    OUTBOX_WHERE,
    AuditRow,
    EventSeenRow,
    TicketLinkRow,
    TradeLogAdjustmentRow,
    TradeLogCopyRow,
    TradeLogDenialRow,
    TradeLogEventRow,
    table,
)
from copier.store.prepared import Prepared

_events = table(TradeLogEventRow)
_copies = table(TradeLogCopyRow)
_denials = table(TradeLogDenialRow)
_adjustments = table(TradeLogAdjustmentRow)
_tickets = table(TicketLinkRow)
_seen = table(EventSeenRow)
_audit = table(AuditRow)


def _columns(table: Table, *, without: tuple[str, ...] = ()) -> list[str]:
    return [c.name for c in table.c if c.name not in without]


_INSERT_EVENT = Prepared.of(insert(_events), _columns(_events, without=("id",)))
_INSERT_DENIALS = Prepared.of(insert(_denials), _columns(_denials, without=("id",)))
_INSERT_ADJUSTMENTS = Prepared.of(insert(_adjustments), _columns(_adjustments, without=("id",)))
# A decision made again after a crash (same event, same command ids) must not fail or duplicate.
_INSERT_COPIES = Prepared.of(
    sqlite_insert(_copies).on_conflict_do_nothing(), _columns(_copies)
).binding(*rows.COPY_COLUMNS)

_seen_upsert = sqlite_insert(_seen)
_UPSERT_SEEN = Prepared.of(
    _seen_upsert.on_conflict_do_update(
        index_elements=[_seen.c.account_id],
        set_={"seq": func.max(_seen.c.seq, _seen_upsert.excluded.seq)},
    ),
    _columns(_seen),
).binding("account_id", "seq")

_ticket_upsert = sqlite_insert(_tickets)
_UPSERT_TICKETS = Prepared.of(
    _ticket_upsert.on_conflict_do_update(
        index_elements=[_tickets.c.link_id, _tickets.c.master_ticket, _tickets.c.leg],
        set_={c.name: _ticket_upsert.excluded[c.name] for c in _tickets.c if not c.primary_key},
    ),
    _columns(_tickets),
).binding(*rows.TICKET_COLUMNS)

_DELETE_TICKET = Prepared.of(
    delete(_tickets).where(
        _tickets.c.link_id == bindparam("link"),
        _tickets.c.master_ticket == bindparam("master"),
        _tickets.c.leg == bindparam("leg"),
    )
)

# A result may be stored before the send is (a fast executor): never step a row back to "sent",
# and keep the first send time, which is the one the latency breakdown needs.
_MARK_COPIES_SENT = Prepared.of(
    update(_copies)
    .where(_copies.c.command_id == bindparam("cid"))
    .values(
        sent_ms=func.coalesce(_copies.c.sent_ms, bindparam("sent")),
        status=case((_copies.c.status == rows.PENDING, rows.SENT), else_=_copies.c.status),
        attempts=_copies.c.attempts + 1,
    )
)
# What slippage needs of a copy when its result's sender does not say (``CopyOrigin``): with the
# master event's order type (written in the same decision, same decision time), which says
# whether the copy was reversed: see ``rows.slippage_points``.
_SELECT_COPY_ORIGIN = Prepared.of(
    select(
        _copies.c.kind, _copies.c.side, _copies.c.master_price, _events.c.order_type,
    )
    .select_from(
        _copies.outerjoin(
            _events,
            and_(
                _events.c.decided_ms == _copies.c.decided_ms,
                _events.c.account_id == _copies.c.master_id,
                _events.c.seq == _copies.c.master_seq,
            ),
        )
    )
    .where(_copies.c.command_id == bindparam("cid"))
    .limit(1)
)
# An executor answers a resent command with DUPLICATE and may not repeat the fill: a DUPLICATE
# binds ``keep`` to "executed", so a row already executed keeps the first result's figures.
_UPDATE_COPY_RESULT = Prepared.of(
    update(_copies).where(
        _copies.c.command_id == bindparam("cid"), _copies.c.status != bindparam("keep")
    ),
    ("filled_volume", "slave_price", "slippage_points", "status", "retcode", "message",
     "slave_ticket", "executed_ms"),
).binding("filled_volume", "slave_price", "slippage_points", "status", "retcode", "message",
          "slave_ticket", "executed_ms", "cid", "keep")  # fmt: skip


class CopyOrigin(NamedTuple):
    """What a result's slippage needs of the copy it settles (``rows.slippage_points``): the
    command's kind and side, its master's price and side (None: no master event). The copy
    service knows them for the commands it decided; without them the store reads them back."""

    kind: str
    side: str
    master_price: float
    master_side: str | None = None

    @classmethod
    def of(cls, command: Command, event: MasterEvent) -> CopyOrigin:
        """What the copy row of ``command`` decided from ``event`` holds (``rows.copy_values``)."""
        return cls(command.kind.value, rows.side_of(command.order_type), event.price,
                   rows.side_of(event.order_type))  # fmt: skip


# A result to write: the result, its ticket link (None: none changed), the slave symbol's point
# (None: unknown, no slippage) and what the sender knows of its copy (None: read it back).
ResultWrite = tuple[ExecutionResult, TicketLink | None, float | None, CopyOrigin | None]

TicketKey = tuple[int, int, int]  # (link_id, master_ticket, leg), as TicketLink.key
FINISHED_TICKET_STATES = (TicketState.CLOSED.value, TicketState.FAILED.value)


class Decision(NamedTuple):
    """One master event's decision as ``Journal.persist_decisions`` writes it: the event, its
    commands (``sent``: the ids already written to their terminals, at ``sent_ms``), denials,
    adjustments and ticket links (``retired`` keys dropped, ``tickets`` upserted)."""

    event: MasterEvent
    commands: Sequence[Command]
    denials: Sequence[CopyDenied]
    tickets: Sequence[TicketLink]
    decided_ms: int
    retired: Sequence[TicketKey] = ()
    adjustments: Sequence[CopyAdjusted] = ()
    sent: frozenset[str] = frozenset()
    sent_ms: int | None = None


class Journal:
    """Hot-path writes. One instance belongs to the writer thread (it numbers copy rows)."""

    def __init__(self, next_order_no: int) -> None:
        self._next_order_no = next_order_no

    def persist_decisions(self, conn: Connection, decisions: Sequence[Decision]) -> None:
        """Decisions of one master's consecutive events, in their order, in the caller's
        transaction: all of them are stored or none. Each is written with its own statements:
        merged, a key one decision upserts and a later one retires would be deleted first and
        stored after (retired keys go before upserts within a decision)."""
        for decision in decisions:
            self._persist_decision(conn, decision)

    def _persist_decision(self, conn: Connection, decision: Decision) -> None:
        event, commands, decided_ms = decision.event, decision.commands, decision.decided_ms
        denials, adjustments, tickets = decision.denials, decision.adjustments, decision.tickets
        retired, sent, sent_ms = decision.retired, decision.sent, decision.sent_ms
        master = event.account_id
        _INSERT_EVENT.run_many(conn, [rows.event_row(event, decided_ms)])
        _UPSERT_SEEN.run_values(conn, [(master, event.seq)])
        if denials:
            denied = [rows.rule_row(d, master, decided_ms) for d in denials]
            _INSERT_DENIALS.run_many(conn, denied)
        if adjustments:
            adjusted = [rows.rule_row(a, master, decided_ms) for a in adjustments]
            _INSERT_ADJUSTMENTS.run_many(conn, adjusted)
        if retired:  # before the upserts: a key both retired and re-stored stays stored
            keys = [{"link": k[0], "master": k[1], "leg": k[2]} for k in retired]
            _DELETE_TICKET.run_many(conn, keys)
        if tickets:
            _UPSERT_TICKETS.run_values(conn, [rows.ticket_values(t) for t in tickets])
        if commands:
            first = self._next_order_no
            self._next_order_no += len(commands)
            copy = rows.copy_values
            _INSERT_COPIES.run_values(conn, [
                copy(event, c, decided_ms, sent_ms if c.id in sent else None, first + i)
                for i, c in enumerate(commands)])  # fmt: skip

    def persist_sweep(
        self,
        conn: Connection,
        master_id: str,
        commands: Sequence[Command],
        denials: Sequence[CopyDenied],
        tickets: Sequence[TicketLink],
        decided_ms: int,
        adjustments: Sequence[CopyAdjusted] = (),
        master_prices: Mapping[int, float] | None = None,
    ) -> None:
        """A decision no master event made (a risk stop on an account update, a close-all the
        trader asked for, copying what a master holds): its denials and adjustments, ticket
        links and pending copy rows (``master_prices`` by master ticket)."""
        if denials:
            _INSERT_DENIALS.run_many(conn, [rows.rule_row(d, master_id, decided_ms)
                                            for d in denials])  # fmt: skip
        if adjustments:
            _INSERT_ADJUSTMENTS.run_many(conn, [rows.rule_row(a, master_id, decided_ms)
                                                for a in adjustments])  # fmt: skip
        if tickets:
            _UPSERT_TICKETS.run_values(conn, [rows.ticket_values(t) for t in tickets])
        if commands:
            first = self._next_order_no
            self._next_order_no += len(commands)
            prices = master_prices or {}
            _INSERT_COPIES.run_many(conn, [
                rows.sweep_copy_row(master_id, c, decided_ms, prices.get(c.master_ticket, 0.0),
                                    first + i)
                for i, c in enumerate(commands)])  # fmt: skip

    @staticmethod
    def mark_sent(conn: Connection, command_ids: Sequence[str], sent_ms: int) -> None:
        params = [{"cid": cid, "sent": sent_ms} for cid in command_ids]
        if params:
            _MARK_COPIES_SENT.run_many(conn, params)

    @staticmethod
    def persist_results(conn: Connection, batch: Sequence[ResultWrite]) -> None:
        """Each result on its copy row (which takes it out of the outbox) and its ticket link:
        one UPDATE and one upsert for the whole batch, in the batch's order."""
        updates: list[tuple[Any, ...]] = []
        tickets: list[tuple[Any, ...]] = []
        for result, ticket, point, origin in batch:
            if origin is None:
                origin = _origin_of(conn, result.command_id)
            if origin is not None:  # else there is no copy row to complete
                updates.append(_result_values(result, origin, point))
            if ticket is not None:
                tickets.append(rows.ticket_values(ticket))
        if updates:
            _UPDATE_COPY_RESULT.run_values(conn, updates)
        if tickets:
            _UPSERT_TICKETS.run_values(conn, tickets)

    @staticmethod
    def upsert_tickets(conn: Connection, tickets: Iterable[TicketLink]) -> None:
        params = [rows.ticket_values(t) for t in tickets]
        if params:
            _UPSERT_TICKETS.run_values(conn, params)

    @staticmethod
    def audit(conn: Connection, time_ms: int, actor: str, action: str, detail: Any) -> None:
        row = {"time_ms": time_ms, "actor": actor, "action": action, "detail": detail}
        conn.execute(insert(_audit), [row])  # Core, not Prepared: ``detail`` needs JSON encoding


def _origin_of(conn: Connection, command_id: str) -> CopyOrigin | None:
    logged = _SELECT_COPY_ORIGIN.first(conn, {"cid": command_id})
    if logged is None:
        return None
    kind, side, master_price, master_order_type = logged
    master_side = rows.side_of(master_order_type) if master_order_type else None
    return CopyOrigin(kind, side, master_price, master_side)


def _result_values(
    result: ExecutionResult, origin: CopyOrigin, point: float | None
) -> tuple[Any, ...]:
    """``_UPDATE_COPY_RESULT``'s parameters for one result."""
    kind, side, master_price, master_side = origin
    price = result.price
    return (
        result.volume,
        price or None,
        rows.slippage_points(kind, side, master_price, price, point, master_side=master_side),
        rows.result_status(result),
        result.retcode,
        result.message,
        result.slave_ticket,
        result.executed_ms or None,
        result.command_id,
        rows.EXECUTED if result.retcode == Retcode.DUPLICATE else "",
    )


# --- start-up reads ---


def next_order_no(conn: Connection) -> int:
    """After the outbox's last command: only the order among commands without a result matters,
    and the partial index answers this without reading the trade log."""
    last = select(func.coalesce(func.max(_copies.c.order_no), 0)).where(text(OUTBOX_WHERE))
    return int(conn.scalar(last) or 0) + 1


def load_tickets(conn: Connection, include_finished: bool = False) -> list[TicketLink]:
    query = select(_tickets).order_by(_tickets.c.link_id, _tickets.c.master_ticket, _tickets.c.leg)
    if not include_finished:
        query = query.where(_tickets.c.state.not_in(FINISHED_TICKET_STATES))
    return [rows.ticket_from_row(r) for r in conn.execute(query).mappings()]


# The commands without a result (copy rows pending or sent), in creation order: ix_outbox.
OUTBOX_QUERY = select(_copies).where(text(OUTBOX_WHERE)).order_by(_copies.c.order_no)


def load_outbox(conn: Connection) -> list[Command]:
    return [rows.command_from_row(r) for r in conn.execute(OUTBOX_QUERY).mappings()]


def last_seqs(conn: Connection) -> dict[str, int]:
    return {r.account_id: r.seq for r in conn.execute(select(_seen.c.account_id, _seen.c.seq))}
