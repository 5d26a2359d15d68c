"""One master event → what one link sends its slave: commands, denials and ticket-link changes.

``route(event, link, tickets, master, slave, now_ms)`` is pure. ``tickets`` maps each master
ticket of this link to its ticket link, or to its legs (see ``copier.engine.book``). By event:

* OPENED → OPEN through the pipeline (``copier.engine.pipeline``); a ticket already copied is
  not copied twice.
* INCREASED (a netting master added volume) → OPEN of the added volume as a new leg, sized as
  a new order by the lot mode; under RISK_PERCENT it keeps the copy's existing slave/master ratio,
  because the risk was sized on the position as a whole.
* PARTIALLY_CLOSED / CLOSED / MODIFIED, PENDING_MODIFIED / PENDING_DELETED → the matching command
  for the existing copy (``copier.engine.copies``), never refused by filters or protection
  (only a netting copy's SL/TP is not set while the link's net position on the symbol points
  the other way). MT4's renumbered remainder (``event.new_ticket``) re-keys the copy; the old
  keys are in ``retired_keys``. The re-keyed ticket link keeps, as ``copy_ticket``, the ticket
  the copy's comment names, and the commands that follow carry it for executors to find the copy.
* PENDING_PLACED → PLACE_PENDING through the pipeline when ``copy_pendings`` is on; otherwise a
  "copy_pendings" denial, and the fill is copied as a market open. A pending copy whose price the
  slave's market already reached is decided by ``pending_reached`` (``copier.engine.stops``):
  an OPEN at market through the pipeline as a market copy (its ticket link is a position from
  then on), or a "pending_reached" denial — never a placement the broker would refuse. The
  quote may be a refresh old: a placement the broker refuses for its price is decided again on
  a quote asked for after the refusal (``copier.refused_pendings``).
* A market copy (an OPEN, a pending copy opened at market) whose SL or TP the slave's market
  has already passed is decided by ``stops_passed`` (``copier.engine.stops.stops_verdict``):
  opened without the passed stop(s), said in an adjustment, or a "stops_passed" denial — never
  stops the broker would refuse.
* PENDING_FILLED → FILL_PENDING for a pending copy (also in close-only mode: the copy exists);
  a copy already opened at market is only re-keyed to the position's ticket; with
  ``copy_pendings`` off → OPEN through the pipeline; with it on but no copy (the placement was
  refused) → nothing, as for every event about a master ticket the link never copied.
* PENDING_DELETED also closes a copy opened at market for the deleted order.

A risk stop with ``drawdown_action = close_all`` refuses the open and closes every live copy of
the link in the same outcome; ``copies.close_all_copies`` does the same on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    MasterEvent,
    OrderType,
    Quote,
    Side,
)
from copier.engine.book import TicketBook, legs_of, live, next_leg, pendings, positions
from copier.engine.commands import RouteContext
from copier.engine.config import Link, LinkMode, LotMode
from copier.engine.copies import (
    close_all_copies,
    close_copies,
    delete_pendings,
    fill_pendings,
    modify_copies,
    modify_pendings,
    partial_close,
)
from copier.engine.dealt import NettingDeals
from copier.engine.pipeline import PAUSED, OpenPlan, OpenRequest, plan_open
from copier.engine.sizing import dec
from copier.engine.state import (
    CopyAdjusted,
    MasterView,
    RouteOutcome,
    SlaveView,
    TicketLink,
    TicketState,
)
from copier.engine.stops import (
    PendingPlan,
    Reached,
    Stops,
    market_stops,
    pending_plan,
    reached_by_market,
    reached_verdict,
    stops_verdict,
)
from copier.engine.values import changed
from copier.engine.verdicts import Denial

Handler = Callable[[RouteContext, tuple[TicketLink, ...], TicketBook], RouteOutcome]

NOT_COPYING_PENDINGS = Denial(
    "copy_pendings", "pending orders are not copied by this link — a fill is copied as an open"
)


def route(
    event: MasterEvent,
    link: Link,
    tickets: TicketBook,
    master: MasterView,
    slave: SlaveView,
    now_ms: int,
) -> RouteOutcome:
    """Decide what ``link`` sends its slave for ``event``."""
    if not link.enabled:
        return RouteOutcome()
    ctx = RouteContext(event, link, master, slave, now_ms)
    if link.mode is LinkMode.PAUSED:
        return RouteOutcome(denials=(ctx.denied(event.ticket, PAUSED),))
    return _HANDLERS[event.kind](ctx, legs_of(tickets, event.ticket), tickets)


def merge(*outcomes: RouteOutcome) -> RouteOutcome:
    return RouteOutcome(
        commands=tuple(c for o in outcomes for c in o.commands),
        denials=tuple(d for o in outcomes for d in o.denials),
        tickets=tuple(t for o in outcomes for t in o.tickets),
        retired_keys=tuple(k for o in outcomes for k in o.retired_keys),
        adjustments=tuple(a for o in outcomes for a in o.adjustments),
    )


def _slave_side(ctx: RouteContext, side: Side) -> Side:
    return side.opposite if ctx.rules.reverse else side


def _opened(ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook) -> RouteOutcome:
    if legs and live(legs):
        return RouteOutcome()  # already copied: the event came again
    event = ctx.event
    side = _slave_side(ctx, event.order_type.side)
    return _open_copy(ctx, book, event.ticket, next_leg(legs) if legs else 0, event.volume, side)


def _increased(ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook) -> RouteOutcome:
    held = positions(legs)
    if not held:
        return RouteOutcome()
    event = ctx.event
    before = dec(held[0].master_volume)
    added = dec(event.volume) - before
    now_held = RouteOutcome(
        tickets=tuple(changed(leg, master_volume=event.volume) for leg in live(legs))
    )
    if added <= 0:
        return now_held
    scaled = None
    if ctx.rules.lot_mode is LotMode.RISK_PERCENT and before > 0:
        copied = sum((dec(leg.slave_volume) for leg in held), Decimal(0))
        scaled = float(added * copied / before)
    opened = _open_copy(
        ctx, book, event.ticket, next_leg(legs), float(added), held[0].side, scaled_lots=scaled
    )
    return merge(now_held, opened)


def _pending_placed(
    ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook
) -> RouteOutcome:
    if not ctx.rules.copy_pendings:
        return RouteOutcome(denials=(ctx.denied(ctx.event.ticket, NOT_COPYING_PENDINGS),))
    if live(legs):
        return RouteOutcome()
    event = ctx.event
    side = _slave_side(ctx, event.order_type.side)
    return _open_copy(ctx, book, event.ticket, next_leg(legs), event.volume, side, is_pending=True)


def _pending_filled(
    ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook
) -> RouteOutcome:
    if pendings(legs):
        return fill_pendings(ctx, legs)
    if positions(legs):
        return _follow_fill(ctx, legs)
    if ctx.rules.copy_pendings:
        return RouteOutcome()  # the placement was refused: its fill is not copied either
    event = ctx.event
    ticket = event.new_ticket or event.ticket
    held = legs_of(book, ticket) if ticket != event.ticket else legs
    if live(held):
        return RouteOutcome()
    side = _slave_side(ctx, event.order_type.side)
    return _open_copy(ctx, book, ticket, next_leg(held), event.volume, side)


def _follow_fill(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """The master's order filled after its copy was opened at market (its price was already
    reached on the slave): nothing to send; the copy follows the master's position ticket."""
    event = ctx.event
    ticket = event.new_ticket or event.ticket
    held = positions(legs)
    moved = tuple(leg.rekeyed(ticket, event.volume) for leg in held)
    retired: tuple[tuple[int, int, int], ...] = ()
    if ticket != event.ticket:
        retired = tuple((ctx.link.id, event.ticket, leg.leg) for leg in held)
    return RouteOutcome(tickets=moved, retired_keys=retired)


