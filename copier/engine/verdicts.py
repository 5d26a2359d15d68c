"""What one engine rule says about a copy: pass (None), a clamp, or a denial with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal


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


def fmt_lots(value: Decimal | float) -> str:
    """Lots as a trader writes them: at least two decimals, no float noise (0.004, 0.01, 1.50)."""
    dec = value if isinstance(value, Decimal) else Decimal(repr(value))
    text = format(dec.quantize(_SHOWN_PLACES, rounding=ROUND_HALF_EVEN), "f").rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def fmt_money(value: float) -> str:
    return f"{value:,.2f}"
