"""One welcomed EA connection: its reader loop, flow limits, heartbeats and writes.

Writes are synchronous: a frame goes straight into the socket's transport buffer, so the copy
service can write a command to every slave without a task switch per slave. The session frames
text itself (the same bytes websockets would write) unless websockets must transform or log the
frame. An EA that stops reading is dropped once its buffer passes the configured limit (4503),
rather than letting the bridge hold unbounded memory for it. An executor's results are read
straight into domain values by the one decoder every frame takes (codec.py).

Reading is synchronous too: over the bridge's MeteredConnection each whole plain-ASCII text
frame is handled as it is parsed (``_take_text``), in slices of the socket's bytes per loop turn
(metered.py); the reader task gets only what is left to it (text websockets must check for
UTF-8, fragments, binary frames) and keeps their order.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.typing import BytesLike

from copier.bridge.codec import FrameError, decode, encode_bytes
from copier.bridge.config import BridgeConfig
from copier.bridge.convert import result_to_domain
from copier.bridge.metered import MeteredConnection
from copier.bridge.protocol import (
    Account,
    CloseCode,
    Error,
    ErrorCode,
    Event,
    Hello,
    Message,
    Ping,
    Pong,
    Result,
    Role,
    Snapshot,
)
from copier.bridge.ratelimit import TokenBucket
from copier.bridge.values import event_problem

if TYPE_CHECKING:
    from copier.terminals.ea.terminal import EaTerminal

log = logging.getLogger(__name__)

MAX_SNAPSHOT_PARTS = 1000
CUT_OFF_GRACE_S = 1.0  # a flooder cut off with 4429 may stay this long, then is reset
READ_SLICE = 32  # frames the reader handles before giving way (a ping costs ~30 µs to answer)

# The header websockets writes before a server's unfragmented text frame of under 65,536 bytes
# (RFC 6455 §5.2: FIN and opcode 1, no mask, then a 7-bit length, or 126 and a 16-bit one).
# Session.send puts it before the payload itself: one transport write, no Frame object per send.
_SHORT_HEADERS = [bytes((0x81, size)) for size in range(126)]
_pack_header16 = struct.Struct("!BBH").pack

# Enum members read once: reading one from its class costs a descriptor call, on every frame.
_OPEN = State.OPEN
_EXECUTOR = Role.EXECUTOR
_MONITOR = Role.MONITOR
_BAD_VALUE = ErrorCode.BAD_VALUE
_CUT_OFF = frozenset({CloseCode.RATE_LIMITED, CloseCode.SLOW_CONSUMER})


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the UI shows about one EA connection."""

    session_id: str
    account_id: str
    role: Role
    address: str
    since_ms: int
    last_heartbeat_ms: int
    rtt_ms: float | None
    ea_version: str
    terminal_build: int
    key_id: str = ""  # the public id of the API key the session authenticated with
    key_expires_ms: int | None = None  # when that key stops working, when known