def _open_copy(
    ctx: RouteContext,
    book: TicketBook,
    master_ticket: int,
    leg: int,
    master_lots: float,
    side: Side,
    *,
    is_pending: bool = False,
    scaled_lots: float | None = None,
) -> RouteOutcome:
    """Run the pipeline and, if it lets the copy through, send it and book an OPENING link."""
    request = OpenRequest(
        event=ctx.event,
        link=ctx.link,
        master=ctx.master,
        slave=ctx.slave,
        now_ms=ctx.now_ms,
        master_lots=master_lots,
        side=side,
        is_pending=is_pending,
        scaled_lots=scaled_lots,
    )
    plan = plan_open(request)
    if isinstance(plan, Denial):
        return _refused(ctx, book, master_ticket, plan)
    adjustments: tuple[CopyAdjusted, ...] = ()
    if plan.adjustments:
        adjustments = tuple(ctx.adjusted(master_ticket, *clamp) for clamp in plan.adjustments)
    if is_pending:
        pending = pending_plan(ctx.rules, plan.spec, ctx.event.order_type, ctx.event.price,
                               ctx.event.sl, ctx.event.tp)  # fmt: skip
        quote = ctx.slave.quotes.get(plan.symbol)
        reached = reached_by_market(pending.order_type, pending.price, plan.spec, quote)
        if reached is not None and quote is not None:
            return _at_market(ctx, book, request, plan, pending, (reached, quote),
                              (master_ticket, leg))  # fmt: skip
        command = _pending_command(ctx, plan, pending, master_ticket, leg)
        return _booked(ctx, plan, command, master_ticket, leg, adjustments, is_pending=True)
    stops = market_stops(ctx.rules, plan.spec.point, ctx.event.price, ctx.event.sl, ctx.event.tp)
    verdict = stops_verdict(ctx.rules, side, stops, (ctx.slave.quotes.get(plan.symbol), plan.spec))
    if isinstance(verdict, Denial):
        return _refused(ctx, book, master_ticket, verdict)
    if verdict.note:
        adjustments += (ctx.adjusted(master_ticket, "stops_passed", verdict.note),)
    command = _netting_open(ctx, book, plan, (master_ticket, leg), side, stops=verdict.stops)
    return _booked(ctx, plan, command, master_ticket, leg, adjustments, is_pending=False)


