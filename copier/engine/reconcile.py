"""Links against the terminals' real positions: what differs, for the service to act on (SPEC §6).

``reconcile(link, tickets, master, slave)`` checks one link; ``reconcile_slave(sides, slave)``
checks every link into one slave at once, which is what netting sums and orphan attribution
need when several links copy to the same account. Pure: it reports, the service decides.

* missing — the link says OPEN (or PENDING) and the master still holds it, the slave has nothing;
* orphans — a slave position/order carrying TC|<ticket> (or known to the link) whose master
  ticket is no longer open on the master;
* volume mismatches — hedging: the copy's volume ≠ the link's; netting: the symbol position's
  signed volume ≠ the sum of every link's signed contributions to it;
* adoptable — a slave position/order with TC|<ticket> the link table lacks while the master still
  holds that ticket: a ticket link to adopt;
* stale — the link says OPEN/PENDING, yet neither side holds it any more.

Ticket links in flight (OPENING, CLOSING) are neither judged nor counted against: their results
are still coming. A TC| position is attributed to the links whose ``slave_magic`` equals its
magic; give links into one slave distinct magics for orphans to be attributed to exactly one.

A copy's comment names the master ticket it was opened for. A ticket link re-keyed since (an MT4
master's renumbered remainder) keeps that ticket as ``copy_ticket``, and a comment naming it is
read as that link's current master ticket.

A position copy of a master ticket the master still holds as a pending order is the copy of an
order whose price the slave's market had already reached (``pending_reached`` = market), and a
pending copy of a master position waits for that position's price (``copy_existing`` =
pending): either is judged as held by its master.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from copier.domain import (
    MarginMode,
    PendingOrder,
    Position,
    TerminalSnapshot,
    parse_copy_comment,
)
from copier.engine.book import TicketBook, all_legs
from copier.engine.config import Link
from copier.engine.report import LinkSide, Orphan, ReconcileReport, VolumeMismatch
from copier.engine.state import TicketLink, TicketState
from copier.engine.values import changed

__all__ = [
    "LinkSide",
    "Orphan",
    "ReconcileReport",
    "VolumeMismatch",
    "reconcile",
    "reconcile_slave",
]

_TOLERANCE = 1e-6
_IN_FLIGHT = frozenset({TicketState.OPENING, TicketState.CLOSING})
_HELD = frozenset({TicketState.OPEN, TicketState.PENDING})
_LIVE = _HELD | _IN_FLIGHT


def reconcile(
    link: Link,
    tickets: Iterable[TicketLink] | TicketBook,
    master: TerminalSnapshot,
    slave: TerminalSnapshot,
    *,
    others: Sequence[LinkSide] = (),
) -> ReconcileReport:
    """One link's report. ``tickets`` may hold the ticket links of every link into the slave:
    the others' are not judged, but they count in netting sums and their copies are not taken
    for this link's orphans. ``others`` may add other links with their masters to judge them."""
    flat = all_legs(tickets) if isinstance(tickets, Mapping) else tuple(tickets)
    judged = {link.id, *(side.link.id for side in others)}
    own = tuple(t for t in flat if t.link_id == link.id)
    foreign = tuple(t for t in flat if t.link_id not in judged)
    report = reconcile_slave((LinkSide(link, own, master), *others), slave, foreign=foreign)
    return report.for_link(link.id)


def reconcile_slave(
    sides: Sequence[LinkSide], slave: TerminalSnapshot, *, foreign: Iterable[TicketLink] = ()
) -> ReconcileReport:
    """Every link into ``slave`` against its real positions and orders. ``foreign`` ticket
    links belong to links whose masters are not given: counted and recognised, not judged."""
    found = _Found()
    foreign = tuple(foreign)
    if slave.account.margin_mode is MarginMode.NETTING:
        _check_netting(sides, foreign, slave, found)
    else:
        _check_hedging(sides, slave, _known_copies(sides, foreign, pending=False), found)
    _check_pendings(sides, slave, _known_copies(sides, foreign, pending=True), found)
    return ReconcileReport(
        missing=tuple(found.missing),
        orphans=tuple(found.orphans),
        volume_mismatches=tuple(found.mismatches),
        adoptable=tuple(found.adoptable),
        stale=tuple(found.stale),
    )


