"""A link's preview: the master's recent history replayed through rules being edited, by the same
pure engine the copier decides with (``copier.engine.router.route``), with no I/O and no Qt.

The replay starts from nothing copied on the slave, routes each master event as the copier
would at the moment it decided it, and takes every copy as done exactly as asked (at the
master's price, the whole volume), so the next event finds the copies a live run would have
made. It says, event by event, what would have been sent (kind, slave symbol, side, lots,
adjustments) and what would have been refused (the rule and its reason), and prices each
closed copy against the master's own trade where both symbols' specs are known.

The history comes from the trade log's master events (``copier.store.queries.master_events``)
or, when the log has none, from the master's snapshot: each open position and pending order
as if it had just been placed (``events_from_snapshot``).

What it cannot know is said in ``PreviewResult.assumptions``: the slave's balance and equity
are today's, so ratio and risk sizing and the loss rules use today's figures, and fills are
taken at the master's prices, so slippage and requotes are not in the P&L.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import count

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Position,
    Retcode,
    SymbolSpec,
    TerminalSnapshot,
)
from copier.engine.book import LegBook, apply_outcome, find, live, positions, store
from copier.engine.config import Link
from copier.engine.results import apply_result
from copier.engine.router import route
from copier.engine.state import MasterView, SlaveView, TicketLink
from copier.engine.values import changed

ASSUMPTIONS = (
    "Starts with nothing copied on the slave.",
    "Uses the slave's balance and equity of now for ratio and risk sizing and loss limits.",
    "Takes every copy as filled at the master's price: no slippage, requotes or rejections.",
    "Copies pending orders as pending orders: whether the slave's market had already reached "
    "an order's price at the time is not known from the history.",
)

_MARKET_DEALS = (CommandKind.OPEN, CommandKind.FILL_PENDING, CommandKind.CLOSE)


@dataclass(frozen=True, slots=True)
class Replayed:
    """One master event to replay and the time the copier decided it (its ``now``)."""

    event: MasterEvent
    decided_ms: int


@dataclass(frozen=True, slots=True)
class PreviewCopy:
    """A command the engine would have sent for one master event."""

    kind: CommandKind
    slave_symbol: str
    side: str
    volume: float
    price: float
    adjustments: tuple[str, ...] = ()  # reasons a rule changed it (a lot capped...)


@dataclass(frozen=True, slots=True)
class PreviewDenial:
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class PreviewStep:
    """One master event and what the link would have done with it."""

    event: MasterEvent
    copies: tuple[PreviewCopy, ...] = ()
    denials: tuple[PreviewDenial, ...] = ()
    copy_pnl: float | None = None  # realised by this event's closes, slave's currency
    master_pnl: float | None = None  # the master's realised P&L of the same closes


@dataclass(frozen=True, slots=True)
class PreviewResult:
    steps: tuple[PreviewStep, ...]
    source: str  # "trade log" or "snapshot"
    assumptions: tuple[str, ...] = ASSUMPTIONS

    @property
    def copies(self) -> int:
        return sum(len(s.copies) for s in self.steps)

    @property
    def denials(self) -> int:
        return sum(len(s.denials) for s in self.steps)

    @property
    def copy_pnl(self) -> float | None:
        return _total(s.copy_pnl for s in self.steps)

    @property
    def master_pnl(self) -> float | None:
        return _total(s.master_pnl for s in self.steps)


def _total(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


@dataclass(slots=True)
class _Replay:
    """The replay's own memory: the link's ticket book, the copies' and the master's entry
    prices, and the order times the rate rule reads."""

    link: Link
    master: MasterView
    slave: SlaveView
    book: LegBook = field(default_factory=dict)
    copy_entries: dict[tuple[int, int], float] = field(default_factory=dict)  # (ticket, leg)
    master_entries: dict[int, tuple[float, float]] = field(default_factory=dict)  # price, lots
    order_times: list[int] = field(default_factory=list)
    slave_tickets: count[int] = field(default_factory=lambda: count(1))

    def slave_view(self) -> SlaveView:
        held = tuple(
            Position(ticket=t.slave_ticket or 0, symbol=t.slave_symbol, side=t.side,
                     volume=t.slave_volume, open_price=self.copy_entries.get(ticket_key(t), 0.0))
            for legs in self.book.values() for t in positions(legs)
        )
        return changed(self.slave, positions=held, orders=(),
                       recent_order_times_ms=tuple(self.order_times[-1000:]))

    def step(self, item: Replayed) -> PreviewStep:
        event = item.event
        copied = _copied(self.book, event)
        outcome = route(event, self.link, self.book, self.master, self.slave_view(),
                        item.decided_ms)
        apply_outcome(self.book, outcome)
        adjusted = [a.reason for a in outcome.adjustments]
        copies = []
        copy_pnl: float | None = None
        for command in outcome.commands:
            copies.append(PreviewCopy(command.kind, command.symbol,
                                      command.order_type.side.value, command.volume,
                                      command.price, tuple(adjusted)))
            realised = self._fill(command, event, item.decided_ms)
            if realised is not None:
                copy_pnl = (copy_pnl or 0.0) + realised
        master_pnl = self._master_fill(event, copied)
        return PreviewStep(
            event=event,
            copies=tuple(copies),
            denials=tuple(PreviewDenial(d.rule, d.reason) for d in outcome.denials),
            copy_pnl=copy_pnl if copies else None,
            master_pnl=master_pnl,
        )

    def _fill(self, command: Command, event: MasterEvent, now_ms: int) -> float | None:
        """Take ``command`` as done exactly as asked; return the P&L a close realised."""
        self.order_times.append(now_ms)
        ticket = find(self.book, command.master_ticket, command.leg)
        if ticket is None:
            return None
        slave_ticket = ticket.slave_ticket or next(self.slave_tickets)
        # A market deal at the master's own price (a close command carries none of its own).
        price = event.price if command.kind in _MARKET_DEALS else command.price
        done = ExecutionResult(command.id, command.slave_id, Retcode.DONE,
                               slave_ticket=slave_ticket, volume=command.volume,
                               price=price, executed_ms=now_ms)
        realised = None
        if command.kind is CommandKind.CLOSE:
            entry = self.copy_entries.get(ticket_key(ticket), price)
            spec = self.slave.symbols.get(command.symbol)
            realised = _money(spec, (price - entry) * ticket.side.sign, command.volume)
        elif command.kind in _MARKET_DEALS:
            self.copy_entries[ticket_key(ticket)] = price
        store(self.book, apply_result(ticket, command, done))
        return realised

    def _master_fill(self, event: MasterEvent, copied: bool) -> float | None:
        """Follow the master's own position; return what a close of a copied one realised."""
        ticket = event.new_ticket or event.ticket
        if event.kind in (EventKind.OPENED, EventKind.PENDING_FILLED):
            self.master_entries[ticket] = (event.price, event.volume)
            return None
        held = self.master_entries.get(event.ticket)
        if held is None:
            return None
        price, volume = held
        if event.kind is EventKind.INCREASED and event.volume > volume:
            added = event.volume - volume
            self.master_entries[ticket] = ((price * volume + event.price * added) / event.volume,
                                           event.volume)
            return None
        if event.kind not in (EventKind.CLOSED, EventKind.PARTIALLY_CLOSED):
            return None
        closed = event.closed_volume if event.closed_volume > 0 else volume
        self.master_entries.pop(event.ticket, None)
        if event.volume > 0:
            self.master_entries[ticket] = (price, event.volume)
        if not copied:
            return None
        spec = self.master.symbols.get(event.symbol)
        return _money(spec, (event.price - price) * event.side.sign, closed)