def _at_market(
    ctx: RouteContext,
    book: TicketBook,
    request: OpenRequest,
    plan: OpenPlan,
    pending: PendingPlan,
    market_now: tuple[Reached, Quote],
    key: tuple[int, int],
) -> RouteOutcome:
    """A pending copy whose price the slave's market already reached: by ``pending_reached``,
    an OPEN at market through the rules as a market copy (its stops by ``stops_passed``), or a
    denial with the reason."""
    (reached, quote), (master_ticket, leg) = market_now, key
    event, side = ctx.event, pending.order_type.side
    skipped = reached_verdict(ctx.rules, reached)
    if skipped is not None:
        return _refused(ctx, book, master_ticket, skipped)
    stops = market_stops(ctx.rules, plan.spec.point, event.price, event.sl, event.tp)
    verdict = stops_verdict(ctx.rules, side, stops, (quote, plan.spec),
                            prefix=f"{reached.reason};")  # fmt: skip
    if isinstance(verdict, Denial):
        return _refused(ctx, book, master_ticket, verdict)
    market = plan_open(request._replace(side=side, is_pending=False))
    if isinstance(market, Denial):
        return _refused(ctx, book, master_ticket, market)
    adjustments = (
        *(ctx.adjusted(master_ticket, rule, why) for rule, why in market.adjustments),
        ctx.adjusted(master_ticket, "pending_reached", f"{reached.reason} — opened at market"),
    )
    if verdict.note:
        adjustments += (ctx.adjusted(master_ticket, "stops_passed", verdict.note),)
    command = _netting_open(ctx, book, market, (master_ticket, leg), side, price=pending.price,
                            stops=verdict.stops)  # fmt: skip
    return _booked(ctx, market, command, master_ticket, leg, adjustments, is_pending=False)


