"""Lot sizing (SPEC §4): the lot mode, the per-symbol multiplier, limits, the volume step and the
below-minimum policy, in that order.

Volumes are computed in ``Decimal`` from the floats' shortest text form, so 0.1 + 0.2 is 0.3 and
a result is always an exact multiple of the symbol's ``volume_step``. A value within a billionth
of a step below a step boundary counts as on it (float inputs such as 0.7 × 0.1 = 0.0699999…).

A symbol's lot limits under a link (step, minimum, maximum) depend only on a handful of numbers
that rarely change, so they are worked out once per combination (``lot_limits``) rather than
converted to ``Decimal`` again for every order. A fixed or multiplied lot depends on nothing else
but the master's lots, which a master repeats: the whole answer is remembered for each
combination (``size_lot``), the ratio and risk modes, which read the accounts, are worked out
every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import NamedTuple

from copier.domain import AccountInfo, SymbolSpec
from copier.engine.config import BelowMinimum, LinkRules, LotMode, NoStopLoss
from copier.engine.verdicts import Denial, fmt_lots, fmt_lots_beside

_STEP_TOLERANCE = Decimal("1e-9")
_ZERO = Decimal(0)
SIZED_KEEP = 4_096  # fixed and multiplied lots remembered (all forgotten when full)
_SIZED: dict[tuple[object, ...], Sized | Denial] = {}


def dec(value: float) -> Decimal:
    """A float as the decimal a person typed (0.1 → Decimal('0.1'), not 0.1000000000000000055…)."""
    return Decimal(repr(float(value)))


def floor_to_step(volume: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return volume
    steps = (volume / step + _STEP_TOLERANCE).to_integral_value(rounding=ROUND_FLOOR)
    return steps * step


def ceil_to_step(volume: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return volume
    steps = (volume / step - _STEP_TOLERANCE).to_integral_value(rounding=ROUND_CEILING)
    return steps * step


def round_down_to_step(volume: float, step: float) -> float:
    """``volume`` rounded down to a multiple of ``step`` without float drift (partial closes)."""
    return float(floor_to_step(dec(volume), dec(step)))


@dataclass(frozen=True, slots=True)
class LotLimits:
    """What a slave symbol accepts under a link's lot limits, on the symbol's volume step."""

    step: Decimal
    broker_min: Decimal  # the broker's minimum, rounded up to the step
    link_min: Decimal  # the link's minimum lot, rounded up to the step
    minimum: Decimal  # the larger of both, and at least one step
    maximum: Decimal  # the smaller of the link's and the broker's maximum, on the step


@lru_cache(maxsize=1024)
def lot_limits(
    volume_step: float, volume_min: float, volume_max: float, min_lot: float, max_lot: float
) -> LotLimits:
    """The limits for a symbol's ``volume_step/min/max`` and a link's ``min_lot``/``max_lot``
    (0: none)."""
    step = dec(volume_step)
    broker_min = ceil_to_step(dec(volume_min), step)
    link_min = ceil_to_step(dec(min_lot), step)
    minimum = max(broker_min, link_min, step if step > 0 else _ZERO)
    limits = [dec(limit) for limit in (max_lot, volume_max) if limit > 0]
    maximum = floor_to_step(min(limits), step) if limits else Decimal("Infinity")
    return LotLimits(step, broker_min, link_min, minimum, maximum)


class Sized(NamedTuple):
    """A lot ready to send, with what changed it on the way (e.g. capped at the max lot)."""

    volume: float
    adjustments: tuple[tuple[str, str], ...] = ()  # (rule, reason)


def size_lot(
    *,
    rules: LinkRules,
    spec: SymbolSpec,
    master_lots: float,
    master_price: float,
    master_sl: float,
    master_account: AccountInfo,
    slave_account: AccountInfo,
) -> Sized | Denial:
    """The slave lot for a master order of ``master_lots``, or why there is none."""
    multiplier = rules.symbol_lot_multipliers.get(spec.name, 1.0)
    key = _sized_key(rules, spec, master_lots, multiplier)
    if key is not None:
        known = _SIZED.get(key)
        if known is not None:
            return known
    raw = raw_lots(
        rules=rules,
        spec=spec,
        master_lots=master_lots,
        master_price=master_price,
        master_sl=master_sl,
        master_account=master_account,
        slave_account=slave_account,
    )
    if isinstance(raw, Denial):
        sized: Sized | Denial = raw
    else:
        if multiplier != 1.0:  # × 1 changes no lot, only the Decimal's exponent
            raw *= dec(multiplier)
        sized = fit_to_symbol(raw, rules, spec)
    if key is not None:
        if len(_SIZED) >= SIZED_KEEP:
            _SIZED.clear()
        _SIZED[key] = sized
    return sized


def _sized_key(
    rules: LinkRules, spec: SymbolSpec, master_lots: float, multiplier: float
) -> tuple[object, ...] | None:
    """Everything a fixed or multiplied lot is sized from (accounts, prices and stops are not);
    None for the other lot modes, which read the accounts. Only positive numbers are keys: -0.0
    is a key equal to 0.0 but words differently."""
    mode = rules.lot_mode
    if (mode is not LotMode.FIXED and mode is not LotMode.MULTIPLIER) \
            or not (master_lots > 0 and rules.lot_value > 0 and multiplier > 0):
        return None
    return (
        mode is LotMode.FIXED, rules.lot_value, master_lots, multiplier, spec.name,
        spec.volume_step, spec.volume_min, spec.volume_max, rules.min_lot, rules.max_lot,
        rules.below_minimum is BelowMinimum.SKIP,
    )  # fmt: skip


def raw_lots(
    *,
    rules: LinkRules,
    spec: SymbolSpec,
    master_lots: float,
    master_price: float,
    master_sl: float,
    master_account: AccountInfo,
    slave_account: AccountInfo,
) -> Decimal | Denial:
    """The lot the lot mode asks for, before multiplier, limits and step."""
    mode = rules.lot_mode
    value = dec(rules.lot_value)
    if mode is LotMode.FIXED:
        return value
    if mode is LotMode.MULTIPLIER:
        return dec(master_lots) * value
    if mode is LotMode.BALANCE_RATIO:
        return _ratio_lots(
            master_lots, value, slave_account.balance, master_account.balance, spec.name, "balance"
        )
    if mode is LotMode.EQUITY_RATIO:
        return _ratio_lots(
            master_lots, value, slave_account.equity, master_account.equity, spec.name, "equity"
        )
    return _risk_lots(rules, spec, master_price, master_sl, slave_account.equity)


def _ratio_lots(
    master_lots: float, value: Decimal, slave: float, master: float, symbol: str, what: str
) -> Decimal | Denial:
    if master <= 0:
        return Denial(
            "lot_mode",
            f"{symbol}: master {what} is {master:.2f}, "
            f"so the {what} ratio is undefined — copy skipped",
        )
    return dec(master_lots) * dec(slave) / dec(master) * value


def _risk_lots(
    rules: LinkRules, spec: SymbolSpec, price: float, sl: float, equity: float
) -> Decimal | Denial:
    """lots = risk money / (SL distance in slave ticks × tick value per lot)."""
    distance = abs(dec(price) - dec(sl)) if sl > 0 else _ZERO
    if distance <= 0:
        if rules.risk_no_sl is NoStopLoss.FALLBACK_LOT:
            return dec(rules.risk_fallback_lot)
        return Denial(
            "risk_no_sl",
            f"{spec.name}: master order has no stop loss, so risk "
            f"{rules.lot_value:g}% cannot be sized — copy skipped",
        )
    if spec.tick_size <= 0 or spec.tick_value <= 0:
        return Denial(
            "lot_mode",
            f"{spec.name}: slave symbol reports no tick size or tick "
            "value, so risk cannot be sized — copy skipped",
        )
    if equity <= 0:
        return Denial("lot_mode", f"{spec.name}: slave equity is {equity:.2f} — copy skipped")
    risk_money = dec(equity) * dec(rules.lot_value) / 100
    ticks = distance / dec(spec.tick_size)
    return risk_money / (ticks * dec(spec.tick_value))


def fit_to_symbol(lots: Decimal, rules: LinkRules, spec: SymbolSpec) -> Sized | Denial:
    """Cap at the link's and broker's maximum, round down to the step, then apply the
    below-minimum policy against the larger of the link's and the broker's minimum."""
    limits = lot_limits(
        spec.volume_step, spec.volume_min, spec.volume_max, rules.min_lot, rules.max_lot
    )
    minimum, maximum = limits.minimum, limits.maximum
    if minimum > maximum:
        return Denial(
            "max_lot",
            f"{spec.name}: minimum lot {fmt_lots(minimum)} is above the "
            f"maximum {fmt_lots(maximum)} — copy skipped",
        )
    adjustments: list[tuple[str, str]] = []
    capped = lots
    if lots > maximum:
        capped = maximum
        link_caps = rules.max_lot > 0 and (spec.volume_max <= 0 or rules.max_lot <= spec.volume_max)
        whose = "the link's max lot" if link_caps else "the broker maximum"
        adjustments.append(
            ("max_lot", f"{spec.name}: lot {fmt_lots_beside(lots, maximum)} capped at {whose} "
                        f"{fmt_lots(maximum)}")
        )
    volume = floor_to_step(capped, limits.step)
    if volume >= minimum:
        return Sized(float(volume), tuple(adjustments))
    whose = "broker minimum" if limits.broker_min >= limits.link_min else "the link's minimum lot"
    below = f"{spec.name}: lot {fmt_lots_beside(lots, minimum)} below {whose} {fmt_lots(minimum)}"
    if rules.below_minimum is BelowMinimum.SKIP or lots <= 0:
        return Denial("below_minimum", f"{below} — copy skipped")
    adjustments.append(("below_minimum", f"{below} — sent the minimum instead"))
    return Sized(float(minimum), tuple(adjustments))
