"""The waiting room caps connections whose hello is not answered yet, per source and overall,
by dropping the oldest — never by turning a newcomer away (issue #15: 2,000 junk connections
were all held)."""

from __future__ import annotations

from typing import cast

from websockets.asyncio.server import ServerConnection

from copier.bridge.waiting import WaitingRoom


class FakeTransport:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class FakeWs:
    def __init__(self, name: str) -> None:
        self.name = name
        self.transport = FakeTransport()


def _ws(name: str) -> ServerConnection:
    return cast(ServerConnection, FakeWs(name))


def test_the_oldest_of_a_source_goes_when_the_source_is_full() -> None:
    dropped: list[tuple[str, str]] = []
    room = WaitingRoom(2, 10, lambda ws, source: dropped.append((ws.name, source)))  # type: ignore[attr-defined]
    first, second, third, other = _ws("a1"), _ws("a2"), _ws("a3"), _ws("b1")

    with (
        room.waiting(first, "a"),
        room.waiting(other, "b"),
        room.waiting(second, "a"),
        room.waiting(third, "a"),
    ):
        inside = len(room)

    assert dropped == [("a1", "a")] and first.transport.aborted  # type: ignore[attr-defined]
    assert not third.transport.aborted and not other.transport.aborted  # type: ignore[attr-defined]
    assert inside == 3 and len(room) == 0 and room.evicted == 1


def test_the_oldest_of_all_goes_when_the_room_is_full() -> None:
    room = WaitingRoom(10, 3)
    conns = [_ws(f"c{n}") for n in range(5)]
    for n, ws in enumerate(conns):
        room._enter(ws, f"s{n}")

    assert len(room) == 3
    assert [ws.transport.aborted for ws in conns] == [True, True, False, False, False]  # type: ignore[attr-defined]