def _copied(book: LegBook, event: MasterEvent) -> bool:
    """Whether the link holds a copy of the ticket a close is about."""
    return event.kind in (EventKind.CLOSED, EventKind.PARTIALLY_CLOSED) and bool(
        live(book.get(event.ticket, ())))


def _money(spec: SymbolSpec | None, move: float, volume: float) -> float | None:
    if spec is None or spec.tick_size <= 0:
        return None
    return move / spec.tick_size * spec.tick_value * volume


def preview_link(link: Link, history: Sequence[Replayed], master: MasterView,
                 slave: SlaveView, source: str = "trade log") -> PreviewResult:
    """What ``link`` would have done with ``history``, event by event (see the module)."""
    replay = _Replay(replace(link, enabled=True), master, slave)
    return PreviewResult(tuple(replay.step(item) for item in history), source)


def events_from_snapshot(snapshot: TerminalSnapshot, now_ms: int) -> list[Replayed]:
    """The master's open positions and pending orders as if each had just been placed."""
    account = snapshot.account.account_id
    seq = count(1)
    found = [
        Replayed(MasterEvent(account, next(seq), EventKind.OPENED, p.ticket, p.symbol,
                             OrderType.market(p.side), p.volume, p.open_price, now_ms, p.sl, p.tp,
                             magic=p.magic, comment=p.comment, received_ms=now_ms), now_ms)
        for p in snapshot.positions
    ]
    found += [
        Replayed(MasterEvent(account, next(seq), EventKind.PENDING_PLACED, o.ticket, o.symbol,
                             o.order_type, o.volume, o.price, now_ms, o.sl, o.tp,
                             magic=o.magic, comment=o.comment, received_ms=now_ms), now_ms)
        for o in snapshot.orders
    ]
    return found


def views_of(master: TerminalSnapshot, slave: TerminalSnapshot) -> tuple[MasterView, SlaveView]:
    """The engine's views of two accounts from their snapshots, the slave with nothing held and
    no quotes: today's prices say nothing of whether the slave's market had reached a pending
    order's price back then, so the replay never decides on them."""
    equity = slave.account.equity
    return (MasterView(account=master.account, symbols=master.symbols),
            SlaveView(account=slave.account, symbols=slave.symbols, quotes={},
                      day_start_equity=equity, equity_peak_day=equity,
                      equity_peak_all_time=equity))


def ticket_key(ticket: TicketLink) -> tuple[int, int]:
    return ticket.master_ticket, ticket.leg
