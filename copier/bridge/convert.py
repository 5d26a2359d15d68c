"""Wire messages ↔ copier.domain values, and snapshots split into parts and put back together.

On the wire a missing ticket is 0 (MetaTrader tickets are positive); in the domain it is None.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from copier.bridge.codec import encode_bytes
from copier.bridge.protocol import (
    SNAPSHOT_PART_ITEMS,
    CommandMsg,
    Event,
    Hello,
    Result,
    SnapOrder,
    SnapPosition,
    Snapshot,
    SnapSymbol,
)
from copier.bridge.slots import slot_builder
from copier.domain import (
    AccountInfo,
    Command,
    CopyState,
    ExecutionResult,
    MasterEvent,
    PendingOrder,
    Position,
    Quote,
    SymbolSpec,
    TerminalSnapshot,
)

# Events and results are built by their slots (slots.py): half the cost of their __init__.
_new_event = slot_builder(MasterEvent)
_new_result = slot_builder(ExecutionResult)


def event_to_domain(msg: Event, account_id: str, received_ms: int) -> MasterEvent:
    """Every event comes this way: every field of MasterEvent, in its order (a test holds it)."""
    return _new_event(
        account_id, msg.seq, msg.kind, msg.ticket, msg.sym, msg.type, msg.vol, msg.price,
        msg.time, msg.sl, msg.tp, msg.closed, msg.new_ticket or None, msg.magic, msg.comment,
        received_ms,
    )  # fmt: skip


def event_from_domain(event: MasterEvent) -> Event:
    return Event(
        seq=event.seq,
        kind=event.kind,
        ticket=event.ticket,
        sym=event.symbol,
        type=event.order_type,
        vol=event.volume,
        price=event.price,
        time=event.time_ms,
        sl=event.sl,
        tp=event.tp,
        closed=event.closed_volume,
        new_ticket=event.new_ticket or 0,
        magic=event.magic,
        comment=event.comment,
    )


def command_to_wire(command: Command) -> CommandMsg:
    """The ``command`` frame's message. Prices and volumes are made floats, so one held as an
    int is written ``1.0``, as a number the EA reads with StringToDouble (protocol §2)."""
    c = command
    before = c.before
    return CommandMsg(
        c.id,
        c.kind,
        c.link_id,
        c.comment_ticket,  # the ticket the copy's comment names (protocol §4)
        c.symbol,
        c.order_type,
        float(c.volume),
        float(c.price),
        float(c.sl),
        float(c.tp),
        c.slave_ticket or 0,
        c.magic,
        c.comment,
        c.max_deviation_points,
        c.sl_distance_points,
        c.tp_distance_points,
        c.two_step_stops,
        c.master_seq,
        c.leg,
        c.created_ms,
        c.expires_ms,
        # The copy before the command (§14 step 5): all 0 when the command says nothing of it.
        *_NO_WAS if before is None else _was_fields(before),
    )  # positional: on every copy's path, and keywords cost a fifth more (a test holds the order)


_NO_WAS = (False, 0.0, 0.0, 0.0, 0.0, 0)


def _was_fields(b: CopyState) -> tuple[bool, float, float, float, float, int]:
    return True, float(b.volume), float(b.price), float(b.sl), float(b.tp), b.expiration_ms


def _was_state(msg: CommandMsg) -> CopyState | None:
    """A frame's before-state; None without ``was`` (an older copier, or nothing said)."""
    if not msg.was:
        return None
    return CopyState(msg.was_vol, msg.was_price, msg.was_sl, msg.was_tp, msg.was_exp)


def encode_command(command: Command) -> bytes:
    """The ``command`` frame for a domain Command, as the session writes it."""
    return encode_bytes(command_to_wire(command))


def command_from_wire(msg: CommandMsg, slave_id: str) -> Command:
    return Command(
        id=msg.id,
        link_id=msg.link,
        slave_id=slave_id,
        kind=msg.kind,
        master_ticket=msg.ticket,
        symbol=msg.sym,
        order_type=msg.type,
        volume=msg.vol,
        price=msg.price,
        sl=msg.sl,
        tp=msg.tp,
        slave_ticket=msg.slave_ticket or None,
        magic=msg.magic,
        comment=msg.comment,
        max_deviation_points=msg.dev,
        sl_distance_points=msg.sl_pts,
        tp_distance_points=msg.tp_pts,
        two_step_stops=msg.two_step,
        master_seq=msg.seq,
        created_ms=msg.created,
        expires_ms=msg.expires,
        leg=msg.leg,
        before=_was_state(msg),
    )


def result_to_domain(msg: Result, slave_id: str) -> ExecutionResult:
    """Every command's answer comes this way: every field of ExecutionResult, in its order (a
    test holds it)."""
    return _new_result(
        msg.id, slave_id, msg.rc, msg.msg, msg.ticket or None, msg.vol, msg.price, msg.time,
        msg.sl, msg.tp,
    )  # fmt: skip


def result_from_domain(result: ExecutionResult) -> Result:
    return Result(
        id=result.command_id,
        rc=int(result.retcode),
        msg=result.message,
        ticket=result.slave_ticket or 0,
        vol=result.volume,
        price=result.price,
        time=result.executed_ms,
        sl=result.sl,
        tp=result.tp,
    )


