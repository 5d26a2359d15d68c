"""The fixed order every copy that adds exposure goes through, first refusal wins:

1. link enabled and mode — a disabled link copies nothing; paused denies everything
   ("link is paused"); close-only denies opens, increases and pending placement
   ("link is close-only");
2. filters (``copier.engine.filters``) on the master's order as placed;
3. symbol map (``copier.engine.symbols``) to a slave symbol whose specification is known;
4. sizing (``copier.engine.sizing``): lot mode, per-symbol multiplier, limits, step, minimum;
5. a risk stop in force on the link (set on an account update, held for the trading day);
6. protection (``copier.engine.protection``) on the sized lot, which may clamp or deny.

Closes, SL/TP changes and deletions of existing copies skip all of it (see ``router``): a trader
can always get out. docs/rules.md describes each rule with its settings and an example denial.
"""

from __future__ import annotations

from typing import NamedTuple

from copier.domain import MasterEvent, Side, SymbolSpec
from copier.engine.config import Link, LinkMode
from copier.engine.filters import check_filters
from copier.engine.protection import (
    OpenContext,
    check_protection,
    protection_on,
    stop_in_force,
)
from copier.engine.sizing import Sized, dec, fit_to_symbol, size_lot
from copier.engine.state import MasterView, SlaveView
from copier.engine.symbols import map_symbol
from copier.engine.verdicts import Denial

PAUSED = Denial("link_mode", "link is paused")
CLOSE_ONLY = Denial("link_mode", "link is close-only")


class OpenRequest(NamedTuple):
    """A copy that adds exposure: a new position, a netting increase or a pending order."""

    event: MasterEvent
    link: Link
    master: MasterView
    slave: SlaveView
    now_ms: int
    master_lots: float  # the master's order size (for an increase: the volume added)
    side: Side  # the slave's side, after reversing
    is_pending: bool = False
    scaled_lots: float | None = None  # already-scaled slave lots (skips the lot mode)


class OpenPlan(NamedTuple):
    symbol: str
    spec: SymbolSpec
    volume: float
    adjustments: tuple[tuple[str, str], ...] = ()  # (rule, reason) of clamps on the way


def plan_open(request: OpenRequest) -> OpenPlan | Denial:
    """Run the pipeline for one copy: what to send, or the first rule that refuses it."""
    link, event = request.link, request.event
    if link.mode is LinkMode.PAUSED:
        return PAUSED
    if link.mode is LinkMode.CLOSE_ONLY:
        return CLOSE_ONLY
    refused = check_filters(link.rules, event, request.master_lots)
    if refused is not None:
        return refused
    symbol = map_symbol(event.symbol, link.rules, request.slave.symbols)
    if isinstance(symbol, Denial):
        return symbol
    spec = request.slave.symbols[symbol]
    sized = _size(request, spec)
    if isinstance(sized, Denial):
        return sized
    stop = request.slave.risk_stops.get(link.id)
    if stop is not None:
        stopped = stop_in_force(stop, is_pending=request.is_pending)
        if stopped is not None:
            return Denial(stopped.rule, f"{symbol}: {stopped.reason}")
    if not protection_on(link.rules):
        return OpenPlan(symbol, spec, sized.volume, sized.adjustments)
    protected = check_protection(
        OpenContext(
            rules=link.rules,
            event=event,
            slave=request.slave,
            spec=spec,
            side=request.side,
            volume=sized.volume,
            is_pending=request.is_pending,
            now_ms=request.now_ms,
        )
    )
    if isinstance(protected, Denial):
        return protected
    adjustments = sized.adjustments
    if protected.clamps:
        adjustments += tuple((clamp.rule, clamp.reason) for clamp in protected.clamps)
    return OpenPlan(symbol, spec, protected.volume, adjustments)


def _size(request: OpenRequest, spec: SymbolSpec) -> Sized | Denial:
    rules, event = request.link.rules, request.event
    if request.scaled_lots is not None:
        return fit_to_symbol(dec(request.scaled_lots), rules, spec)
    return size_lot(
        rules=rules,
        spec=spec,
        master_lots=request.master_lots,
        master_price=event.price,
        master_sl=event.sl,
        master_account=request.master.account,
        slave_account=request.slave.account,
    )