@dataclass
class _Found:
    """What a reconciliation has found so far, and the masters' tickets indexed once."""

    missing: list[TicketLink] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    mismatches: list[VolumeMismatch] = field(default_factory=list)
    adoptable: list[TicketLink] = field(default_factory=list)
    stale: list[TicketLink] = field(default_factory=list)
    _positions: dict[int, dict[int, Position]] = field(default_factory=dict)
    _orders: dict[int, dict[int, PendingOrder]] = field(default_factory=dict)
    _rekeyed: dict[int, dict[int, int]] = field(default_factory=dict)

    def master_positions(self, side: LinkSide) -> dict[int, Position]:
        key = id(side.master)
        if key not in self._positions:
            self._positions[key] = {p.ticket: p for p in side.master.positions}
        return self._positions[key]

    def master_orders(self, side: LinkSide) -> dict[int, PendingOrder]:
        key = id(side.master)
        if key not in self._orders:
            self._orders[key] = {o.ticket: o for o in side.master.orders}
        return self._orders[key]

    def holds_position_of(self, side: LinkSide, ticket: int) -> bool:
        """The master holds ``ticket`` as a position, or as the pending order a position copy
        was opened at market for."""
        return ticket in self.master_positions(side) or ticket in self.master_orders(side)

    def master_volume(self, side: LinkSide, ticket: int) -> float:
        held = self.master_positions(side).get(ticket) or self.master_orders(side).get(ticket)
        return held.volume if held is not None else 0.0

    def master_ticket(self, side: LinkSide, comment_ticket: int) -> int:
        """The master ticket a copy whose comment names ``comment_ticket`` copies for this link:
        the new ticket of a ticket link re-keyed away from it, else that ticket itself."""
        key = id(side)
        if key not in self._rekeyed:
            self._rekeyed[key] = {
                t.copy_ticket: t.master_ticket for t in side.tickets if t.copy_ticket
            }
        return self._rekeyed[key].get(comment_ticket, comment_ticket)


Known = Mapping[int, tuple[LinkSide | None, TicketLink]]


def _known_copies(
    sides: Sequence[LinkSide], foreign: tuple[TicketLink, ...], *, pending: bool
) -> Known:
    """Slave ticket → the live ticket link that holds it (with its side; None for a foreign one).
    Positions and orders are looked up apart: MT5 gives a filled order's position its number."""
    known: dict[int, tuple[LinkSide | None, TicketLink]] = {}
    owned = [(side, t) for side in sides for t in side.tickets]
    for side, t in [*((None, t) for t in foreign), *owned]:
        if t.is_pending == pending and t.state in _LIVE and t.slave_ticket is not None:
            known[t.slave_ticket] = (side, t)
    return known


# --- hedging ------------------------------------------------------------------------------------


def _check_hedging(
    sides: Sequence[LinkSide], slave: TerminalSnapshot, known: Known, found: _Found
) -> None:
    by_ticket = {p.ticket: p for p in slave.positions}
    for side in sides:
        for t in side.tickets:
            if t.is_pending or t.state is not TicketState.OPEN:
                continue
            copy = by_ticket.get(t.slave_ticket) if t.slave_ticket is not None else None
            if copy is None:
                held = found.holds_position_of(side, t.master_ticket)
                (found.missing if held else found.stale).append(t)
            elif abs(copy.volume - t.slave_volume) > _TOLERANCE:
                found.mismatches.append(
                    VolumeMismatch(
                        (side.link.id,), copy.symbol, copy.ticket, t.slave_volume, copy.volume,
                        f"{copy.symbol}: copy #{copy.ticket} holds {copy.volume:g} lots, "
                        f"the link expects {t.slave_volume:g}",
                    )
                )  # fmt: skip
    for position in slave.positions:
        _judge_copy(sides, position, position.volume, known, found, is_pending=False)


