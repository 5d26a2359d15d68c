"""The waiting room: connections that have not had their ``hello`` answered yet, capped per
source (all loopback is one source) and overall so junk connections cannot pile up memory.

A newcomer is never turned away for the cap — that would let any local process lock the EAs
out by holding connections open. Instead the *oldest* waiting connection of its source (or,
over the overall cap, the oldest of all) is dropped at once: a real EA sends its hello as soon
as it is connected and leaves the room within milliseconds, so the ones that linger — and go
first — are the junk.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator

from websockets.asyncio.server import ServerConnection

Evicted = Callable[[ServerConnection, str], None]  # (connection, source) dropped for room


class WaitingRoom:
    def __init__(self, per_source: int, total: int, on_evict: Evicted | None = None) -> None:
        self.per_source = per_source
        self.total = total
        self._on_evict = on_evict
        self._all: OrderedDict[ServerConnection, str] = OrderedDict()
        self._by_source: dict[str, OrderedDict[ServerConnection, None]] = {}
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._all)

    @contextlib.contextmanager
    def waiting(self, ws: ServerConnection, source: str) -> Iterator[None]:
        """Count ``ws`` as waiting for the block (its hello read and answered)."""
        self._enter(ws, source)
        try:
            yield
        finally:
            self._leave(ws)

    def _enter(self, ws: ServerConnection, source: str) -> None:
        mine = self._by_source.setdefault(source, OrderedDict())
        while len(mine) >= self.per_source:
            self._evict(next(iter(mine)))
        while len(self._all) >= self.total:
            self._evict(next(iter(self._all)))
        mine = self._by_source.setdefault(source, OrderedDict())
        mine[ws] = None
        self._all[ws] = source

    def _leave(self, ws: ServerConnection) -> None:
        source = self._all.pop(ws, None)
        if source is None:
            return
        mine = self._by_source[source]
        del mine[ws]
        if not mine:
            del self._by_source[source]

    def _evict(self, ws: ServerConnection) -> None:
        source = self._all.get(ws, "")
        self._leave(ws)
        self.evicted += 1
        ws.transport.abort()  # no close handshake: a junk peer may never read it
        if self._on_evict is not None:
            self._on_evict(ws, source)
