"""Wire messages ↔ domain values, and snapshots split into parts and put back together."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copier.bridge import codec
from copier.bridge.convert import (
    command_from_wire,
    command_to_wire,
    encode_command,
    event_from_domain,
    event_to_domain,
    result_from_domain,
    result_to_domain,
    snapshot_parts,
    snapshot_to_domain,
)
from copier.bridge.protocol import MAX_FRAME, Hello, Role
from copier.domain import (
    AccountInfo,
    Command,
    CommandKind,
    CopyState,
    EventKind,
    ExecutionResult,
    MarginMode,
    MasterEvent,
    OrderType,
    PendingOrder,
    Platform,
    Position,
    Quote,
    Retcode,
    Side,
    SymbolSpec,
    TerminalSnapshot,
)

HELLO = Hello(
    v=1,
    key="k",
    role=Role.MONITOR,
    platform=Platform.MT4,
    login=12345,
    server="Broker-Demo",
    currency="USD",
    margin=MarginMode.HEDGING,
    ea="1.0.0",
    build=1420,
    trade=True,
    company="Broker Ltd",
)
ACCOUNT = "mt4:12345@Broker-Demo"


def _spec(name: str) -> SymbolSpec:
    return SymbolSpec(
        name=name,
        digits=5,
        point=1e-05,
        contract_size=100000,
        tick_size=1e-05,
        tick_value=1.0,
        volume_min=0.01,
        volume_max=100,
        volume_step=0.01,
        stops_level=10,
        filling_mode=1,
        currency_profit="USD",
    )


def _snapshot(positions: int, orders: int, symbols: int) -> TerminalSnapshot:
    account = AccountInfo(
        ACCOUNT,
        Platform.MT4,
        12345,
        "Broker-Demo",
        "USD",
        MarginMode.HEDGING,
        balance=10_000.0,
        equity=10_050.0,
        margin=100.0,
        margin_free=9_950.0,
        company="Broker Ltd",
        trade_allowed=True,
    )
    names = [f"SYM{i:04d}.longsuffix" for i in range(symbols)]
    return TerminalSnapshot(
        account=account,
        positions=tuple(
            Position(
                ticket=1000 + i,
                symbol="EURUSD",
                side=Side.BUY,
                volume=0.1,
                open_price=1.1,
                comment="TC|" + "9" * 27,
                open_time_ms=5,
            )
            for i in range(positions)
        ),
        orders=tuple(
            PendingOrder(
                ticket=5000 + i,
                symbol="EURUSD",
                order_type=OrderType.BUY_LIMIT,
                volume=0.2,
                price=1.05,
                expiration_ms=9,
            )
            for i in range(orders)
        ),
        symbols={n: _spec(n) for n in names},
        quotes={n: Quote(n, 1.1, 1.2, 7) for n in names},
        time_ms=7,
    )


def test_a_master_event_crosses_the_wire_unchanged_and_gets_its_received_time() -> None:
    event = MasterEvent(
        ACCOUNT,
        43,
        EventKind.PARTIALLY_CLOSED,
        7003,
        "EURUSD",
        OrderType.BUY,
        0.3,
        1.08512,
        1_000,
        sl=1.08,
        closed_volume=0.2,
        new_ticket=7004,
        magic=5,
        comment="from #7003",
    )

    back = event_to_domain(codec.decode(codec.encode(event_from_domain(event))), ACCOUNT, 1_002)

    assert back == MasterEvent(**{**_fields(event), "received_ms": 1_002})


def test_no_new_ticket_travels_as_zero_and_comes_back_as_none() -> None:
    event = MasterEvent(ACCOUNT, 1, EventKind.OPENED, 1, "EURUSD", OrderType.SELL, 1.0, 1.1, 1)

    wire = event_from_domain(event)

    assert wire.new_ticket == 0
    assert event_to_domain(wire, ACCOUNT, 2).new_ticket is None


def test_a_command_crosses_the_wire_unchanged() -> None:
    command = Command(
        "L3-T7003-S42.1",
        3,
        "mt5:1@X",
        CommandKind.CLOSE,
        7003,
        "EURUSD.m",
        OrderType.SELL,
        volume=0.25,
        price=1.1,
        sl=1.0,
        tp=1.2,
        slave_ticket=880021,
        magic=9,
        comment="TC|7003",
        max_deviation_points=20,
        sl_distance_points=150,
        tp_distance_points=300,
        two_step_stops=True,
        master_seq=42,
        created_ms=11,
        expires_ms=99,
        leg=1,
    )

    wire = codec.decode(codec.encode(command_to_wire(command)))

    assert command_from_wire(wire, "mt5:1@X") == command  # type: ignore[arg-type]


def test_a_result_crosses_the_wire_unchanged() -> None:
    result = ExecutionResult(
        "L1-T1-S1",
        "mt5:1@X",
        Retcode.DONE,
        "opened",
        880021,
        0.25,
        1.08491,
        1_767_225_602_349,
        1.08,
        0.0,
    )

    wire = codec.decode(codec.encode(result_from_domain(result)))

    assert result_to_domain(wire, "mt5:1@X") == result  # type: ignore[arg-type]


def test_a_large_snapshot_is_split_into_parts_of_at_most_100_items_under_the_frame_limit() -> None:
    snap = _snapshot(positions=150, orders=40, symbols=900)

    parts = snapshot_parts(snap, sid=4)

    assert len(parts) == 11
    assert [p.part for p in parts] == list(range(1, 12))
    assert [p.last for p in parts] == [False] * 10 + [True]
    assert all(len(p.positions) + len(p.orders) + len(p.symbols) <= 100 for p in parts)
    assert max(len(codec.encode(p).encode()) for p in parts) < MAX_FRAME // 2


def test_snapshot_parts_put_back_together_give_the_snapshot_that_was_sent() -> None:
    snap = _snapshot(positions=120, orders=3, symbols=90)

    parts = [codec.decode(codec.encode(p)) for p in snapshot_parts(snap, sid=0)]
    back = snapshot_to_domain(HELLO, ACCOUNT, parts)  # type: ignore[arg-type]

    assert back == snap


def test_an_empty_account_still_sends_one_final_part() -> None:
    parts = snapshot_parts(_snapshot(0, 0, 0), sid=2)

    assert len(parts) == 1 and parts[0].last and parts[0].sid == 2


def _fields(value: object) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]


_floats = st.floats(allow_nan=False, allow_infinity=False)
_ints = st.integers(min_value=0, max_value=2**63 - 1)


@given(
    ident=st.text(max_size=40),
    kind=st.sampled_from(CommandKind),
    order_type=st.sampled_from(OrderType),
    numbers=st.tuples(_floats, _floats, _floats, _floats),
    ints=st.tuples(_ints, _ints, _ints, _ints, _ints, _ints, _ints, _ints, _ints),
    slave_ticket=st.one_of(st.none(), st.integers(min_value=1, max_value=2**63 - 1)),
    comment=st.text(max_size=31),
    two_step=st.booleans(),
)
def test_any_command_crosses_the_wire_unchanged(
    ident: str,
    kind: CommandKind,
    order_type: OrderType,
    numbers: tuple[float, float, float, float],
    ints: tuple[int, int, int, int, int, int, int, int, int],
    slave_ticket: int | None,
    comment: str,
    two_step: bool,
) -> None:
    """Every field lands in its own place (the wire message is built positionally)."""
    volume, price, sl, tp = numbers
    link, ticket, magic, dev, sl_pts, tp_pts, seq, created, expires = ints
    command = Command(
        ident, link, "s", kind, ticket, "EURUSD.m", order_type, volume, price, sl, tp,
        slave_ticket, magic, comment, dev, sl_pts, tp_pts, two_step, seq, created, expires, 2,
    )  # fmt: skip

    wire = codec.decode(encode_command(command))

    assert command_from_wire(wire, "s") == command  # type: ignore[arg-type]


def test_a_command_with_a_price_json_cannot_carry_is_not_encoded() -> None:
    command = Command(
        "L1-T1-S1", 1, "s", CommandKind.OPEN, 1, "EURUSD", OrderType.BUY, 0.1, float("nan")
    )

    with pytest.raises(ValueError, match="JSON"):
        encode_command(command)


def test_a_command_with_the_copy_s_state_before_it_crosses_the_wire_unchanged() -> None:
    before = CopyState(volume=0.2, price=1.0842, sl=1.08, tp=1.095, expiration_ms=1767229200000)
    command = Command(
        "L3-T7003-S43", 3, "mt5:1@X", CommandKind.MODIFY_PENDING, 7003, "EURUSD.m",
        OrderType.BUY_LIMIT, volume=0.2, price=1.0835, sl=1.079, tp=1.096, slave_ticket=880022,
        before=before,
    )  # fmt: skip

    frame = encode_command(command)
    wire = codec.decode(frame)

    assert b'"was_vol":0.2,"was_price":1.0842,"was_sl":1.08,"was_tp":1.095' in frame
    assert command_from_wire(wire, "mt5:1@X") == command  # type: ignore[arg-type]


def test_a_frame_without_was_fields_gives_a_command_without_a_before_state() -> None:
    """What an older copier sends, and what a command about no existing copy carries."""
    frame = (
        '{"t":"command","id":"L1-T5-S9","kind":"close","link":1,"ticket":5,"sym":"EURUSD",'
        '"type":"buy","vol":0.1,"slave_ticket":880021}'
    )

    command = command_from_wire(codec.decode(frame), "s")  # type: ignore[arg-type]

    assert command.before is None


_volumes = st.floats(min_value=1e-6, max_value=1e6)
_states = st.builds(CopyState, _volumes, _floats, _floats, _floats, _ints)


@given(before=st.one_of(st.none(), _states))
def test_any_before_state_crosses_the_wire_unchanged(before: CopyState | None) -> None:
    command = Command(
        "L1-T1-S1", 1, "s", CommandKind.CLOSE, 1, "EURUSD", OrderType.BUY, 0.1, before=before
    )

    wire = codec.decode(encode_command(command))

    assert command_from_wire(wire, "s") == command  # type: ignore[arg-type]