def account_from_hello(
    hello: Hello,
    account_id: str,
    *,
    balance: float = 0.0,
    equity: float = 0.0,
    margin: float = 0.0,
    free: float = 0.0,
    trade: bool | None = None,
) -> AccountInfo:
    return AccountInfo(
        account_id=account_id,
        platform=hello.platform,
        login=hello.login,
        server=hello.server,
        currency=hello.currency,
        margin_mode=hello.margin,
        balance=balance,
        equity=equity,
        margin=margin,
        margin_free=free,
        company=hello.company,
        trade_allowed=hello.trade if trade is None else trade,
    )


def _position(p: SnapPosition) -> Position:
    return Position(
        ticket=p.ticket,
        symbol=p.sym,
        side=p.side,
        volume=p.vol,
        open_price=p.price,
        sl=p.sl,
        tp=p.tp,
        magic=p.magic,
        comment=p.comment,
        open_time_ms=p.time,
        profit=p.profit,
    )


def _order(o: SnapOrder) -> PendingOrder:
    return PendingOrder(
        ticket=o.ticket,
        symbol=o.sym,
        order_type=o.type,
        volume=o.vol,
        price=o.price,
        sl=o.sl,
        tp=o.tp,
        magic=o.magic,
        comment=o.comment,
        time_ms=o.time,
        expiration_ms=o.exp,
    )


def _symbol(s: SnapSymbol) -> SymbolSpec:
    return SymbolSpec(
        name=s.name,
        digits=s.digits,
        point=s.point,
        contract_size=s.contract,
        tick_size=s.tick_size,
        tick_value=s.tick_value,
        volume_min=s.vol_min,
        volume_max=s.vol_max,
        volume_step=s.vol_step,
        stops_level=s.stops,
        filling_mode=s.filling,
        currency_profit=s.currency,
    )


def snapshot_to_domain(
    hello: Hello, account_id: str, parts: Sequence[Snapshot]
) -> TerminalSnapshot:
    """The parts of one snapshot (in order) → one TerminalSnapshot; account from the last part."""
    last = parts[-1]
    account = account_from_hello(
        hello,
        account_id,
        balance=last.balance,
        equity=last.equity,
        margin=last.margin,
        free=last.free,
        trade=last.trade,
    )
    symbols = [s for part in parts for s in part.symbols]
    quotes = {
        s.name: Quote(symbol=s.name, bid=s.bid, ask=s.ask, time_ms=last.time)
        for s in symbols
        if s.bid > 0 and s.ask > 0
    }
    return TerminalSnapshot(
        account=account,
        positions=tuple(_position(p) for part in parts for p in part.positions),
        orders=tuple(_order(o) for part in parts for o in part.orders),
        symbols={s.name: _symbol(s) for s in symbols},
        quotes=quotes,
        time_ms=last.time,
    )


def _snap_position(p: Position) -> SnapPosition:
    return SnapPosition(
        ticket=p.ticket,
        sym=p.symbol,
        side=p.side,
        vol=p.volume,
        price=p.open_price,
        sl=p.sl,
        tp=p.tp,
        magic=p.magic,
        comment=p.comment,
        time=p.open_time_ms,
        profit=p.profit,
    )


def _snap_order(o: PendingOrder) -> SnapOrder:
    return SnapOrder(
        ticket=o.ticket,
        sym=o.symbol,
        type=o.order_type,
        vol=o.volume,
        price=o.price,
        sl=o.sl,
        tp=o.tp,
        magic=o.magic,
        comment=o.comment,
        time=o.time_ms,
        exp=o.expiration_ms,
    )


def _snap_symbol(s: SymbolSpec, quote: Quote | None) -> SnapSymbol:
    return SnapSymbol(
        name=s.name,
        digits=s.digits,
        point=s.point,
        contract=s.contract_size,
        tick_size=s.tick_size,
        tick_value=s.tick_value,
        vol_min=s.volume_min,
        vol_max=s.volume_max,
        vol_step=s.volume_step,
        stops=s.stops_level,
        filling=int(s.filling_mode),
        currency=s.currency_profit,
        bid=quote.bid if quote else 0.0,
        ask=quote.ask if quote else 0.0,
    )


def _chunks(items: list[object], size: int) -> Iterator[list[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def snapshot_parts(
    snapshot: TerminalSnapshot, sid: int, items_per_part: int = SNAPSHOT_PART_ITEMS
) -> list[Snapshot]:
    """Split a snapshot into frames of at most ``items_per_part`` list items (as the EAs do)."""
    items: list[object] = [_snap_position(p) for p in snapshot.positions]
    items += [_snap_order(o) for o in snapshot.orders]
    items += [_snap_symbol(s, snapshot.quotes.get(name)) for name, s in snapshot.symbols.items()]
    chunks = list(_chunks(items, items_per_part)) or [[]]
    account = snapshot.account
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        parts.append(
            Snapshot(
                sid=sid,
                part=number,
                last=number == len(chunks),
                time=snapshot.time_ms,
                balance=account.balance,
                equity=account.equity,
                margin=account.margin,
                free=account.margin_free,
                trade=account.trade_allowed,
                positions=tuple(i for i in chunk if isinstance(i, SnapPosition)),
                orders=tuple(i for i in chunk if isinstance(i, SnapOrder)),
                symbols=tuple(i for i in chunk if isinstance(i, SnapSymbol)),
            )
        )
    return parts
