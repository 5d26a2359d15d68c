"""Plain data the engine decides over: ticket links, views of master and slave, and outcomes.

The router is a pure function
``route(event, link, tickets, master, slave, now_ms) -> RouteOutcome``; these are its inputs and
outputs. The copy service owns the mutable copies and the store persists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Any, overload

import msgspec

from copier.domain import (
    AccountInfo,
    Command,
    PendingOrder,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from copier.engine.config import DrawdownAction
from copier.engine.tradingday import UTC_CLOCK, TradingClock
from copier.engine.values import changed


class TicketState(StrEnum):
    OPENING = "opening"  # open/place command sent, no result yet
    OPEN = "open"  # slave position exists
    PENDING = "pending"  # slave pending order exists
    CLOSING = "closing"  # full close sent, no result yet
    CLOSED = "closed"  # closed on the slave (or pending deleted)
    FAILED = "failed"  # the opening command failed or was denied; nothing on the slave


class TicketLink(msgspec.Struct, frozen=True):
    """One master ticket (or one leg of it) copied by one link to one slave order or position.

    A msgspec Struct, as ``Command`` is (domain.py): the router books one per link and event, and
    every result changes one (``values.changed``).

    On netting slaves several ticket links share one ``slave_ticket`` (the symbol's position); each
    one's ``slave_volume`` is its own contribution, signed by ``side``.

    ``copy_ticket`` is the master ticket the copy's comment names (TC|<ticket>) when a re-key
    moved the link away from it (an MT4 partial close renumbers the master's remainder; the
    copy's comment keeps the ticket it was opened for); 0 means ``master_ticket``.
    """

    link_id: int
    master_ticket: int
    slave_symbol: str
    side: Side
    state: TicketState
    slave_ticket: int | None = None
    slave_volume: float = 0.0  # volume held on the slave for this master ticket now
    master_volume: float = 0.0  # master's volume now
    leg: int = 0
    is_pending: bool = False
    sl: float = 0.0
    tp: float = 0.0
    opened_ms: int = 0
    last_command_id: str = ""
    copy_ticket: int = 0

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.link_id, self.master_ticket, self.leg)

    @property
    def comment_ticket(self) -> int:
        """The master ticket in the copy's comment: the one executors find the copy by."""
        return self.copy_ticket or self.master_ticket

    def rekeyed(self, master_ticket: int, master_volume: float) -> TicketLink:
        """This copy under the master's new ticket; its comment still names the old one."""
        copy_ticket = self.comment_ticket if self.comment_ticket != master_ticket else 0
        return changed(
            self, master_ticket=master_ticket, master_volume=master_volume, copy_ticket=copy_ticket
        )


class MasterView(msgspec.Struct, frozen=True):
    account: AccountInfo
    symbols: dict[str, SymbolSpec] = msgspec.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskStop:
    """A risk stop in force on one link: set when a limit was breached, it holds (whatever the
    equity does next) until its trading day ends or the trader lifts it. ``action`` is what it
    does: stop opening, close-only, or close every copy (done once, when it is set)."""

    link_id: int
    rule: str  # max_daily_loss | max_drawdown | equity_floor | daily_profit_target
    reason: str
    action: DrawdownAction
    trading_day: int
    since_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"link_id": self.link_id, "rule": self.rule, "reason": self.reason,
                "action": self.action.value, "trading_day": self.trading_day,
                "since_ms": self.since_ms}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskStop:
        return cls(int(data["link_id"]), str(data["rule"]), str(data["reason"]),
                   DrawdownAction(data["action"]), int(data["trading_day"]),
                   int(data["since_ms"]))  # fmt: skip


class OrderTimes(Sequence[int]):
    """Send times (ms) of a slave's recent commands, oldest first, as a view holds them: the
    window ``[start, stop)`` of a list its owner only ever appends to (``AccountViews``), so
    taking it copies nothing and nothing changes it afterwards. It equals the tuple of its
    times."""

    __slots__ = ("_start", "_stop", "_times")

    def __init__(self, times: list[int], start: int, stop: int) -> None:
        self._times, self._start, self._stop = times, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[int, ...]: ...

    def __getitem__(self, index: int | slice) -> int | tuple[int, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        n = len(self)
        at = index + n if index < 0 else index
        if not 0 <= at < n:
            raise IndexError("order time index out of range")
        return self._times[self._start + at]

    def __iter__(self) -> Iterator[int]:
        return islice(self._times, self._start, self._stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderTimes | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


class SlaveView(msgspec.Struct, frozen=True):
    """What protection rules may look at about a slave when deciding.

    A msgspec Struct, as ``MasterView`` and ``RouteOutcome`` are: the copy service builds one
    per slave and event (its order times change with every command sent) and the router one
    outcome per link and event; change one with ``values.changed``."""

    account: AccountInfo
    positions: tuple[Position, ...] = ()
    orders: tuple[PendingOrder, ...] = ()
    symbols: dict[str, SymbolSpec] = msgspec.field(default_factory=dict)
    quotes: dict[str, Quote] = msgspec.field(default_factory=dict)
    day_start_equity: float = 0.0  # 0: unknown
    equity_peak_day: float = 0.0
    equity_peak_all_time: float = 0.0
    recent_order_times_ms: Sequence[int] = ()  # commands sent to this slave, newest last
    connected: bool = True
    clock: TradingClock = UTC_CLOCK  # the broker's clock: trading day, hours and days
    risk_stops: Mapping[int, RiskStop] = msgspec.field(default_factory=dict)  # in force, by link


@dataclass(frozen=True, slots=True)
class CopyDenied:
    """A copy the rules refused: ``rule`` is the rule's short name, ``reason`` says it in words,
    e.g. ``"EURUSD.m: lot 0.004 below broker minimum 0.01 — copy skipped"``."""

    link_id: int
    slave_id: str
    master_ticket: int
    master_seq: int
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class CopyAdjusted:
    """A copy that went out changed by a rule, e.g. its volume clamped: ``rule`` names the rule,
    ``reason`` says it in words ("EURUSD.m: lot 3.00 capped at the link's max lot 2.00")."""

    link_id: int
    slave_id: str
    master_ticket: int
    master_seq: int
    rule: str
    reason: str


class RouteOutcome(msgspec.Struct, frozen=True):
    commands: tuple[Command, ...] = ()
    denials: tuple[CopyDenied, ...] = ()
    # Ticket links created or changed by the decision itself (e.g. a new OPENING link, or the
    # re-keying of an MT4 partial-close remainder to its new ticket). Results update them later.
    tickets: tuple[TicketLink, ...] = ()
    # Keys (link_id, master_ticket, leg) the decision retired: a re-keyed link's old key, which
    # the owner of the ticket links drops after storing ``tickets``.
    retired_keys: tuple[tuple[int, int, int], ...] = ()
    # Copies sent with a changed volume or price, each with the rule and a human reason.
    adjustments: tuple[CopyAdjusted, ...] = ()
