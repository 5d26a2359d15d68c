"""A welcomed connection made quiet (copier/bridge/idle.py) parses, answers and closes exactly
as websockets would, and leaves no new object behind per frame."""

from __future__ import annotations

import gc
import os
import struct

from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from copier.bridge.idle import keep_quiet


def client_frame(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    """A masked client frame (RFC 6455 §5.2), as an EA writes it."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[n % 4] for n, b in enumerate(payload))
    size = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode.value,))
    if size < 126:
        head += bytes((0x80 | size,))
    else:
        head += struct.pack("!BH", 0x80 | 126, size)
    return head + mask + masked


def stream() -> list[bytes]:
    """What an EA may send, cut where a read may end: whole frames, a frame split in three, two
    frames in one read, a fragmented message, a ping, a long frame, then its close."""
    pong = client_frame(Opcode.TEXT, b'{"t":"pong","id":1}')
    event = client_frame(Opcode.TEXT, b'{"t":"event","seq":1}' + b" " * 300)
    parts = client_frame(Opcode.TEXT, b'{"t":', fin=False) + client_frame(Opcode.CONT, b'"x"}')
    close = client_frame(Opcode.CLOSE, Close(1000, "bye").serialize())
    return [pong, event[:1], event[1:5], event[5:], pong + pong, parts, b"", pong[:3],
            pong[3:] + client_frame(Opcode.PING, b"hb"), close]  # fmt: skip


def run(protocol: ServerProtocol, reads: list[bytes], eof: bool) -> list[object]:
    seen: list[object] = []
    for data in reads:
        protocol.receive_data(data)
        seen.append([_frame(e) for e in protocol.events_received()])
        seen.append(list(protocol.data_to_send()))
    if eof:
        protocol.receive_eof()
        seen.append([_frame(e) for e in protocol.events_received()])
        seen.append(list(protocol.data_to_send()))
    seen.append((protocol.state, protocol.close_rcvd, protocol.parser_exc is None))
    return seen


def _frame(event: object) -> object:
    assert isinstance(event, Frame)
    return (event.opcode, bytes(event.data), event.fin)


def test_a_quiet_connection_parses_answers_and_closes_as_websockets_does() -> None:
    for reads, eof in ((stream(), True), (stream()[:-1], True), (stream()[:4], False)):
        plain = ServerProtocol(state=State.OPEN)
        quiet = ServerProtocol(state=State.OPEN)
        keep_quiet(quiet)
        assert run(quiet, reads, eof) == run(plain, reads, eof)


def test_frames_of_an_idle_connection_leave_no_new_object_behind() -> None:
    protocol = ServerProtocol(state=State.OPEN)
    keep_quiet(protocol)
    pong = client_frame(Opcode.TEXT, b'{"t":"pong","id":1}')
    protocol.receive_data(pong)
    assert len(protocol.events_received()) == 1
    kept = (protocol.events, protocol.writes, protocol.parser.gi_yieldfrom)  # type: ignore[attr-defined]
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(100):
        protocol.receive_data(pong)
        assert len(protocol.events_received()) == 1
        assert protocol.data_to_send() == []
    assert protocol.events is kept[0] and protocol.writes is kept[1]
    assert protocol.parser.gi_yieldfrom is kept[2]  # type: ignore[attr-defined]
    # Only the last frame is left (websockets' parser keeps it until the next one).
    assert len(gc.get_objects()) - before <= 1


def test_making_a_connection_quiet_twice_changes_nothing_more() -> None:
    protocol = ServerProtocol(state=State.OPEN)
    keep_quiet(protocol)
    kind, reader_kind = type(protocol), type(protocol.reader)
    keep_quiet(protocol)
    assert (type(protocol), type(protocol.reader)) == (kind, reader_kind)
    assert isinstance(protocol, ServerProtocol)