def _judge_copy(
    sides: Sequence[LinkSide],
    item: Position | PendingOrder,
    volume: float,
    known: Known,
    found: _Found,
    *,
    is_pending: bool,
) -> None:
    """One slave position or order: a known copy, an orphan, adoptable, or not ours."""

    def master_holds(side: LinkSide, ticket: int) -> bool:
        # Either way round: a position copy opened at market for a master order its price had
        # reached, or a pending copy waiting for a master position's price (copy_existing).
        return found.holds_position_of(side, ticket)

    if item.ticket in known:
        side, t = known[item.ticket]
        if side is not None and t.state in _HELD and not master_holds(side, t.master_ticket):
            why = "its master ticket is closed"
            found.orphans.append(
                _orphan((side.link.id,), t.master_ticket, item, volume, is_pending, why)
            )
        return
    comment_ticket = parse_copy_comment(item.comment)
    if comment_ticket is None:
        return  # not a copy
    candidates = [
        (s, found.master_ticket(s, comment_ticket))
        for s in sides
        if s.link.rules.slave_magic == item.magic
    ]
    if not is_pending and any(_filled_ahead(s, ticket, found) for s, ticket in candidates):
        return  # a pending copy the slave's market filled first: the master's fill will follow
    holders = [(s, ticket) for s, ticket in candidates if master_holds(s, ticket)]
    if not holders:
        if candidates:
            ids = tuple(s.link.id for s, _ in candidates)
            why = "its master ticket is closed"
            found.orphans.append(_orphan(ids, comment_ticket, item, volume, is_pending, why))
        return
    if len(holders) > 1:
        return  # the same ticket open on several masters: nothing exact to say
    holder, master_ticket = holders[0]
    legs = [t for t in holder.tickets if t.master_ticket == master_ticket]
    if any(t.state in _IN_FLIGHT for t in legs):
        return  # probably this copy, its result not applied yet
    if any(t.state in _HELD and t.is_pending == is_pending for t in legs):
        found.orphans.append(
            _orphan(
                (holder.link.id,),
                master_ticket,
                item,
                volume,
                is_pending,
                "an extra copy the link does not know",
            )
        )
        return
    adopted = _adopt(holder, master_ticket, item, volume, legs, found, is_pending)
    if comment_ticket != master_ticket:
        adopted = changed(adopted, copy_ticket=comment_ticket)
    found.adoptable.append(adopted)


def _filled_ahead(side: LinkSide, master_ticket: int, found: _Found) -> bool:
    """The master still holds ``master_ticket`` as a pending order and the link holds a pending
    copy of it: a slave position with that ticket's comment is that copy, filled first."""
    if master_ticket not in found.master_orders(side):
        return False
    return any(t.master_ticket == master_ticket and t.is_pending and t.state in _HELD
               for t in side.tickets)


def _orphan(
    link_ids: tuple[int, ...],
    master_ticket: int,
    item: Position | PendingOrder,
    volume: float,
    is_pending: bool,
    why: str,
) -> Orphan:
    what = "order" if is_pending else "position"
    return Orphan(
        link_ids, master_ticket, item.ticket, item.symbol, volume, is_pending,
        f"{item.symbol}: slave {what} #{item.ticket} copies master #{master_ticket}: {why}",
    )  # fmt: skip


