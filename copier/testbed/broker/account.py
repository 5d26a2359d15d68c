"""A simulated account's fixed settings and the faults its broker can be told to produce."""

from __future__ import annotations

import random
from dataclasses import dataclass

from copier.domain import MarginMode, Platform


@dataclass(frozen=True, slots=True)
class SimAccount:
    login: int
    server: str
    company: str = ""
    currency: str = "USD"
    platform: Platform = Platform.MT5
    margin_mode: MarginMode = MarginMode.HEDGING
    leverage: int = 100
    balance: float = 10_000.0  # the opening deposit
    stop_out_level: float = 50.0  # margin level in % at which the broker starts closing positions
    name: str = "Simulated Trader"
    # MT5 gives a netting position reversed by a deal the ticket of the order that reversed it
    # (its identifier stays): https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties
    # (POSITION_TICKET, POSITION_IDENTIFIER). The MetaTrader5 stand-in turns this on; the other
    # simulated terminals keep the ticket.
    reversal_takes_order_ticket: bool = False

    def __post_init__(self) -> None:
        if self.platform is Platform.MT4 and self.margin_mode is MarginMode.NETTING:
            raise ValueError("MT4 accounts are always hedging; netting exists only on MT5")
        if self.leverage <= 0:
            raise ValueError("leverage must be above 0")
        if self.balance < 0:
            raise ValueError("the opening deposit cannot be negative")


@dataclass(frozen=True, slots=True)
class BrokerFaults:
    """Misbehaviour a real broker shows now and then, switched on per broker.

    ``execution_delay_ms`` is honoured by whoever drives the broker (the simulated terminal waits
    that long before it executes), since the broker itself never sleeps.
    """

    execution_delay_ms: int = 0
    slippage_points: int = 0  # a market fill lands 0..n points against the trader
    requote_probability: float = 0.0
    reject_probability: float = 0.0
    refuse_stops_on_open: bool = False  # market execution: SL/TP must be set after the open
    closed_window: tuple[int, int] | None = None  # [start, end) minutes of the UTC day

    def __post_init__(self) -> None:
        for name in ("requote_probability", "reject_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.execution_delay_ms < 0 or self.slippage_points < 0:
            raise ValueError("delays and slippage cannot be negative")
        if self.closed_window is not None:
            start, end = self.closed_window
            if not (0 <= start < 1440 and 0 <= end <= 1440):
                raise ValueError("the closed window is minutes of the UTC day (0–1440)")

    def market_closed_at(self, now_ms: int) -> bool:
        if self.closed_window is None:
            return False
        start, end = self.closed_window
        minute = (now_ms // 60_000) % 1440
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end  # the window wraps past midnight


class FaultDice:
    """The seeded randomness behind faults, apart from the market's, so a fault sequence is the
    same for a seed whatever the prices do."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def chance(self, probability: float) -> bool:
        return probability > 0.0 and self._rng.random() < probability

    def slippage(self, max_points: int) -> int:
        return self._rng.randint(0, max_points) if max_points > 0 else 0
