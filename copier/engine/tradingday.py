"""The trading clock: broker (trade server) time, and the trading day the risk rules count in.

MetaTrader shows and sets everything — the daily candle, the swap roll-over, a prop firm's daily
loss — in the trade server's time, which differs from UTC by the broker's offset (often UTC+2, or
UTC+3 in the northern summer). The daily loss, daily profit target and day's drawdown count from
the start of the trading day; trading hours and trading days read the same clock.

``utc_offset_minutes`` is the broker's offset; no terminal reports it in the protocol yet, so it
is 0 (UTC) until the trader sets it. ``day_start_minute`` is the broker time at which a trading
day starts: 0 (00:00 server time) unless the trader sets another (e.g. 17:00 New York close).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MINUTE_MS = 60_000
DAY_MS = 86_400_000
_DAY_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class TradingClock:
    utc_offset_minutes: int = 0  # broker time − UTC
    day_start_minute: int = 0  # broker minute of the day a trading day starts at

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        out: list[str] = []
        if not -14 * 60 <= self.utc_offset_minutes <= 14 * 60:
            out.append("the broker's time offset must be between UTC-14:00 and UTC+14:00")
        if not 0 <= self.day_start_minute < _DAY_MINUTES:
            out.append("the trading day must start at a time of day (00:00–23:59)")
        return out

    def broker_ms(self, now_ms: int) -> int:
        """``now_ms`` (UTC epoch milliseconds) on the broker's clock."""
        return now_ms + self.utc_offset_minutes * MINUTE_MS

    def minute_of_day(self, now_ms: int) -> int:
        """Broker time of day in minutes (0–1439)."""
        return self.broker_ms(now_ms) // MINUTE_MS % _DAY_MINUTES

    def weekday(self, now_ms: int) -> int:
        """The broker's calendar day of the week, 0 = Monday (1970-01-01 was a Thursday)."""
        return (self.broker_ms(now_ms) // DAY_MS + 3) % 7

    def trading_day(self, now_ms: int) -> int:
        """The number of the trading day ``now_ms`` falls in (changes at ``day_start_minute``)."""
        return (self.broker_ms(now_ms) - self.day_start_minute * MINUTE_MS) // DAY_MS

    @property
    def name(self) -> str:
        """How the UI and denials name this clock, e.g. "broker time (UTC+02:00)"."""
        sign = "-" if self.utc_offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.utc_offset_minutes), 60)
        return f"broker time (UTC{sign}{hours:02d}:{minutes:02d})"

    def to_dict(self) -> dict[str, int]:
        return {"utc_offset_minutes": self.utc_offset_minutes,
                "day_start_minute": self.day_start_minute}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TradingClock:
        return cls(int(data.get("utc_offset_minutes", 0)), int(data.get("day_start_minute", 0)))


UTC_CLOCK = TradingClock()  # until the trader sets the broker's offset


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