def _adopt(
    holder: LinkSide,
    master_ticket: int,
    item: Position | PendingOrder,
    volume: float,
    legs: list[TicketLink],
    found: _Found,
    is_pending: bool,
) -> TicketLink:
    adopted_before = sum(
        1
        for t in found.adoptable
        if t.link_id == holder.link.id and t.master_ticket == master_ticket
    )
    leg = max((t.leg for t in legs), default=-1) + 1 + adopted_before
    if is_pending:
        assert isinstance(item, PendingOrder)
        side, master_volume = item.order_type.side, found.master_volume(holder, master_ticket)
        opened_ms = item.time_ms
    else:
        assert isinstance(item, Position)
        side, master_volume = item.side, found.master_volume(holder, master_ticket)
        opened_ms = item.open_time_ms
    return TicketLink(
        link_id=holder.link.id,
        master_ticket=master_ticket,
        slave_symbol=item.symbol,
        side=side,
        state=TicketState.PENDING if is_pending else TicketState.OPEN,
        slave_ticket=item.ticket,
        slave_volume=volume,
        master_volume=master_volume,
        leg=leg,
        is_pending=is_pending,
        sl=item.sl,
        tp=item.tp,
        opened_ms=opened_ms,
    )


# --- netting ------------------------------------------------------------------------------------


def _check_netting(
    sides: Sequence[LinkSide],
    foreign: tuple[TicketLink, ...],
    slave: TerminalSnapshot,
    found: _Found,
) -> None:
    """Per symbol: the one position's signed volume against every link's signed contributions."""
    held: dict[str, list[Position]] = {}
    for position in slave.positions:
        held.setdefault(position.symbol, []).append(position)
    expected: dict[str, float] = {}
    contributors: dict[str, list[tuple[LinkSide | None, TicketLink]]] = {}
    in_flight: set[str] = set()
    owned = [(side, t) for side in sides for t in side.tickets]
    slave_orders = {o.ticket for o in slave.orders}
    for side, t in [*owned, *((None, t) for t in foreign)]:
        if not t.is_pending:
            _count(side, t, expected, contributors, in_flight)
        elif side is not None and _netting_filled_ahead(side, t, slave_orders, found):
            # The slave's market filled the pending copy before the master's own order filled:
            # its volume is in the position and no link counts it until the master's fill comes
            # (then the fill command adopts it). Judged then, not now.
            in_flight.add(t.slave_symbol)
    for symbol in sorted(set(expected) | set(held)):
        if symbol not in in_flight:
            _check_symbol(sides, symbol, held.get(symbol, []), contributors.get(symbol, []),
                          expected.get(symbol, 0.0), found)  # fmt: skip


def _netting_filled_ahead(
    side: LinkSide, t: TicketLink, slave_orders: set[int], found: _Found
) -> bool:
    """A held pending copy whose order is gone from the slave while its master's order is still
    pending: the slave's market filled it first."""
    return (
        t.state in _HELD
        and t.slave_ticket is not None
        and t.slave_ticket not in slave_orders
        and found.holds_position_of(side, t.master_ticket)
    )


def _count(
    side: LinkSide | None,
    t: TicketLink,
    expected: dict[str, float],
    contributors: dict[str, list[tuple[LinkSide | None, TicketLink]]],
    in_flight: set[str],
) -> None:
    if t.state in _IN_FLIGHT:
        in_flight.add(t.slave_symbol)
    elif t.state is TicketState.OPEN:
        expected[t.slave_symbol] = expected.get(t.slave_symbol, 0.0) + t.side.sign * t.slave_volume
        contributors.setdefault(t.slave_symbol, []).append((side, t))


def _master_holds(sides: Sequence[LinkSide], comment_ticket: int | None, found: _Found) -> bool:
    if comment_ticket is None:
        return False
    return any(
        found.holds_position_of(side, found.master_ticket(side, comment_ticket)) for side in sides
    )


