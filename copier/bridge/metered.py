"""A server connection that reads fairly and charges a session's token bucket when a frame
*arrives*, rather than when the session gets round to it.

- Bytes are parsed in slices of READ_CHUNK: a read of 256 KiB (thousands of small frames) is
  parsed one slice per loop turn, reading paused meanwhile, so parsing one EA's flood cannot
  hold the loop while another account's copy waits.
- Each data frame takes a token as it is parsed. A burst that overdraws the bucket is cut off
  there: the session is told at once (it writes its 4429 close frame and closes the socket) and
  nothing after it is parsed or queued. Before ``meter()`` (the hello) nothing is charged.
- A whole text frame may be taken by the session as it arrives (``meter``'s ``take_text``):
  the session answers heartbeats so, without waking its reader for each one — with ten
  thousand EAs that is 2,000 pongs a second, each of which otherwise left a new future,
  coroutine and async-generator step behind to outlive a young collection.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.frames import DATA_OPCODES, Frame, Opcode
from websockets.typing import BytesLike

from copier.bridge.ratelimit import TokenBucket

READ_CHUNK = 8192  # bytes parsed per loop turn (~200 small frames, well under a millisecond)


TakeText = Callable[[BytesLike], bool]  # a whole text frame's payload → taken (True) or left


class MeteredConnection(ServerConnection):
    _bucket: TokenBucket | None = None
    _on_overdraw: Callable[[], None] | None = None
    _take_text: TakeText | None = None
    overdrawn = False

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
        text frame once it is charged; what it takes is not queued for ``recv``."""
        self._bucket = bucket
        self._on_overdraw = on_overdraw
        self._take_text = take_text
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
            elif not bucket.take(time.perf_counter()):
                self._overdraw()
                return
            elif (
                event.opcode is _TEXT
                and event.fin
                and self._take_text is not None
                and self._take_text(event.data)
            ):
                return
        super().process_event(event)  # type: ignore[arg-type]


_TEXT = Opcode.TEXT
