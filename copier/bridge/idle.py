"""Idle connections that leave nothing young behind: with ten thousand EAs connected, what
websockets renews on every frame must not pile up in the collector's young generations.

An idle EA sends one frame (a pong) every ping interval. After each, websockets leaves three new
objects on the connection that live until the next frame arrives, seconds later: the
``StreamReader.at_eof()`` generator its parser waits in, and the fresh ``events`` and ``writes``
lists of its protocol. With 10,000 sessions that is ~6,000 objects a second, each outliving
several young collections — and since each replaces one of the same kind that dies, the
allocation count that triggers young collections does not see them: generation 0 held tens of
thousands of objects (young collections of up to 16 ms) and generation 1 more (44 ms), all of
them walked over and over while a copy waited (bench/connections.py).

``keep_quiet`` changes a welcomed connection so that these are made once and reused: the
parser waits in one iterator per connection, and the two lists are kept and emptied, a copy
of each handed out (it dies as soon as its caller has walked it, as young garbage should).
What websockets does with them is unchanged. Per frame this costs ~1.5 µs more CPU (3 µs →
4.5 µs to parse a pong, the same process alternating both), ~3 ms a second with 10,000 EAs —
about what the shorter collections save; what it buys is their length.
"""

from __future__ import annotations

from websockets.protocol import Event, Protocol
from websockets.streams import StreamReader


class _EndWatch:
    """What ``StreamReader.at_eof()`` returns, made once per connection: a ``yield from`` over
    it waits (yields) until bytes or the end arrive, then gives whether the stream has ended —
    the generator's own loop, with no new object each time the parser waits."""

    __slots__ = ("_reader",)

    def __init__(self, reader: StreamReader) -> None:
        self._reader = reader

    def __iter__(self) -> _EndWatch:
        return self

    def __next__(self) -> None:
        reader = self._reader
        if reader.buffer:
            raise StopIteration(False)
        if reader.eof:
            raise StopIteration(True)


class _QuietReader(StreamReader):
    _end_watch: _EndWatch

    def at_eof(self) -> _EndWatch:  # type: ignore[override]
        return self._end_watch


class _Recycling(Protocol):
    """Put before a protocol class: ``events`` and ``writes`` are kept and emptied, and what
    is handed out is a copy — which dies as soon as its caller has walked it."""

    def events_received(self) -> list[Event]:
        events = self.events[:]
        self.events.clear()
        return events

    def data_to_send(self) -> list[bytes]:
        writes = self.writes[:]
        self.writes.clear()
        return writes


_RECYCLING: dict[type[Protocol], type[Protocol]] = {}


def _recycling(cls: type[Protocol]) -> type[Protocol]:
    quiet = _RECYCLING.get(cls)
    if quiet is None:
        quiet = _RECYCLING[cls] = type(f"Quiet{cls.__name__}", (_Recycling, cls), {})
    return quiet


def keep_quiet(protocol: Protocol) -> None:
    """Make ``protocol`` (a welcomed connection's, websockets ``ServerProtocol``) reuse what it
    would renew on every frame."""
    reader = protocol.reader
    if type(reader) is StreamReader:
        reader._end_watch = _EndWatch(reader)  # type: ignore[attr-defined]
        reader.__class__ = _QuietReader
    if not isinstance(protocol, _Recycling):
        protocol.__class__ = _recycling(type(protocol))