def _check_symbol(
    sides: Sequence[LinkSide],
    symbol: str,
    positions: list[Position],
    contributions: list[tuple[LinkSide | None, TicketLink]],
    expected: float,
    found: _Found,
) -> None:
    actual = sum(p.side.sign * p.volume for p in positions)
    if not contributions:
        # Nobody claims the volume. The one position's comment is that of whichever deal first
        # opened it, so on a netting account it cannot tell whose copy it is: ours (TC|) is
        # unexplained volume, anything else is not ours to judge.
        ours = [p for p in positions if parse_copy_comment(p.comment) is not None]
        held = [p for p in ours if _master_holds(sides, parse_copy_comment(p.comment), found)]
        for position in held:  # a copy of a live master trade the table lost: adopt it
            _judge_copy(sides, position, position.volume, {}, found, is_pending=False)
        if ours and not held and abs(actual) > _TOLERANCE:
            ids = tuple(sorted(side.link.id for side in sides))
            found.mismatches.append(
                VolumeMismatch(
                    ids, symbol, ours[0].ticket, 0.0, actual,
                    f"{symbol}: slave position holds {actual:+g} lots that no open copy "
                    "accounts for",
                )
            )  # fmt: skip
        return
    position_ticket = positions[0].ticket if positions else None
    for side, t in contributions:
        if side is None:
            continue  # another link's contribution: counted, judged with its own master
        if found.holds_position_of(side, t.master_ticket):
            # Contributions that cancel out leave the account flat: nothing is missing then.
            if not positions and abs(expected) > _TOLERANCE:
                found.missing.append(t)
        elif positions:
            found.orphans.append(
                Orphan(
                    (side.link.id,), t.master_ticket, positions[0].ticket, symbol, t.slave_volume,
                    False, f"{symbol}: master #{t.master_ticket} is closed, its {t.slave_volume:g} "
                    f"lots are still in slave position #{positions[0].ticket}",
                )
            )  # fmt: skip
        else:
            found.stale.append(t)
    if positions and abs(actual - expected) > _TOLERANCE:
        ids = tuple(sorted({t.link_id for _, t in contributions}))
        found.mismatches.append(
            VolumeMismatch(
                ids, symbol, position_ticket, expected, actual,
                f"{symbol}: slave position holds {actual:+g} lots, the links add up to "
                f"{expected:+g}",
            )
        )  # fmt: skip


# --- pending orders (separate from positions on both kinds of account) --------------------------


def _became_position(side: LinkSide, t: TicketLink, slave: TerminalSnapshot) -> bool:
    """A pending copy that the slave's market filled before the master's order filled.

    On a hedging account the fill is a position of its own, carrying the copy's comment. On a
    netting account it went into the symbol's one position, whose comment is that of the deal
    that opened it, and whose ticket becomes that of the order behind each reversal ("When
    reversing a position in netting mode ... POSITION_TICKET is replaced with the ticket of the
    order that led to the reversal", https://www.mql5.com/en/docs/constants/tradingconstants/
    positionproperties): once other copies' deals have gone through it, neither names the
    pending copy. A position on the symbol is all there is to go by, as for the volume check,
    which waits for the master's fill (``_netting_filled_ahead``)."""
    if slave.account.margin_mode is MarginMode.NETTING:
        return any(p.symbol == t.slave_symbol for p in slave.positions)
    magic = side.link.rules.slave_magic
    return any(parse_copy_comment(p.comment) == t.comment_ticket and p.magic == magic
               for p in slave.positions)


def _check_pendings(
    sides: Sequence[LinkSide], slave: TerminalSnapshot, known: Known, found: _Found
) -> None:
    by_ticket = {o.ticket: o for o in slave.orders}
    for side in sides:
        for t in side.tickets:
            if t.is_pending and t.state is TicketState.PENDING:
                copy = by_ticket.get(t.slave_ticket) if t.slave_ticket is not None else None
                if copy is None and found.holds_position_of(side, t.master_ticket):
                    if not _became_position(side, t, slave):
                        found.missing.append(t)
                elif copy is None:
                    found.stale.append(t)
    for order in slave.orders:
        _judge_copy(sides, order, order.volume, known, found, is_pending=True)