def _netting_open(
    ctx: RouteContext,
    book: TicketBook,
    plan: OpenPlan,
    key: tuple[int, int],
    side: Side,
    *,
    stops: Stops,
    price: float | None = None,
) -> Command:
    """A market OPEN; ``price`` is the price it is measured against (default: the master's). On
    a netting slave it says what this copy's deals come to before it."""
    master_ticket, leg = key
    rules, event = ctx.rules, ctx.event
    before = None
    if ctx.netting:
        dealt = NettingDeals(True, legs_of(book, master_ticket))
        before = dealt.before(plan.symbol, master_ticket, side, plan.volume)
    return ctx.command(
        CommandKind.OPEN,
        master_ticket=master_ticket,
        leg=leg,
        symbol=plan.symbol,
        order_type=OrderType.market(side),
        volume=plan.volume,
        price=event.price if price is None else price,
        sl=stops.sl,
        tp=stops.tp,
        sl_distance_points=stops.sl_distance_points,
        tp_distance_points=stops.tp_distance_points,
        max_deviation_points=rules.max_deviation_points,
        two_step_stops=rules.two_step_stops,
        expires_ms=ctx.expires_ms,
        before=before,
    )


def _booked(
    ctx: RouteContext,
    plan: OpenPlan,
    command: Command,
    master_ticket: int,
    leg: int,
    adjustments: tuple[CopyAdjusted, ...],
    *,
    is_pending: bool,
) -> RouteOutcome:
    """Send ``command`` and book its OPENING ticket link."""
    ticket = TicketLink(
        link_id=ctx.link.id,
        master_ticket=master_ticket,
        slave_symbol=plan.symbol,
        side=command.order_type.side,
        state=TicketState.OPENING,
        slave_volume=command.volume,
        master_volume=ctx.event.volume,
        leg=leg,
        is_pending=is_pending,
        sl=command.sl,
        tp=command.tp,
        opened_ms=ctx.now_ms,
        last_command_id=command.id,
    )
    return RouteOutcome(commands=(command,), tickets=(ticket,), adjustments=adjustments)


def _refused(
    ctx: RouteContext, book: TicketBook, master_ticket: int, denial: Denial
) -> RouteOutcome:
    refused = RouteOutcome(denials=(ctx.denied(master_ticket, denial),))
    if not denial.close_all:
        return refused
    sweep = close_all_copies(ctx.link, book, ctx.slave, ctx.now_ms, ctx.event.seq)
    return merge(refused, sweep)


def _pending_command(
    ctx: RouteContext, plan: OpenPlan, pending: PendingPlan, master_ticket: int, leg: int
) -> Command:
    return ctx.command(
        CommandKind.PLACE_PENDING,
        master_ticket=master_ticket,
        leg=leg,
        symbol=plan.symbol,
        order_type=pending.order_type,
        volume=plan.volume,
        price=pending.price,
        sl=pending.stops.sl,
        tp=pending.stops.tp,
        expires_ms=ctx.expires_ms,
    )


def _existing(action: Callable[[RouteContext, tuple[TicketLink, ...]], RouteOutcome]) -> Handler:
    def handle(ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook) -> RouteOutcome:
        return action(ctx, legs)

    return handle


_HANDLERS: dict[EventKind, Handler] = {
    EventKind.OPENED: _opened,
    EventKind.INCREASED: _increased,
    EventKind.PARTIALLY_CLOSED: _existing(partial_close),
    EventKind.CLOSED: _existing(close_copies),
    EventKind.MODIFIED: modify_copies,
    EventKind.PENDING_PLACED: _pending_placed,
    EventKind.PENDING_MODIFIED: _existing(modify_pendings),
    EventKind.PENDING_DELETED: _existing(delete_pendings),
    EventKind.PENDING_FILLED: _pending_filled,
}
