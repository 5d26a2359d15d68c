"""A server connection that reads fairly and charges a session's token bucket when a frame
*arrives*, rather than when the session gets round to it.

- Bytes are parsed in slices of READ_CHUNK: a read of 256 KiB (thousands of small frames) is
  parsed one slice per loop turn, reading paused meanwhile, so parsing one EA's flood cannot
  hold the loop while another account's copy waits.
- Each data frame takes a token as it is parsed. A burst that overdraws the bucket is cut off
  there: the session is told at once (it writes its 4429 close frame and closes the socket) and
  nothing after it is parsed or queued. Before ``meter()`` (the hello) nothing is charged.
- A whole text frame may be taken by the session as it arrives (``meter``'s ``take_text``),
  without waking its reader: no queue put and get, no future, coroutine and async-generator
  step per frame (with ten thousand EAs, 2,000 pongs a second alone; a monitor's burst, tens
  of thousands of events). Only while nothing waits in the reader's queue: a frame left to the
  reader (one the session does not take) is not overtaken by those after it.
- The clock is read once per slice parsed: every frame of it arrived at that moment, and is
  charged (and handed to ``take_text``) with it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sized
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import DATA_OPCODES, Frame, Opcode
from websockets.typing import BytesLike

from copier.bridge.ratelimit import TokenBucket

READ_CHUNK = 8192  # bytes parsed per loop turn (~200 small frames, well under a millisecond)


# A whole text frame's payload and when it arrived (perf_counter s) → taken (True) or left
TakeText = Callable[[BytesLike, float], bool]


class MeteredConnection(ServerConnection):
    _bucket: TokenBucket | None = None
    _on_overdraw: Callable[[], None] | None = None
    _take_text: TakeText | None = None
    overdrawn = False
    arrived = 0.0  # perf_counter seconds when the slice being parsed was read

    # The reader's queue of frames (websockets' Assembler), known once metered: a frame is
    # taken as it arrives only while it is empty.
    _queued: Sized = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unparsed: deque[memoryview] = deque()  # views: a long read is not copied per slice
        self._holding = False  # reading paused here until the unparsed bytes are parsed
        self._early = 0  # data frames that arrived before the session's bucket was set

    def data_received(self, data: bytes) -> None:
        if self.overdrawn:
            return  # cut off (the session closes the socket): nothing more is parsed
        if self._unparsed:  # still working through an earlier read: keep the order
            self._unparsed.append(memoryview(data))
            return
        self._parse(memoryview(data))

    def _parse(self, data: memoryview) -> None:
        if len(data) > READ_CHUNK:
            self._unparsed.appendleft(data[READ_CHUNK:])
            data = data[:READ_CHUNK]
            if not self._holding:
                self._holding = True
                self.transport.pause_reading()
            self.loop.call_soon(self._parse_next)
        self.arrived = time.perf_counter()
        super().data_received(data.tobytes())

    def _parse_next(self) -> None:
        if self.overdrawn:
            self._unparsed.clear()
        if not self._unparsed:
            return
        self._parse(self._unparsed.popleft())
        if not self._unparsed and self._holding:
            self._holding = False
            if not self.recv_messages.paused and not self.transport.is_closing():
                self.transport.resume_reading()  # unless websockets' own flow control holds it

    def eof_received(self) -> None:
        while self._unparsed:  # the peer is gone: what it sent before comes first
            self.arrived = time.perf_counter()
            super().data_received(self._unparsed.popleft().tobytes())
        super().eof_received()

    def meter(
        self,
        bucket: TokenBucket,
        on_overdraw: Callable[[], None],
        take_text: TakeText | None = None,
    ) -> None:
        """Charge ``bucket`` one token per data frame — those that came with or after the
        hello, before the session began, at once — and from now on as they arrive;
        ``on_overdraw`` runs once, when a frame finds it empty. ``take_text`` sees each whole
        text frame once it is charged, while nothing waits in ``recv``'s queue; what it takes
        is not queued."""
        self._bucket = bucket
        self._on_overdraw = on_overdraw
        self._take_text = take_text
        self._queued = self.recv_messages.frames.queue
        if self._early and not bucket.take(time.perf_counter(), self._early):
            self._overdraw()

    def _overdraw(self) -> None:
        self.overdrawn = True
        if self._on_overdraw is not None:
            self._on_overdraw()

    def process_event(self, event: object) -> None:
        if isinstance(event, Frame) and event.opcode in DATA_OPCODES:
            bucket = self._bucket
            if bucket is None:
                self._early += 1  # charged when the session begins (``meter``)
            elif self.overdrawn:
                return  # the session is closing for the flood: drop, do not queue
            elif not bucket.take(self.arrived):
                self._overdraw()
                return
            elif (
                event.opcode is _TEXT
                and event.fin
                and not self._queued
                and self._take_text is not None
                and self._take_text(event.data, self.arrived)
            ):
                return
        super().process_event(event)  # type: ignore[arg-type]


_TEXT = Opcode.TEXT
