"""The bridge's fast paths say exactly what the general ones say: frames written by the session
are the bytes websockets would write, results read straight into domain values equal what the
generic decoder and converter make (or are refused alike), and the command encoder's remembered
prices never change a frame."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import ServerConnection
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State
from websockets.server import ServerProtocol

from copier.bridge import codec
from copier.bridge.config import BridgeConfig
from copier.bridge.convert import (
    command_to_wire,
    encode_command,
    result_from_frame,
    result_to_domain,
)
from copier.bridge.protocol import Hello, Result, Role
from copier.bridge.session import Session
from copier.domain import Command, CommandKind, MarginMode, OrderType, Platform
from copier.terminals.ea.terminal import EaTerminal


class RecordingTransport(asyncio.Transport):
    """Keeps every write; stands in for the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else default

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


def _open_connection(deflate: bool = False) -> tuple[ServerConnection, RecordingTransport]:
    protocol = ServerProtocol(state=State.OPEN)
    if deflate:
        protocol.extensions = [PerMessageDeflate(False, False, 15, 15)]
    connection = ServerConnection(protocol, cast(Any, None), ping_interval=None)
    transport = RecordingTransport()
    Connection.connection_made(connection, transport)  # no handshake handler
    return connection, transport


def _session(ws: ServerConnection) -> Session:
    hello = Hello(
        v=1, key="k", role=Role.EXECUTOR, platform=Platform.MT5, login=7, server="S",
        currency="USD", margin=MarginMode.HEDGING, ea="t", build=1, trade=True,
    )  # fmt: skip
    terminal = EaTerminal("mt5:7@S")
    return Session(ws, hello, terminal.account_id, "s1", terminal, BridgeConfig(), lambda: 0)


def _websockets_bytes(text: str, deflate: bool = False) -> bytes:
    """What websockets itself writes for the text frame."""
    ws, transport = _open_connection(deflate)
    ws.protocol.send_text(text.encode())
    ws.send_data()
    return b"".join(transport.writes)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 400, 65535, 65536, 70000])
async def test_a_frame_the_session_writes_is_the_bytes_websockets_writes(size: int) -> None:
    text = "é" * (size // 2) + "x" * (size % 2)  # multi-byte: the length counts bytes
    ws, transport = _open_connection()

    assert _session(ws).send(text)

    assert b"".join(transport.writes) == _websockets_bytes(text)
    assert len(transport.writes) == 1  # header and payload in one write


async def test_with_compression_negotiated_websockets_frames_what_the_session_sends() -> None:
    text = '{"t":"ack","seq":1}' * 20
    ws, transport = _open_connection(deflate=True)

    _session(ws).send(text)
    _session(ws).send(text)  # the compressor's state carries from frame to frame

    assert b"".join(transport.writes) != _websockets_bytes(text + text)  # compressed, not plain
    assert transport.writes[0] == _websockets_bytes(text, deflate=True)


async def test_a_session_writes_nothing_once_the_connection_is_closing() -> None:
    ws, transport = _open_connection()
    ws.protocol.send_close(1000, "bye")
    ws.send_data()
    written = len(transport.writes)

    assert not _session(ws).send('{"t":"ack","seq":1}')
    assert len(transport.writes) == written


_floats = st.floats(allow_nan=False, allow_infinity=False)
_ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_values = st.one_of(
    st.none(), st.booleans(), _ints, _floats, st.text(max_size=12), st.just([]), st.just({})
)
_result_data = st.fixed_dictionaries(
    {"t": st.just("result"), "id": st.text(max_size=30), "rc": _ints},
    optional={
        "msg": st.text(max_size=40),
        "ticket": _ints,
        "vol": _floats,
        "price": _floats,
        "time": _ints,
        "sl": _floats,
        "tp": _floats,
    },
)


@given(data=_result_data)
def test_a_result_read_straight_into_the_domain_equals_the_generic_path(
    data: dict[str, Any],
) -> None:
    frame = json.dumps(data)
    expected = result_to_domain(cast(Result, codec.decode(frame)), "mt5:7@S")

    assert result_from_frame(codec.parse_object(frame), "mt5:7@S") == expected


@given(data=_result_data, field=st.sampled_from(["id", "rc", "msg", "ticket", "vol", "time"]),
       bad=_values)  # fmt: skip
def test_a_bad_result_is_refused_as_the_generic_decoder_refuses_it(
    data: dict[str, Any], field: str, bad: object
) -> None:
    frame = json.dumps({**data, field: bad})
    try:
        codec.decode(frame)
    except codec.FrameError as generic:
        with pytest.raises(codec.FrameError) as fast:
            result_from_frame(codec.parse_object(frame), "mt5:7@S")
        assert (fast.value.code, fast.value.reason, fast.value.ref) == (
            generic.code,
            generic.reason,
            generic.ref,
        )
    else:
        result_from_frame(codec.parse_object(frame), "mt5:7@S")


@pytest.mark.parametrize(
    "text",
    [
        '{"t":"ack","seq":1}',
        ' {"t":"ack","seq":1}\n',
        '{"t":"ack","seq":1} x',
        '{"t":"ack","seq":1}{}',
        '{"t":"ack","seq":NaN}',
        '{"t":"ack","seq":Infinity}',
        '{"t":"ack",',
        "{" * 100_000,
        "[1]",
        "{}",
        "",
    ],
)
def test_the_quick_json_parse_gives_the_full_parse_s_object_or_its_reason(text: str) -> None:
    try:
        expected: object = codec.parse_object(text.encode())  # bytes: the full parse
    except codec.FrameError as exc:
        expected = (exc.code, exc.reason)
    try:
        got: object = codec.parse_object(text)
    except codec.FrameError as exc:
        got = (exc.code, exc.reason)

    assert got == expected


def _command(**changes: Any) -> Command:
    base = Command("L1-T9-S3", 1, "s", CommandKind.OPEN, 9, "EURUSD", OrderType.BUY, 0.1, 1.08491)
    return replace(base, **changes)


@pytest.mark.parametrize(
    "commands",
    [
        [_command(sl=0.0), _command(sl=-0.0), _command(sl=0.0)],
        [_command(tp=-0.0, volume=0.1), _command(tp=0.0, volume=-0.1)],
        [_command(price=1e-7), _command(price=1e16), _command(price=-1.08491)],
        [_command(volume=1), _command(volume=1.0)],  # an int volume is written as a float
    ],
)
def test_remembered_prices_never_change_a_command_frame(commands: list[Command]) -> None:
    for command in commands:
        wire = command_to_wire(command)
        written = codec.encode(replace(wire, vol=float(wire.vol)))

        assert encode_command(command) == written


@pytest.mark.parametrize("field", ["volume", "price", "sl", "tp"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_command_with_any_price_json_cannot_carry_is_not_encoded(
    field: str, value: float
) -> None:
    encode_command(_command(sl=1.0, tp=2.0))  # the valid ones are remembered first

    with pytest.raises(ValueError, match="JSON"):
        encode_command(_command(**{field: value}))
