"""What one engine rule says about a copy: pass (None), a clamp, or a denial with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal


@dataclass(frozen=True, slots=True)
class Denial:
    """The copy must not go out. ``rule`` is the setting's short name, ``reason`` the words a
    trader reads. ``close_all`` asks the router to also close the link's open copies (a risk stop
    with ``drawdown_action = close_all``)."""

    rule: str
    reason: str
    close_all: bool = False


@dataclass(frozen=True, slots=True)
class Clamp:
    """The copy may go out with a smaller ``volume`` (already on the symbol's step)."""

    volume: float
    rule: str
    reason: str


_SHOWN_PLACES = Decimal("1e-4")  # a ratio-sized 0.00499945 reads as 0.005


_MOST_PLACES = 10


def _dec(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _shown(value: Decimal) -> str:
    text = format(value, "f").rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def fmt_lots(value: Decimal | float) -> str:
    """Lots as a trader writes them: at least two decimals, no float noise (0.004, 0.01, 1.50)."""
    return _shown(_dec(value).quantize(_SHOWN_PLACES, rounding=ROUND_HALF_EVEN))


def fmt_lots_beside(value: Decimal | float, limit: Decimal | float) -> str:
    """``value`` compared with ``limit`` in a sentence ("lot 0.0099 below broker minimum 0.01"):
    as ``fmt_lots`` but with as many decimals as it takes not to read as the limit itself, and
    rounded away from it, so a value below a limit never shows as equal to it."""
    exact, bound = _dec(value), _dec(limit)
    if exact == bound:
        return fmt_lots(exact)
    rounding = ROUND_DOWN if exact < bound else ROUND_UP
    for places in range(4, _MOST_PLACES + 1):
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=rounding)
        if shown != bound:
            return _shown(shown)
    return _shown(exact)


def fmt_money(value: float) -> str:
    return f"{value:,.2f}"
