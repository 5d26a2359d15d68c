"""Sample domain values for the store tests: one master event and the commands copied from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Retcode,
    Side,
    command_id,
    copy_comment,
)
from copier.engine.state import CopyDenied, TicketLink, TicketState
from copier.store import Store

MASTER = "mt4:1001@Broker-Demo"
SLAVE = "mt5:2002@Other-Live"
T0 = 1_795_000_000_000  # 2026-11-18T11:06:40Z


@dataclass
class FakeClock:
    now_ms: int = T0

    def __call__(self) -> int:
        return self.now_ms


def event(
    seq: int = 1,
    ticket: int = 500,
    *,
    account: str = MASTER,
    symbol: str = "EURUSD",
    kind: EventKind = EventKind.OPENED,
    order_type: OrderType = OrderType.BUY,
    price: float = 1.1000,
    time_ms: int = T0,
) -> MasterEvent:
    return MasterEvent(
        account_id=account,
        seq=seq,
        kind=kind,
        ticket=ticket,
        symbol=symbol,
        order_type=order_type,
        volume=1.0,
        price=price,
        time_ms=time_ms,
        sl=1.0950,
        tp=1.1100,
        magic=7,
        comment="grid #3",
        received_ms=time_ms + 2,
    )


def command(
    master: MasterEvent,
    link_id: int = 1,
    *,
    slave: str = SLAVE,
    leg: int = 0,
    kind: CommandKind = CommandKind.OPEN,
    symbol: str | None = None,
    volume: float = 0.5,
) -> Command:
    return Command(
        id=command_id(link_id, master.ticket, master.seq, leg),
        link_id=link_id,
        slave_id=slave,
        kind=kind,
        master_ticket=master.ticket,
        symbol=symbol or master.symbol + ".m",
        order_type=master.order_type,
        volume=volume,
        price=master.price,
        sl=master.sl,
        tp=master.tp,
        slave_ticket=None if kind is CommandKind.OPEN else 9000 + master.ticket,
        magic=42,
        comment=copy_comment(master.ticket),
        max_deviation_points=30,
        sl_distance_points=0,
        tp_distance_points=0,
        two_step_stops=True,
        master_seq=master.seq,
        created_ms=master.received_ms + 1,
        expires_ms=master.received_ms + 5_000,
        leg=leg,
    )


def ticket(
    master_ticket: int = 500,
    link_id: int = 1,
    *,
    state: TicketState = TicketState.OPENING,
    slave_ticket: int | None = None,
    leg: int = 0,
    slave_volume: float = 0.0,
) -> TicketLink:
    return TicketLink(
        link_id=link_id,
        master_ticket=master_ticket,
        slave_symbol="EURUSD.m",
        side=Side.BUY,
        state=state,
        slave_ticket=slave_ticket,
        slave_volume=slave_volume,
        master_volume=1.0,
        leg=leg,
        is_pending=False,
        sl=1.0950,
        tp=1.1100,
        opened_ms=T0,
        last_command_id=command_id(link_id, master_ticket, 1, leg),
    )


def denial(master: MasterEvent, link_id: int = 2, *, slave: str = SLAVE) -> CopyDenied:
    return CopyDenied(
        link_id=link_id,
        slave_id=slave,
        master_ticket=master.ticket,
        master_seq=master.seq,
        rule="below_minimum",
        reason="EURUSD.m: lot 0.004 below broker minimum 0.01 — copy skipped",
    )


def filled(
    cmd: Command,
    *,
    price: float = 1.1003,
    volume: float | None = None,
    executed_ms: int = T0 + 40,
    retcode: int = Retcode.DONE,
    slave_ticket: int | None = 777,
    message: str = "done",
) -> ExecutionResult:
    return ExecutionResult(
        command_id=cmd.id,
        slave_id=cmd.slave_id,
        retcode=retcode,
        message=message,
        slave_ticket=slave_ticket,
        volume=cmd.volume if volume is None else volume,
        price=price,
        executed_ms=executed_ms,
    )


def table_rows(store: Store, table: str, order_by: str = "rowid") -> list[dict[str, Any]]:
    """Every row of a table as plain dicts, read straight from the file."""
    sql = f"SELECT * FROM {table} ORDER BY {order_by}"
    return store.read(lambda conn: [dict(r) for r in conn.exec_driver_sql(sql).mappings()])


def outbox_rows(store: Store) -> list[dict[str, Any]]:
    """The outbox as it is on disk (schema 8): the copy rows without a result, in order."""
    sql = ("SELECT * FROM trade_log_copies WHERE status IN ('pending', 'sent') "
           "ORDER BY order_no")  # fmt: skip
    return store.read(lambda conn: [dict(r) for r in conn.exec_driver_sql(sql).mappings()])
