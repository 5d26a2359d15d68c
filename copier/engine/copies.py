"""What the router sends for copies that already exist: partial and full closes, SL/TP changes,
pending modify/delete/fill, and closing every copy on a close_all risk stop.

None of it passes through filters or protection: a trader must always be able to get out.
Ticket links in the outcome are booked optimistically — a partial close already shows the
remaining volume, a full close shows CLOSING with no volume — and ``apply_result`` corrects them
by the difference between what was asked and what was done. So a burst of partial closes of one
master position, routed before any result is back, still works from the slave's current volume.

A command whose copy has no result yet carries ``slave_ticket=None``; it reaches the executor
after the open it follows, and the executor finds the copy by its comment, TC|<ticket> for the
ticket the copy was opened for. A re-key (an MT4 master's renumbered remainder) moves the ticket
link to the master's new ticket but not the copy's comment, so every command for an existing copy
carries the leg's ``comment_ticket`` as its ``copy_ticket``.

Every command for an existing copy also says what the copy looks like before it (``before``,
protocol §14 step 5): the leg's booked volume and stops (a pending copy's order price and expiry
from the slave's last snapshot), read before this decision books its own effect; a deal on a
netting slave (CLOSE, FILL_PENDING), whose copy is a share of the symbol's one position, says
what the copy's deals come to (``copier.engine.dealt``). An executor that finds the copy already
as the command leaves it then answers DUPLICATE instead of acting again.

An SL/TP change whose new stop the slave's market has already passed is decided by the link's
``stops_passed`` (``copier.engine.stops.stops_verdict``); a FILL_PENDING carries no stop the
market passed (it is left off, and said).

A FILL_PENDING books the copy as the position it becomes, ticket unknown until the result: a
close decided before that result then reaches the copy by its comment and leg.
"""

from __future__ import annotations

from decimal import Decimal

from copier.domain import Command, CommandKind, CopyState, MarginMode, OrderType
from copier.engine.book import TicketBook, all_legs, live, pendings, positions
from copier.engine.commands import RouteContext, make_command
from copier.engine.config import Link, LinkRules, StopsMode, StopsPassed
from copier.engine.dealt import NettingDeals
from copier.engine.sizing import ceil_to_step, dec, floor_to_step
from copier.engine.state import RouteOutcome, SlaveView, TicketLink, TicketState
from copier.engine.stops import (
    Stops,
    StopsVerdict,
    market_stops,
    pending_plan,
    reached_by_market,
    reached_verdict,
    stops_verdict,
)
from copier.engine.values import changed
from copier.engine.verdicts import Denial, fmt_lots

_DEFAULT_STEP = Decimal("0.01")  # when the slave's symbol spec is unknown (MetaTrader's usual)
_WITHOUT = LinkRules(stops_passed=StopsPassed.WITHOUT)


