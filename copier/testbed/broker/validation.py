"""Checks a trade server makes before it accepts a request; each returns a reason in words, or None.

Reasons name the symbol and the numbers, e.g. "EURUSD.m: volume 0.004 below minimum 0.01".
"""

from __future__ import annotations

from copier.domain import FillingFlag, OrderType, Quote, Side, SymbolSpec
from copier.testbed.broker.records import Filling

_EPS = 1e-9


def volume_steps(spec: SymbolSpec, volume: float) -> float:
    return volume / spec.volume_step


def normalize_volume(spec: SymbolSpec, volume: float) -> float:
    """Round to the nearest whole step (what a careful client sends)."""
    steps = round(volume_steps(spec, volume))
    return round(steps * spec.volume_step, 8)


def volume_problem(spec: SymbolSpec, volume: float) -> str | None:
    if volume < spec.volume_min - _EPS:
        return f"{spec.name}: volume {volume:g} below minimum {spec.volume_min:g}"
    if volume > spec.volume_max + _EPS:
        return f"{spec.name}: volume {volume:g} above maximum {spec.volume_max:g}"
    steps = volume_steps(spec, volume)
    if abs(steps - round(steps)) > 1e-6:
        return f"{spec.name}: volume {volume:g} is not a multiple of the step {spec.volume_step:g}"
    return None


def close_volume_problem(spec: SymbolSpec, volume: float, held: float) -> str | None:
    if volume <= _EPS:
        return f"{spec.name}: close volume must be above 0"
    if volume > held + _EPS:
        return f"{spec.name}: close volume {volume:g} exceeds the position's {held:g}"
    steps = volume_steps(spec, volume)
    if abs(steps - round(steps)) > 1e-6:
        return f"{spec.name}: volume {volume:g} is not a multiple of the step {spec.volume_step:g}"
    return None


def filling_problem(spec: SymbolSpec, filling: Filling | None) -> str | None:
    """The requested filling policy must be one the symbol's bitmask allows; RETURN is for
    symbols that allow neither FOK nor IOC (exchange-style execution)."""
    if filling is None:
        return None
    mask = spec.filling_mode
    allowed = {
        Filling.FOK: bool(mask & FillingFlag.FOK),
        Filling.IOC: bool(mask & FillingFlag.IOC),
        Filling.RETURN: not mask & (FillingFlag.FOK | FillingFlag.IOC),
        Filling.BOC: False,
    }
    if allowed.get(filling, False):
        return None
    allows = _mask_text(mask)
    return f"{spec.name}: filling mode {filling.name} is not supported (symbol allows {allows})"


def _mask_text(mask: int) -> str:
    names = [n for n, bit in (("FOK", FillingFlag.FOK), ("IOC", FillingFlag.IOC)) if mask & bit]
    return " and ".join(names) if names else "RETURN only"


def default_filling(spec: SymbolSpec) -> Filling:
    if spec.filling_mode & FillingFlag.FOK:
        return Filling.FOK
    if spec.filling_mode & FillingFlag.IOC:
        return Filling.IOC
    return Filling.RETURN


def stops_problem(
    spec: SymbolSpec, side: Side, sl: float, tp: float, reference: float
) -> str | None:
    """SL/TP of a position (or of a pending order) against the price they are measured from.

    For a position ``reference`` is the price it would close at (bid for a buy, ask for a sell),
    for a pending order its own price. Each stop must sit on its side and at least
    ``stops_level`` points away.
    """
    gap = spec.stops_level * spec.point
    sign = side.sign
    if sl and not (sign * (reference - sl) >= gap - _EPS and sign * (reference - sl) > _EPS):
        return _stops_text(spec, "SL", sl, reference)
    if tp and not (sign * (tp - reference) >= gap - _EPS and sign * (tp - reference) > _EPS):
        return _stops_text(spec, "TP", tp, reference)
    return None


def _stops_text(spec: SymbolSpec, which: str, level: float, reference: float) -> str:
    need = f" and at least {spec.stops_level} points away" if spec.stops_level else ""
    return (
        f"{spec.name}: {which} {level:.{spec.digits}f} is on the wrong side of "
        f"{reference:.{spec.digits}f}{need}"
    )


def pending_price_problem(
    spec: SymbolSpec, order_type: OrderType, price: float, quote: Quote
) -> str | None:
    """Limits go below ask (buy) / above bid (sell); stops go above ask / below bid — each at
    least ``stops_level`` points from the market."""
    gap = spec.stops_level * spec.point
    checks = {
        OrderType.BUY_LIMIT: quote.ask - price,
        OrderType.SELL_LIMIT: price - quote.bid,
        OrderType.BUY_STOP: price - quote.ask,
        OrderType.SELL_STOP: quote.bid - price,
    }
    distance = checks.get(order_type)
    if distance is None:
        return f"{spec.name}: {order_type.value} is not a pending order type"
    if price <= 0 or distance <= _EPS or distance < gap - _EPS:
        market = f"{quote.bid:.{spec.digits}f}/{quote.ask:.{spec.digits}f}"
        return (
            f"{spec.name}: {order_type.value} at {price:.{spec.digits}f} is invalid with the "
            f"market at {market}"
            + (f" (stops level {spec.stops_level} points)" if spec.stops_level else "")
        )
    return None


def points(spec: SymbolSpec, a: float, b: float) -> float:
    """Distance between two prices in the symbol's points."""
    return abs(a - b) / spec.point
