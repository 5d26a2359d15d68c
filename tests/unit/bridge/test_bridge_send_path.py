"""The bridge's fast paths say exactly what the general ones say: frames written by the session
are the bytes websockets would write; msgspec accepts exactly the frames the schema's checks
accept and refuses the rest with the checks' words; a command's prices are written as numbers
that read back exactly."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from msgspec import structs
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import ServerConnection
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State
from websockets.server import ServerProtocol

from copier.bridge import codec
from copier.bridge.config import BridgeConfig
from copier.bridge.convert import command_from_wire, encode_command
from copier.bridge.protocol import CommandMsg, ErrorCode, Hello, Role
from copier.bridge.session import Session
from copier.domain import Command, CommandKind, CopyState, MarginMode, OrderType, Platform
from copier.terminals.ea.terminal import EaTerminal
from tests.fuzz.frames import FRAME, _deep


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

    assert _session(ws).send(text.encode())

    assert b"".join(transport.writes) == _websockets_bytes(text)
    assert len(transport.writes) == 1  # header and payload in one write


async def test_with_compression_negotiated_websockets_frames_what_the_session_sends() -> None:
    text = '{"t":"ack","seq":1}' * 20
    ws, transport = _open_connection(deflate=True)

    _session(ws).send(text.encode())
    _session(ws).send(text.encode())  # the compressor's state carries from frame to frame

    assert b"".join(transport.writes) != _websockets_bytes(text + text)  # compressed, not plain
    assert transport.writes[0] == _websockets_bytes(text, deflate=True)


async def test_a_session_writes_nothing_once_the_connection_is_closing() -> None:
    ws, transport = _open_connection()
    ws.protocol.send_close(1000, "bye")
    ws.send_data()
    written = len(transport.writes)

    assert not _session(ws).send(b'{"t":"ack","seq":1}')
    assert len(transport.writes) == written


def _verdict(frame: str) -> tuple[str, str, str] | None:
    """What decoding makes of a frame: None when it is accepted, else the error frame's words."""
    try:
        codec.decode(frame)
    except codec.FrameError as exc:
        return (exc.code.value, exc.reason, exc.ref)
    return None


def _checks_verdict(frame: str) -> tuple[str, str, str] | None:
    """What the schema's field-by-field checks make of it, msgspec left out."""
    error = codec.refusal(frame)
    return None if error is None else (error.code.value, error.reason, error.ref)


@settings(max_examples=400, suppress_health_check=list(HealthCheck))
@given(frame=FRAME)
def test_msgspec_refuses_exactly_what_the_checks_refuse_and_with_their_words(frame: str) -> None:
    assert _verdict(frame) == _checks_verdict(frame)


def _parses_from_here(depth: int) -> bool:
    try:
        json.loads("[" * depth + "]" * depth)
    except RecursionError:
        return False
    return True


def test_a_frame_nested_near_the_recursion_limit_is_refused_alike_from_every_path() -> None:
    """Found by the property above (hypothesis raises the recursion limit while it runs): a frame
    nested as deep as the standard parser could still go from the checks, but not from the
    decoder's refusal one call deeper, was "not valid JSON" there and a wrong field here."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(3_000)
    try:
        low, high = 100, 3_000  # the deepest nesting the parser reads from here, by bisection
        while low + 1 < high:
            middle = (low + high) // 2
            low, high = (middle, high) if _parses_from_here(middle) else (low, middle)
        verdicts = [(_verdict(_deep(depth)), _checks_verdict(_deep(depth)))
                    for depth in range(low - 8, low + 8)]  # fmt: skip
    finally:
        sys.setrecursionlimit(limit)
    assert all(by_decoder == by_checks for by_decoder, by_checks in verdicts)
    assert {by_decoder for by_decoder, _ in verdicts} == {
        ("malformed", f"frame nests arrays or objects deeper than {codec.MAX_NESTING} levels", "")
    }


@pytest.mark.parametrize(
    "text",
    [
        '{"t":"ack","seq":1}',
        ' {"t":"ack","seq":1}\n',
        '{"t":"ack","seq":1} x',
        '{"t":"ack","seq":1}{}',
        '{"t":"ack","seq":NaN}',
        '{"t":"ack","seq":Infinity}',
        '{"t":"ack","seq":1e400}',
        '{"t":"ack","seq":' + "9" * 5000 + "}",
        '{"t":"account","time":1,"balance":1' + "0" * 400 + ',"equity":1,"margin":0,"free":1,'
        '"trade":true,"positions":0}',
        '{"t":"ack",',
        "{" * 100_000,
        '{"t":"ping","id":1,"x":' + "[" * 5000 + "]" * 5000 + "}",
        "[1]",
        "{}",
        "",
    ],
)
def test_an_unusual_frame_is_taken_or_refused_as_the_checks_say(text: str) -> None:
    assert _verdict(text) == _checks_verdict(text)


def test_a_text_escape_that_is_half_a_character_is_refused_as_malformed() -> None:
    """Python's parser would take a lone UTF-16 surrogate into the text, which cannot then be
    written as UTF-8 (to the store, to another EA); msgspec refuses it."""
    frame = '{"t":"ping","id":1,"x":"a\\udc00b"}'

    assert codec.refusal(frame) is None
    with pytest.raises(codec.FrameError) as refused:
        codec.decode(frame)

    assert refused.value.code is ErrorCode.MALFORMED
    assert "surrogate" in refused.value.reason


def _command(**changes: Any) -> Command:
    base = Command("L1-T9-S3", 1, "s", CommandKind.OPEN, 9, "EURUSD", OrderType.BUY, 0.1, 1.08491)
    return structs.replace(base, **changes)


@pytest.mark.parametrize(
    ("command", "written"),
    [
        (_command(sl=-0.0), b'"sl":-0.0'),
        (_command(volume=1), b'"vol":1.0'),  # an int volume is written as a float
        (_command(price=1e-7), b'"price":1e-7'),
        (_command(price=1e16), b'"price":1e16'),
        (_command(price=1e-5), b'"price":0.00001'),
        (_command(price=2310.5), b'"price":2310.5'),
        (_command(before=CopyState(1, 2, 0, 0, 0)), b'"was_vol":1.0,"was_price":2.0'),
    ],
)
def test_a_command_s_numbers_are_written_as_numbers_that_read_back_exactly(
    command: Command, written: bytes
) -> None:
    frame = encode_command(command)

    assert written in frame
    wire = codec.decode(frame)
    assert isinstance(wire, CommandMsg)
    assert command_from_wire(wire, "s") == command


@pytest.mark.parametrize("field", ["volume", "price", "sl", "tp"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_command_with_any_price_json_cannot_carry_is_not_encoded(
    field: str, value: float
) -> None:
    with pytest.raises(ValueError, match="JSON"):
        encode_command(_command(**{field: value}))


def test_a_before_state_json_cannot_carry_is_not_encoded() -> None:
    with pytest.raises(ValueError, match="JSON"):
        encode_command(_command(before=CopyState(0.1, float("inf"), 0, 0, 0)))
