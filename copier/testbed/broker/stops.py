"""SL/TP of a copy: the command's prices, or distances in points measured from a price."""

from __future__ import annotations

from copier.domain import Command, Side, SymbolSpec


def stops_from_distance(
    cmd: Command, spec: SymbolSpec, side: Side, base: float
) -> tuple[float, float]:
    """``sl_distance_points`` / ``tp_distance_points`` from ``base`` (the fill, the open price or
    the order price) where set, else the command's SL/TP prices."""
    sl, tp = cmd.sl, cmd.tp
    if cmd.sl_distance_points:
        sl = base - side.sign * cmd.sl_distance_points * spec.point
    if cmd.tp_distance_points:
        tp = base + side.sign * cmd.tp_distance_points * spec.point
    return round(sl, spec.digits), round(tp, spec.digits)


def price_text(spec: SymbolSpec, price: float) -> str:
    return f"{price:.{spec.digits}f}" if price else "none"
