"""The one interface every terminal adapter implements: events out, commands in, snapshots.

Adapters: simulated (``terminals.simulated``), EA session (``terminals.ea``), MT5 direct
(``terminals.mt5``). The copy service never knows which one it talks to.

Delivery contract:
* ``sink.on_event(event)`` is awaited by the adapter; when it returns, the event and the commands
  made from it are durable, and only then may the adapter acknowledge it to its source. Events
  carry a per-account ``seq``; the sink drops a ``seq`` it has already handled.
  ``sink.on_events(events)`` does the same for consecutive events of one account that arrived
  together (in seq order): when it returns all of them are durable; when it raises, none may be
  acknowledged. A sink that takes events one by one says ``on_events = events_one_by_one``.
* ``submit(command)`` never blocks; the result arrives later through ``sink.on_result``, never
  from inside ``submit``: the copy service submits a decision's commands before it commits the
  decision, and a result must reach the store after the decision it settles. An
  adapter must execute a command id at most once, even if it is submitted again (after a
  reconnect or a copier restart): a repeat is answered with the first result (or DUPLICATE).
* ``sink.on_status`` reports connection changes and health figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from copier.domain import Command, ExecutionResult, MasterEvent, TerminalSnapshot, TerminalStatus


class TerminalSink(Protocol):
    async def on_event(self, event: MasterEvent) -> None: ...

    async def on_events(self, events: Sequence[MasterEvent]) -> None: ...

    def on_result(self, result: ExecutionResult) -> None: ...

    def on_status(self, status: TerminalStatus) -> None: ...


class TakesEvents(Protocol):
    async def on_event(self, event: MasterEvent) -> None: ...


async def events_one_by_one(sink: TakesEvents, events: Sequence[MasterEvent]) -> None:
    """``on_events`` for a sink that takes events one at a time: each awaited in turn."""
    for event in events:
        await sink.on_event(event)


@runtime_checkable
class Terminal(Protocol):
    """A MetaTrader account as the copier sees it."""

    @property
    def account_id(self) -> str: ...

    @property
    def kind(self) -> str:
        """'simulated', 'ea' or 'mt5'."""
        ...

    @property
    def connected(self) -> bool: ...

    async def start(self, sink: TerminalSink) -> None: ...

    async def stop(self) -> None: ...

    def submit(self, command: Command) -> None: ...

    async def snapshot(self) -> TerminalSnapshot: ...
