"""Simulated market prices: one seeded random walk per underlying, quoted per broker symbol.

Every broker symbol on the same underlying (``EURUSD``, ``EURUSD.m``) reads the same mid, so
master and slave accounts on different brokers see the same market, each with its own spread.
"""

from __future__ import annotations

import math
import random

from copier.domain import Quote
from copier.testbed.broker.symbols import INSTRUMENTS, Instrument, Listing

# Conversion needs these rates even when a broker does not list them.
_CROSS_FROM_USD = {"EUR": ("EURUSD", True), "GBP": ("GBPUSD", True), "JPY": ("USDJPY", False)}


class Market:
    """Mid prices of every underlying, moved by ``tick(now_ms)``; deterministic per seed.

    The same seed and the same sequence of ``tick`` times give the same prices.
    """

    def __init__(
        self,
        seed: int = 0,
        start_ms: int = 0,
        instruments: dict[str, Instrument] | None = None,
    ) -> None:
        self._instruments = dict(instruments or INSTRUMENTS)
        self._rng = random.Random(seed)
        self._mids = {name: inst.mid for name, inst in self._instruments.items()}
        self._time_ms = start_ms
        # Held still: nothing moves prices and no price acts on orders (a demo's final check
        # compares books, which a pending order filling meanwhile would make disagree).
        self.frozen = False

    @property
    def time_ms(self) -> int:
        return self._time_ms

    def mid(self, underlying: str) -> float:
        return self._mids[underlying]

    def set_mid(self, underlying: str, mid: float) -> None:
        """Put the market at a price (tests use it to cross a pending order or a stop)."""
        if mid <= 0:
            raise ValueError("a price must be above 0")
        self._mids[underlying] = mid

    def tick(self, now_ms: int) -> bool:
        """Move every mid by a random step scaled to the time passed; False if no time passed.

        Several brokers may share one market and each call this with the same ``now_ms``: only
        the first call moves prices.
        """
        if now_ms <= self._time_ms:
            return False
        seconds = (now_ms - self._time_ms) / 1000.0 if self._time_ms else 0.001
        self._time_ms = now_ms
        scale = math.sqrt(seconds)
        for name in sorted(self._mids):
            inst = self._instruments[name]
            step = self._rng.gauss(0.0, inst.volatility * scale)
            # A floor keeps a long simulation from walking a price to zero.
            self._mids[name] = max(self._mids[name] + step, inst.mid * 0.2)
        return True

    def quote(self, listing: Listing) -> Quote:
        """Bid and ask of one broker symbol: the shared mid with that broker's spread."""
        spec = listing.spec
        half = listing.spread_points * spec.point / 2.0
        if spec.tick_size > spec.point:
            # Index and futures symbols quote in whole ticks of several points (SYMBOL_TRADE_
            # TICK_SIZE: https://www.mql5.com/en/docs/constants/environment_state/
            # marketinfoconstants#enum_symbol_info_double): bid and spread on that grid.
            tick = spec.tick_size
            bid = round(round((self._mids[listing.underlying] - half) / tick) * tick, spec.digits)
            spread = max(1, round(listing.spread_points * spec.point / tick)) * tick
            return Quote(spec.name, bid, round(bid + spread, spec.digits), self._time_ms)
        bid = round(self._mids[listing.underlying] - half, spec.digits)
        ask = round(bid + listing.spread_points * spec.point, spec.digits)
        return Quote(symbol=spec.name, bid=bid, ask=ask, time_ms=self._time_ms)

    def rate(self, currency: str, into: str) -> float:
        """Roughly how many units of ``into`` one unit of ``currency`` is worth (mid rates)."""
        return self._usd_value(currency) / self._usd_value(into)

    def _usd_value(self, currency: str) -> float:
        if currency == "USD":
            return 1.0
        try:
            pair, usd_is_quote = _CROSS_FROM_USD[currency]
        except KeyError:
            raise ValueError(f"no conversion rate for {currency}") from None
        mid = self._mids[pair]
        return mid if usd_is_quote else 1.0 / mid
