"""An EA's frames are handled as they arrive, without waking the session's reader: a pong,
an event, a result, a faulty frame (answered with its error frame as before). Text that is not
plain ASCII still goes to the reader (websockets checks its UTF-8), and the frames after it wait
behind it, so none overtakes another."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from websockets.asyncio.connection import Connection
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from copier.bridge.config import BridgeConfig
from copier.bridge.metered import MeteredConnection
from copier.bridge.protocol import Hello, Role
from copier.bridge.session import Session
from copier.domain import ExecutionResult, MarginMode, MasterEvent, Platform, TerminalStatus
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import EaTerminal
from tests.unit.bridge.test_bridge_send_path import RecordingTransport

pytestmark = pytest.mark.timeout(10)


def _session() -> tuple[Session, MeteredConnection, RecordingTransport]:
    protocol = ServerProtocol(state=State.OPEN)
    ws = MeteredConnection(protocol, cast(Any, None), ping_interval=None)
    transport = RecordingTransport()
    Connection.connection_made(ws, transport)  # no handshake handler
    ws.request = cast(Any, "GET /ea/v1")  # as if the upgrade were done: frames come next
    hello = Hello(
        v=1, key="k", role=Role.EXECUTOR, platform=Platform.MT5, login=7, server="S",
        currency="USD", margin=MarginMode.HEDGING, ea="t", build=1, trade=True,
    )  # fmt: skip
    terminal = EaTerminal("mt5:7@S")
    session = Session(ws, hello, terminal.account_id, "s1", terminal, BridgeConfig(), lambda: 0)
    return session, ws, transport


def _from_ea(text: str) -> bytes:
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=True)


def _sent(transport: RecordingTransport) -> list[dict[str, Any]]:
    """The JSON frames the session wrote (unmasked server frames of under 126 bytes)."""
    return [json.loads(chunk[2:]) for chunk in transport.writes if chunk[:1] == b"\x81"]


@pytest.mark.parametrize("text", ['{"t":"pong","id":1}', '{ "id": 1, "t": "pong" }'])
async def test_a_pong_is_handled_as_it_arrives_without_the_reader(text: str) -> None:
    session, ws, _ = _session()
    reader = asyncio.create_task(session.run())
    await asyncio.sleep(0)  # the reader starts and meters the connection
    session.ping()

    ws.data_received(_from_ea(text))

    assert session.rtt_ms is not None  # before the loop has run the reader again
    assert not ws.recv_messages.frames  # nothing queued for it
    assert session.last_rx_ms == 0 and session.rtt_ms < 1_000
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ('{"t":"pong","id":"one"}', ["error"]),  # a fault: answered with its error frame
        ('{"id":1,"x":"pong"}', ["error"]),  # no type
        ('{"t":"ping","id":5}', ["pong"]),
    ],
)
async def test_every_plain_frame_is_handled_as_it_arrives(text: str, answers: list[str]) -> None:
    session, ws, transport = _session()
    reader = asyncio.create_task(session.run())
    await asyncio.sleep(0)

    ws.data_received(_from_ea(text))

    assert [frame["t"] for frame in _sent(transport)] == answers  # before the reader ran
    assert not ws.recv_messages.frames
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)


async def test_text_not_ascii_goes_to_the_reader_and_what_follows_waits_behind_it() -> None:
    session, ws, transport = _session()
    reader = asyncio.create_task(session.run())
    await asyncio.sleep(0)

    ws.data_received(_from_ea('{"t":"ping","id":1,"x":"é"}') + _from_ea('{"t":"ping","id":2}'))

    assert len(ws.recv_messages.frames) == 2  # both queued for the reader, in order
    assert _sent(transport) == []
    await asyncio.sleep(0.01)
    assert [(frame["t"], frame["id"]) for frame in _sent(transport)] == [("pong", 1), ("pong", 2)]
    ws.data_received(_from_ea('{"t":"ping","id":3}'))  # the queue is empty again: at once
    assert [frame["id"] for frame in _sent(transport)] == [1, 2, 3]
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)


class _FailingSink:
    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        return None

    def on_result(self, result: ExecutionResult) -> None:
        raise RuntimeError("store gone")

    def on_status(self, status: TerminalStatus) -> None:
        return None


async def test_a_fault_in_what_a_frame_sets_off_ends_the_session_with_1011(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session, ws, _ = _session()
    await session.terminal.start(_FailingSink())
    reader = asyncio.create_task(session.run())
    await asyncio.sleep(0)

    ws.data_received(_from_ea('{"t":"result","id":"c1","rc":10009}'))

    assert session.closing  # as when the reader raised: websockets closes with 1011
    assert "handling a frame failed" in caplog.text
    await asyncio.sleep(0.01)
    assert ws.protocol.close_sent is not None and ws.protocol.close_sent.code == 1011
    reader.cancel()
    await session.terminal.stop()
    await asyncio.gather(reader, return_exceptions=True)


async def test_a_pong_while_the_session_closes_is_drained() -> None:
    session, ws, _ = _session()
    reader = asyncio.create_task(session.run())
    await asyncio.sleep(0)
    session.ping()
    session.closing = True

    ws.data_received(_from_ea('{"t":"pong","id":1}'))

    assert session.rtt_ms is None
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