class Session:
    def __init__(
        self,
        ws: ServerConnection,
        hello: Hello,
        account_id: str,
        session_id: str,
        terminal: EaTerminal,
        config: BridgeConfig,
        clock_ms: Callable[[], int],
        key_id: str = "",
        key_expires_ms: int | None = None,
    ) -> None:
        self.ws = ws
        self.hello = hello
        self.role = hello.role
        self.account_id = account_id
        self.session_id = session_id
        self.terminal = terminal
        self.config = config
        self.clock_ms = clock_ms
        self.key_id = key_id  # tracked so revoking the key ends this session
        self.key_expires_ms = key_expires_ms
        self.address = _address(ws)
        self.since_ms = clock_ms()
        now = time.perf_counter()
        self.last_rx = now  # perf_counter seconds when the last frame arrived (any type)
        self.last_rx_ms = self.since_ms
        self.last_ping = now
        self.rtt_ms: float | None = None
        self.closing = False
        self._bucket = _bucket_of(terminal, self.role, config, now)
        # Charged as frames arrive when the connection can (see metered.py), else when read.
        self._metered = isinstance(ws, MeteredConnection)
        self._bad_frames = 0
        self._ack_seq = 0
        self._ack_pending = False
        self._ping_id = 0
        self._pings: dict[int, float] = {}
        self._heard = asyncio.Event()
        self._snapshot_parts: dict[int, list[Snapshot]] = {}
        self._close_task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._protocol = ws.protocol
        self._transport = ws.transport
        self._buffer_limit = config.send_buffer_limit
        self._price_band = config.price_band
        # Frames are framed here (see _SHORT_HEADERS) unless websockets has to transform them
        # (an extension such as permessage-deflate) or log them (debug).
        self._plain_frames = not ws.protocol.extensions and not ws.protocol.debug

    # ----- writing --------------------------------------------------------------------------
    def send(self, payload: bytes) -> bool:
        """Write one text frame (its UTF-8 bytes) now; False when the session is closing or
        closed."""
        protocol = self._protocol
        if self.closing or protocol.state is not _OPEN:
            return False
        transport = self._transport
        size = len(payload)
        if self._plain_frames and size < 65536 and not protocol.writes:
            header = _SHORT_HEADERS[size] if size < 126 else _pack_header16(0x81, 126, size)
            transport.write(header + payload)
        else:
            protocol.send_text(payload)
            self.ws.send_data()
        if transport.get_write_buffer_size() > self._buffer_limit:
            self.close_soon(CloseCode.SLOW_CONSUMER, "EA does not read its frames")
        return True

    def send_message(self, message: Message) -> bool:
        return self.send(encode_bytes(message))

    def ack_later(self, seq: int) -> None:
        """Acknowledge up to ``seq`` once the frames already buffered are handled (cumulative)."""
        if seq > self._ack_seq:
            self._ack_seq = seq
        if not self._ack_pending:
            self._ack_pending = True
            self._loop.call_soon(self._flush_ack)

    def _flush_ack(self) -> None:
        self._ack_pending = False
        self.send(b'{"t":"ack","seq":%d}' % self._ack_seq)

    def ping(self) -> None:
        self._ping_id += 1
        self._pings[self._ping_id] = time.perf_counter()
        if len(self._pings) > 8:  # unanswered pings: keep the newest only
            del self._pings[min(self._pings)]
        self.last_ping = time.perf_counter()
        self.send_message(Ping(id=self._ping_id, ts=self.clock_ms()))

    async def probe(self, timeout_s: float) -> bool:
        """Ping and wait for any frame: whether this session is still alive."""
        self._heard.clear()
        self.ping()
        try:
            await asyncio.wait_for(self._heard.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    # ----- closing --------------------------------------------------------------------------
    async def close(self, code: CloseCode, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        await self._close_now(code, reason)

    def close_soon(self, code: CloseCode, reason: str) -> None:
        """Start closing; the reader keeps draining frames until the EA's close frame arrives."""
        if not self.closing:
            self.closing = True
            self._close_task = asyncio.ensure_future(self._close_now(code, reason))

    def abort(self, code: CloseCode, reason: str) -> None:
        """End a session that stopped answering at once (a newer one replaces it): its close
        frame goes out if the socket still takes it, but the closing handshake is not awaited
        — a half-open or unread socket would hold it for websockets' close timeout, past the
        newcomer's wait for its welcome — the connection is cut with ``transport.abort()``."""
        self.closing = True
        log.info("%s %s: cutting off %d %s", self.account_id, self.role, code, reason)
        if self._protocol.state is _OPEN:
            self._protocol.send_close(int(code), reason[:120])
            self.ws.send_data()
        self._transport.abort()

    async def _close_now(self, code: CloseCode, reason: str) -> None:
        log.info("%s %s: closing %d %s", self.account_id, self.role, code, reason)
        if code in _CUT_OFF:
            self._cut_off(code, reason)
            return
        await self.ws.close(int(code), reason[:120])

    def _cut_off(self, code: CloseCode, reason: str) -> None:
        """End a session that floods or does not read without waiting for its close frame
        (RFC 6455 §7.1.7 lets an endpoint fail a connection so): a flooder's close frame sits
        behind everything it sent, and one that does not read never gets ours. A flooder gets
        the close frame and then the socket closes; a non-reader's socket is aborted at once."""
        protocol = self._protocol
        transport = self._transport
        if protocol.state is not _OPEN or code is CloseCode.SLOW_CONSUMER:
            transport.abort()
            return
        protocol.send_close(int(code), reason[:120])
        self.ws.send_data()
        if transport.can_write_eof():
            transport.write_eof()  # the close frame, then our end: the EA reads both and leaves
            self._loop.call_later(CUT_OFF_GRACE_S, transport.abort)  # or is made to
        else:
            transport.close()

    # ----- reading --------------------------------------------------------------------------
    def _overdrawn(self) -> None:
        self.close_soon(CloseCode.RATE_LIMITED, "too many frames: slow down")

    async def run(self) -> None:
        """Read frames until the connection ends, giving way to other sessions after every
        READ_SLICE frames: a session with many frames queued (a flood, a backlog) cannot hold
        the loop while another account's copy waits. Over a MeteredConnection most frames never
        come here: they are handled as they arrive (``_take_text``)."""
        metered = self._metered
        if isinstance(self.ws, MeteredConnection):  # from the welcome on
            self.ws.meter(self._bucket, self._overdrawn, self._take_text)
        in_slice = 0
        try:
            async for raw in self.ws:
                # Handled before the loop is given way to, so a frame taken as it arrives
                # meanwhile cannot overtake this one.
                if not self.closing:  # else drained, so the EA's close frame is read
                    self._read(raw, metered)
                in_slice += 1
                if in_slice >= READ_SLICE:
                    in_slice = 0
                    await asyncio.sleep(0)
        except ConnectionClosed:
            pass

    def _read(self, raw: str | bytes, metered: bool) -> None:
        """One frame the reader got from websockets (a str for text, bytes for binary)."""
        now = time.perf_counter()
        self.last_rx = now
        self._heard.set()
        if not metered and not self._bucket.take(now):
            self._overdrawn()
            return
        if type(raw) is not str:
            self.close_soon(CloseCode.BINARY_FRAME, "binary frames are not accepted")
            return
        self._on_text(raw)

    def _take_text(self, payload: BytesLike, now: float) -> bool:
        """A whole text frame handled as it arrives (MeteredConnection, ``now`` its arrival),
        without waking the reader: no queue, no task switch per frame. Text that is not plain
        ASCII is left to the reader (False), for websockets checks its UTF-8. A fault in what a
        frame sets off ends the session (1011) as it would in the reader."""
        if type(payload) is not bytes or not payload.isascii():
            return False
        if self.closing:
            return True  # drained, as the reader drains it
        self.last_rx = now
        self._heard.set()
        try:
            self._on_text(payload)
        except Exception:
            log.exception("%s %s: handling a frame failed", self.account_id, self.role)
            self.close_soon(CloseCode.INTERNAL_ERROR, "internal error")
        return True

    def _on_text(self, raw: str | bytes) -> None:
        """One text frame, read and acted on."""
        try:
            message = decode(raw)
        except FrameError as exc:
            seq = exc.event_seq if exc.code is _BAD_VALUE else None
            if seq is not None and self.role is _MONITOR:
                self._refuse_values(seq, f"event {seq}: {exc.reason}")
            else:
                self.refuse(exc)
            return
        if type(message) is Result and self.role is _EXECUTOR:
            # An answer to a command, the hot path: straight to its domain value.
            self.terminal.on_result(result_to_domain(message, self.account_id))
        elif type(message) is Event:
            self._on_event(message)
        else:
            self._dispatch(message)

    def _on_event(self, message: Event) -> None:
        if self.role is not _MONITOR:
            self.refuse(
                FrameError(
                    ErrorCode.WRONG_ROLE, "only a monitor sends events", f"event:{message.seq}"
                )
            )
            return
        terminal = self.terminal
        problem = event_problem(message, terminal.last_quote(message.sym), self._price_band)
        if problem is not None:
            self._refuse_values(message.seq, problem)
            return
        terminal.deliver_event(message, self)

    def _refuse_values(self, seq: int, reason: str) -> None:
        """Refuse an event that cannot be a real trade: the EA is told why (bad_value), and the
        event is acknowledged without being copied, so the events after it go on. This is the
        master's data, not an EA fault, so it does not count toward the bad-frame limit."""
        log.warning("%s: event refused, not copied: %s", self.account_id, reason)
        self.send_message(Error(code=ErrorCode.BAD_VALUE, msg=reason[:200], ref=f"event:{seq}"))
        self.terminal.skip_event(seq, self)

    def _dispatch(self, message: Message) -> None:
        kind = type(message)
        if kind is Pong:
            self._on_pong(message)  # type: ignore[arg-type]
        elif kind is Ping:
            self.send_message(Pong(id=message.id))  # type: ignore[attr-defined]
        elif kind is Result:  # an executor's results never come here (see run)
            self.refuse(
                FrameError(ErrorCode.WRONG_ROLE, "only an executor sends results", "result")
            )
        elif kind is Account:
            self.terminal.on_account(message, self)  # type: ignore[arg-type]
        elif kind is Snapshot:
            self._on_snapshot_part(message)  # type: ignore[arg-type]
        else:
            text = f"{message.TYPE.value} is not expected from an EA after welcome"
            self.refuse(FrameError(ErrorCode.UNEXPECTED, text, message.TYPE.value))

    def _on_pong(self, message: Pong) -> None:
        sent = self._pings.pop(message.id, None)
        if sent is None:
            return
        self.rtt_ms = (time.perf_counter() - sent) * 1000.0
        self.last_rx_ms = self.clock_ms()
        try:
            self.terminal.on_heartbeat(self)
        except Exception:  # a status subscriber's fault must not break the connection
            log.exception("%s %s: handling a pong failed", self.account_id, self.role)

    def _on_snapshot_part(self, part: Snapshot) -> None:
        parts = self._snapshot_parts.setdefault(part.sid, [])
        if part.part != len(parts) + 1 or len(parts) >= MAX_SNAPSHOT_PARTS:
            self._snapshot_parts.pop(part.sid, None)
            expected = len(parts) + 1
            self.refuse(
                FrameError(
                    ErrorCode.BAD_VALUE,
                    f"snapshot {part.sid}: part {part.part}, expected {expected}",
                    f"snapshot:{part.sid}",
                )
            )
            return
        parts.append(part)
        if part.last:
            del self._snapshot_parts[part.sid]
            self.terminal.on_snapshot(part.sid, parts, self)

    def refuse(self, error: FrameError) -> None:
        """Answer a bad frame with an error frame; too many of them end the session."""
        self._bad_frames += 1
        log.warning("%s %s: refused frame: %s", self.account_id, self.role, error.reason)
        if self._bad_frames > self.config.bad_frame_limit:
            self.close_soon(CloseCode.MALFORMED, f"too many bad frames; last: {error.reason}")
            return
        self.send_message(Error(code=error.code, msg=error.reason[:200], ref=error.ref))

    # ----- status ---------------------------------------------------------------------------
    def info(self) -> SessionInfo:
        return SessionInfo(
            session_id=self.session_id,
            account_id=self.account_id,
            role=self.role,
            address=self.address,
            since_ms=self.since_ms,
            last_heartbeat_ms=self.last_rx_ms,
            rtt_ms=self.rtt_ms,
            ea_version=self.hello.ea,
            terminal_build=self.hello.build,
            key_id=self.key_id,
            key_expires_ms=self.key_expires_ms,
        )


# The token bucket of each terminal's role outlives its sessions, so an EA that floods, is cut
# off and reconnects at once does not start with a full bucket every time.
_BUCKETS: weakref.WeakKeyDictionary[EaTerminal, dict[Role, TokenBucket]] = (
    weakref.WeakKeyDictionary()
)


def _bucket_of(terminal: EaTerminal, role: Role, config: BridgeConfig, now: float) -> TokenBucket:
    buckets = _BUCKETS.setdefault(terminal, {})
    bucket = buckets.get(role)
    if bucket is None or (bucket.rate, bucket.capacity) != (config.rate_per_s, config.rate_burst):
        bucket = buckets[role] = TokenBucket(config.rate_per_s, config.rate_burst, now)
    return bucket


def _address(ws: ServerConnection) -> str:
    remote = ws.remote_address
    return str(remote[0]) if remote else "?"