def close_copies(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """The master closed the position: close each leg's whole contribution."""
    dealt = NettingDeals(ctx.netting, legs)
    closing = live(legs)
    commands = tuple(_full_close(ctx.link, ctx.slave, leg, ctx.event.seq, ctx.now_ms, dealt)
                     for leg in closing)  # fmt: skip
    tickets = tuple(_closing(leg, c.id) for leg, c in zip(closing, commands, strict=True))
    return RouteOutcome(commands=commands, tickets=tickets)


def close_all_copies(
    link: Link, tickets: TicketBook, slave: SlaveView, now_ms: int, seq: int
) -> RouteOutcome:
    """Close every open copy and delete every pending copy of the link (close_all risk stop).

    ``seq`` makes the command ids: the triggering event's seq, or any number the caller has not
    used for a sweep before (e.g. ``now_ms``) when it sweeps on an equity update.
    """
    legs = live(all_legs(tickets))
    dealt = NettingDeals(slave.account.margin_mode is MarginMode.NETTING, legs)
    commands = [_full_close(link, slave, leg, seq, now_ms, dealt) for leg in legs]
    booked = [_closing(leg, command.id) for leg, command in zip(legs, commands, strict=True)]
    return RouteOutcome(commands=tuple(commands), tickets=tuple(booked))


def partial_close(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """Close the master's closed fraction of the copy, from the slave's current volume.

    The copy keeps volume × remaining / (remaining + closed), rounded down to the step, and
    closes the rest; when what it would keep is below the symbol's minimum it closes everything.
    Legs close newest first. A renumbered master remainder (MT4) re-keys every live leg to
    ``event.new_ticket``.
    """
    event = ctx.event
    master_ticket = event.new_ticket or event.ticket
    booked = {leg.leg: leg.rekeyed(master_ticket, event.volume) for leg in live(legs)}
    retired = _retired(ctx, legs) if master_ticket != event.ticket else ()
    held = positions(legs)
    if not held:
        return RouteOutcome(tickets=tuple(booked.values()), retired_keys=retired)
    step, minimum = _step_and_minimum(ctx, held[0].slave_symbol)
    total = sum((dec(leg.slave_volume) for leg in held), Decimal(0))
    remaining = dec(event.volume)
    closed = dec(event.closed_volume)
    if closed <= 0:  # the event did not say: what the master had before minus what is left
        closed = dec(held[0].master_volume) - remaining
    if closed <= 0:
        return RouteOutcome(tickets=tuple(booked.values()), retired_keys=retired)
    target = Decimal(0)
    if remaining > 0:
        target = floor_to_step(total * remaining / (remaining + closed), step)
    if target < minimum:
        target = Decimal(0)
    # Both are steps unless the copy's volume is not (an adopted position): never close a sliver.
    to_close = floor_to_step(total - target, step) if target > 0 else total
    if to_close <= 0:
        denial = Denial(
            "rounding",
            f"{held[0].slave_symbol}: master closed {fmt_lots(closed)} of "
            f"{fmt_lots(closed + remaining)} lots; that share of the copy's {fmt_lots(total)} "
            f"lots rounds to 0 at step {fmt_lots(step)} — nothing closed",
        )
        return RouteOutcome(
            denials=(ctx.denied(master_ticket, denial),),
            tickets=tuple(booked.values()),
            retired_keys=retired,
        )
    commands = _take_newest_first(ctx, held, booked, to_close, master_ticket, step, minimum)
    return RouteOutcome(
        commands=tuple(commands), tickets=tuple(booked.values()), retired_keys=retired
    )


def _take_newest_first(
    ctx: RouteContext,
    held: tuple[TicketLink, ...],
    booked: dict[int, TicketLink],
    to_close: Decimal,
    master_ticket: int,
    step: Decimal,
    minimum: Decimal,
) -> list[Command]:
    """Spread ``to_close`` over the legs, newest first, never leaving a leg below the minimum."""
    commands: list[Command] = []
    dealt = NettingDeals(ctx.netting, held)
    for leg in sorted(held, key=lambda held_leg: held_leg.leg, reverse=True):
        if to_close <= 0:
            break
        volume = dec(leg.slave_volume)
        take = min(volume, to_close)
        if 0 < volume - take < minimum:
            take = floor_to_step(volume - minimum, step)
            if take <= 0:
                continue
        to_close -= take
        command = _close(ctx, leg, master_ticket, float(take), dealt)
        rest = volume - take
        if rest <= 0:
            booked[leg.leg] = _closing(booked[leg.leg], command.id)
        else:
            booked[leg.leg] = changed(
                booked[leg.leg], slave_volume=float(rest), last_command_id=command.id
            )
        commands.append(command)
    return commands


def modify_copies(
    ctx: RouteContext, legs: tuple[TicketLink, ...], book: TicketBook
) -> RouteOutcome:
    """The master changed SL/TP: send the mapped stops (nothing for FIXED or NONE stops).

    On a netting slave the stops belong to the symbol's one position, so they are only set while
    this link's copies on the symbol add up to the copy's side; otherwise the change is reported
    as not copied (the position is flat or points the other way)."""
    rules, event = ctx.rules, ctx.event
    if rules.stops_mode in (StopsMode.FIXED, StopsMode.NONE):
        return RouteOutcome()
    commands, tickets, denials, adjustments = [], [], [], []
    for leg in positions(legs):
        stops = market_stops(rules, ctx.point(leg.slave_symbol), event.price, event.sl, event.tp)
        unchanged = (stops.sl, stops.tp) == (leg.sl, leg.tp)
        if rules.stops_mode is StopsMode.PRICE and unchanged:
            continue
        if ctx.netting:
            against = _netting_against(book, leg)
            if against is not None:
                denials.append(ctx.denied(leg.master_ticket, against))
                continue
        verdict = stops_verdict(rules, leg.side, stops, ctx.market(leg.slave_symbol),
                                kept=Stops(sl=leg.sl, tp=leg.tp))  # fmt: skip
        if isinstance(verdict, Denial):
            denials.append(ctx.denied(leg.master_ticket, verdict))
            continue
        if verdict.note:
            adjustments.append(ctx.adjusted(leg.master_ticket, "stops_passed", verdict.note))
        stops = verdict.stops
        command = ctx.command(
            CommandKind.MODIFY,
            master_ticket=leg.master_ticket,
            copy_ticket=leg.comment_ticket,
            leg=leg.leg,
            symbol=leg.slave_symbol,
            order_type=OrderType.market(leg.side),
            volume=leg.slave_volume,
            price=event.price,
            sl=stops.sl,
            tp=stops.tp,
            sl_distance_points=stops.sl_distance_points,
            tp_distance_points=stops.tp_distance_points,
            slave_ticket=_slave_ticket(ctx.slave, ctx.netting, leg),
            before=_before(ctx.slave, leg),
        )
        commands.append(command)
        tickets.append(changed(leg, last_command_id=command.id))
    return RouteOutcome(commands=tuple(commands), denials=tuple(denials), tickets=tuple(tickets),
                        adjustments=tuple(adjustments))  # fmt: skip


def _netting_against(book: TicketBook, leg: TicketLink) -> Denial | None:
    """Why a netting copy's stops cannot be set: the link's net on the symbol is not its side."""
    net = sum(
        (dec(t.slave_volume) * t.side.sign for t in positions(all_legs(book))
         if t.slave_symbol == leg.slave_symbol),
        Decimal(0),
    )  # fmt: skip
    if net * leg.side.sign > 0:
        return None
    now = "flat" if net == 0 else f"a {leg.side.opposite.value}"
    return Denial(
        "netting",
        f"{leg.slave_symbol}: the netting position of this link is {now}; SL/TP of the "
        f"{leg.side.value} copy of master #{leg.master_ticket} not set",
    )


def modify_pendings(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """The master moved its pending order: move the copy the same way placement maps it. A new
    price the slave's market already reached is decided as at placement (``pending_reached``):
    the copy fills at market now (FILL_PENDING), or stays where it is, with the reason."""
    event = ctx.event
    commands, tickets, denials, adjustments = [], [], [], []
    for leg in pendings(legs):
        spec = ctx.slave.symbols.get(leg.slave_symbol)
        if spec is None:
            reason = f"{leg.slave_symbol}: no symbol specification on the slave — copy not moved"
            denials.append(ctx.denied(leg.master_ticket, Denial("symbol_map", reason)))
            continue
        plan = pending_plan(ctx.rules, spec, event.order_type, event.price, event.sl, event.tp)
        quote = ctx.slave.quotes.get(leg.slave_symbol)
        reached = reached_by_market(plan.order_type, plan.price, spec, quote)
        if reached is not None and quote is not None:
            stops = market_stops(ctx.rules, spec.point, plan.price, event.sl, event.tp)
            skipped = reached_verdict(ctx.rules, reached) or stops_verdict(
                ctx.rules, leg.side, stops, (quote, spec), prefix=f"{reached.reason};")
            if isinstance(skipped, Denial):
                denials.append(ctx.denied(leg.master_ticket, changed(
                    skipped, reason=skipped.reason.replace("copy skipped", "copy not moved"))))
                continue
            if skipped.note:
                adjustments.append(ctx.adjusted(leg.master_ticket, "stops_passed", skipped.note))
            command = _fill_now(ctx, leg, plan.price, skipped.stops)
            commands.append(command)
            tickets.append(changed(leg, is_pending=False, last_command_id=command.id))
            continue
        command = ctx.command(
            CommandKind.MODIFY_PENDING,
            master_ticket=leg.master_ticket,
            copy_ticket=leg.comment_ticket,
            leg=leg.leg,
            symbol=leg.slave_symbol,
            order_type=plan.order_type,
            volume=leg.slave_volume,
            price=plan.price,
            sl=plan.stops.sl,
            tp=plan.stops.tp,
            slave_ticket=leg.slave_ticket,
            before=_before(ctx.slave, leg),
        )
        commands.append(command)
        tickets.append(changed(leg, last_command_id=command.id))
    return RouteOutcome(commands=tuple(commands), denials=tuple(denials), tickets=tuple(tickets),
                        adjustments=tuple(adjustments))  # fmt: skip


def delete_pendings(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """The master deleted its pending order: delete the copy — or close it, when it was opened
    at market because the slave's market had already reached its price."""
    gone = live(legs)
    dealt = NettingDeals(ctx.netting, legs)  # the position legs: a pending copy has no deal yet
    commands = [_full_close(ctx.link, ctx.slave, leg, ctx.event.seq, ctx.now_ms, dealt)
                for leg in gone]
    tickets = [_closing(leg, c.id) for leg, c in zip(gone, commands, strict=True)]
    return RouteOutcome(commands=tuple(commands), tickets=tuple(tickets))


def _fill_now(ctx: RouteContext, leg: TicketLink, price: float, stops: Stops) -> Command:
    """FILL_PENDING for a copy whose new price the market already reached: the executor deletes
    the pending copy and opens at market (or adopts the position it already became)."""
    rules = ctx.rules
    return ctx.command(
        CommandKind.FILL_PENDING,
        master_ticket=leg.master_ticket,
        copy_ticket=leg.comment_ticket,
        leg=leg.leg,
        symbol=leg.slave_symbol,
        order_type=OrderType.market(leg.side),
        volume=leg.slave_volume,
        price=price,
        sl=stops.sl,
        tp=stops.tp,
        sl_distance_points=stops.sl_distance_points,
        tp_distance_points=stops.tp_distance_points,
        slave_ticket=leg.slave_ticket,
        max_deviation_points=rules.max_deviation_points,
        two_step_stops=rules.two_step_stops,
        expires_ms=ctx.expires_ms,
    )


def fill_pendings(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> RouteOutcome:
    """The master's pending order filled: the copy follows (the executor deletes a still-pending
    copy and opens at market, or adopts the position it already became)."""
    rules, event = ctx.rules, ctx.event
    master_ticket = event.new_ticket or event.ticket
    commands, tickets, adjustments = [], [], []
    dealt = NettingDeals(ctx.netting, legs)  # the position legs: a pending copy has no deal yet
    for leg in pendings(legs):
        stops = market_stops(rules, ctx.point(leg.slave_symbol), event.price, event.sl, event.tp)
        # The copy follows the fill whatever the link's stops_passed says (skipping would leave
        # it waiting under the order's ticket): a stop already passed is left off, and said.
        verdict = stops_verdict(_WITHOUT, leg.side, stops, ctx.market(leg.slave_symbol))
        if isinstance(verdict, StopsVerdict):
            stops = verdict.stops
            if verdict.note:
                adjustments.append(ctx.adjusted(master_ticket, "stops_passed", verdict.note))
        before = dealt.before(leg.slave_symbol, leg.comment_ticket, leg.side, leg.slave_volume)
        command = ctx.command(
            CommandKind.FILL_PENDING,
            master_ticket=master_ticket,
            copy_ticket=leg.comment_ticket,
            leg=leg.leg,
            symbol=leg.slave_symbol,
            order_type=OrderType.market(leg.side),
            volume=leg.slave_volume,
            price=event.price,
            sl=stops.sl,
            tp=stops.tp,
            sl_distance_points=stops.sl_distance_points,
            tp_distance_points=stops.tp_distance_points,
            slave_ticket=leg.slave_ticket,
            max_deviation_points=rules.max_deviation_points,
            two_step_stops=rules.two_step_stops,
            expires_ms=ctx.expires_ms,
            before=before,
        )
        commands.append(command)
        rekeyed = leg.rekeyed(master_ticket, event.volume)
        tickets.append(_filling(rekeyed, command.id))
    retired = _retired(ctx, pendings(legs)) if master_ticket != event.ticket else ()
    return RouteOutcome(commands=tuple(commands), tickets=tuple(tickets), retired_keys=retired,
                        adjustments=tuple(adjustments))  # fmt: skip


# --- helpers ------------------------------------------------------------------------------------


def _full_close(
    link: Link, slave: SlaveView, leg: TicketLink, seq: int, now_ms: int, dealt: NettingDeals
) -> Command:
    netting = slave.account.margin_mode is MarginMode.NETTING
    kind = CommandKind.DELETE_PENDING if leg.is_pending else CommandKind.CLOSE
    before = _before(slave, leg)
    if netting and not leg.is_pending:
        before = dealt.before(leg.slave_symbol, leg.comment_ticket, leg.side, -leg.slave_volume)
    return make_command(
        link,
        kind,  # DELETE_PENDING also closes a pending copy that has just filled
        master_ticket=leg.master_ticket,
        copy_ticket=leg.comment_ticket,
        seq=seq,
        leg=leg.leg,
        symbol=leg.slave_symbol,
        order_type=OrderType.market(leg.side),
        now_ms=now_ms,
        volume=leg.slave_volume,
        slave_ticket=leg.slave_ticket if leg.is_pending else _slave_ticket(slave, netting, leg),
        before=before,
    )


def _close(
    ctx: RouteContext, leg: TicketLink, master_ticket: int, volume: float, dealt: NettingDeals
) -> Command:
    before = _before(ctx.slave, leg)
    if ctx.netting:
        before = dealt.before(leg.slave_symbol, leg.comment_ticket, leg.side, -volume)
    return ctx.command(
        CommandKind.CLOSE,
        master_ticket=master_ticket,
        copy_ticket=leg.comment_ticket,
        leg=leg.leg,
        symbol=leg.slave_symbol,
        order_type=OrderType.market(leg.side),  # the side of what is closed
        volume=volume,
        price=ctx.event.price,
        slave_ticket=_slave_ticket(ctx.slave, ctx.netting, leg),
        before=before,
    )


def _before(slave: SlaveView, leg: TicketLink) -> CopyState | None:
    """The copy as the copier knows it before the command (None: no volume to say it by)."""
    if leg.slave_volume <= 0:
        return None
    if leg.is_pending:
        order = next((o for o in slave.orders if o.ticket == leg.slave_ticket), None)
        if order is not None and leg.slave_ticket is not None:
            return CopyState(leg.slave_volume, order.price, order.sl, order.tp,
                             order.expiration_ms)  # fmt: skip
    return CopyState(leg.slave_volume, sl=leg.sl, tp=leg.tp)


def _slave_ticket(slave: SlaveView, netting: bool, leg: TicketLink) -> int | None:
    """Hedging: the copy's own ticket. Netting: the symbol's one position, when known."""
    if netting:
        for position in slave.positions:
            if position.symbol == leg.slave_symbol:
                return position.ticket
    return leg.slave_ticket


def _filling(leg: TicketLink, command_id: str) -> TicketLink:
    """A pending copy told to follow its master's fill is booked as the position it becomes, so
    a close or partial close decided before the fill's result acts on it. Until that result
    names it, its ticket is unknown (a copy replaced at market has another one): the executor
    finds it by its comment and leg."""
    return changed(
        leg, state=TicketState.OPENING, is_pending=False, slave_ticket=None,
        last_command_id=command_id,
    )  # fmt: skip


def _closing(leg: TicketLink, command_id: str) -> TicketLink:
    return changed(leg, state=TicketState.CLOSING, slave_volume=0.0, last_command_id=command_id)


def _retired(ctx: RouteContext, legs: tuple[TicketLink, ...]) -> tuple[tuple[int, int, int], ...]:
    return tuple((ctx.link.id, ctx.event.ticket, leg.leg) for leg in live(legs))


def _step_and_minimum(ctx: RouteContext, slave_symbol: str) -> tuple[Decimal, Decimal]:
    spec = ctx.slave.symbols.get(slave_symbol)
    if spec is None or spec.volume_step <= 0:
        return _DEFAULT_STEP, _DEFAULT_STEP
    step = dec(spec.volume_step)
    return step, max(ceil_to_step(dec(spec.volume_min), step), step)
