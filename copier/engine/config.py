"""A copy link and its rule set: typed, frozen, validated once with messages a trader understands.

Defaults are the documented behaviour of a new link. ``LinkRules.from_dict`` is how stored or
user-entered rules come in; ``to_dict`` is how they go to the store and the UI. The field's type
annotation is its check (msgspec converts and checks every element: bench/rules_parse.py has
why msgspec), so a new rule is one line: its name, type and default.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import msgspec

from copier.domain import OrderType
from copier.settings_check import convert_each


class LinkMode(StrEnum):
    NORMAL = "normal"
    CLOSE_ONLY = "close_only"  # only closes and modifications of existing copies are sent
    PAUSED = "paused"  # nothing is sent


class LotMode(StrEnum):
    FIXED = "fixed"  # always ``lot_value`` lots
    MULTIPLIER = "multiplier"  # master lots × ``lot_value``
    BALANCE_RATIO = "balance_ratio"  # master lots × slave balance / master balance × ``lot_value``
    EQUITY_RATIO = "equity_ratio"  # master lots × slave equity / master equity × ``lot_value``
    RISK_PERCENT = "risk_percent"  # risk ``lot_value`` % of slave equity over the master's SL


class BelowMinimum(StrEnum):
    SKIP = "skip"  # deny with a reason
    USE_MINIMUM = "use_minimum"


class NoStopLoss(StrEnum):
    """What RISK_PERCENT does when the master order has no SL."""

    SKIP = "skip"
    FALLBACK_LOT = "fallback_lot"  # use ``risk_fallback_lot``


class StopsMode(StrEnum):
    PRICE = "price"  # copy the master's SL/TP prices
    DISTANCE = "distance"  # keep the master's distance in points, measured from the slave's fill
    NONE = "none"  # no SL/TP on the slave
    FIXED = "fixed"  # ``fixed_sl_points`` / ``fixed_tp_points`` from the slave's fill


class DrawdownAction(StrEnum):
    """What a risk stop (daily loss, drawdown, equity floor, daily profit target) does."""

    STOP_OPENING = "stop_opening"
    CLOSE_ONLY = "close_only"
    CLOSE_ALL = "close_all"


class PendingReached(StrEnum):
    """What a pending copy does when the slave's market already reached its price (a reversed
    copy, a price offset or a slower slave): a broker would refuse the order."""

    MARKET = "market"  # open at market, if within ``max_deviation_points`` of the order's price
    SKIP = "skip"  # deny with a reason


class StopsPassed(StrEnum):
    """What a market copy does when the slave's market has already passed (or comes within the
    stops level of) an SL or TP it would carry: a broker would refuse the stops."""

    SKIP = "skip"  # deny the copy (a change of stops: leave the copy's as they are), with a reason
    WITHOUT = "without"  # open without the passed stop(s); a change keeps the copy's own there


class CopyExisting(StrEnum):
    """What a link does, when it is created or enabled again, with what the master holds."""

    IGNORE = "ignore"  # copy only what the master does from now on
    MARKET = "market"  # open at market, within ``copy_existing_points`` of the master's price
    PENDING = "pending"  # a pending order at the master's price, deleted after the expiry


class RulesError(ValueError):
    """Rules a user entered that cannot work; ``problems`` lists each one in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LinkRules:
    # --- lot sizing (SPEC §4) ---
    lot_mode: LotMode = LotMode.MULTIPLIER
    lot_value: float = 1.0
    risk_no_sl: NoStopLoss = NoStopLoss.SKIP
    risk_fallback_lot: float = 0.01
    min_lot: float = 0.0  # 0: the broker's minimum
    max_lot: float = 0.0  # 0: the broker's maximum
    below_minimum: BelowMinimum = BelowMinimum.SKIP
    # --- symbols ---
    symbol_map: dict[str, str] = field(default_factory=dict)  # master name → slave name
    strip_prefix: str = ""
    strip_suffix: str = ""
    add_prefix: str = ""
    add_suffix: str = ""
    auto_match: bool = True  # match by normalised name when nothing else does
    symbol_lot_multipliers: dict[str, float] = field(default_factory=dict)  # slave symbol → ×
    # --- direction and stops ---
    reverse: bool = False
    stops_mode: StopsMode = StopsMode.PRICE
    fixed_sl_points: int = 0
    fixed_tp_points: int = 0
    two_step_stops: bool = False
    # --- orders ---
    copy_pendings: bool = True
    pending_offset_points: int = 0
    pending_reached: PendingReached = PendingReached.MARKET
    stops_passed: StopsPassed = StopsPassed.SKIP
    copy_existing: CopyExisting = CopyExisting.IGNORE
    copy_existing_points: int = 0  # market: max distance from the master's open price (0: any)
    copy_existing_expiry_min: int = 60  # pending: minutes the order waits for the price
    comment_template: str = "TC|{ticket}"  # must keep TC|{ticket} first: links are rebuilt from it
    slave_magic: int = 0
    # --- filters ---
    symbols_allow: tuple[str, ...] = ()
    symbols_deny: tuple[str, ...] = ()
    magic_allow: tuple[int, ...] = ()
    magic_deny: tuple[int, ...] = ()
    comment_pattern: str = ""  # regular expression the master comment must match
    order_types: tuple[OrderType, ...] = ()  # the order types copied; empty: all
    direction: str = "both"  # both | buy | sell
    master_lot_min: float = 0.0
    master_lot_max: float = 0.0
    # --- protection (SPEC §5) ---
    max_lot_per_order: float = 0.0  # 0: off (deny above)
    max_open_positions: int = 0
    max_volume_per_symbol: float = 0.0
    max_daily_loss_money: float = 0.0
    max_daily_loss_pct: float = 0.0
    max_drawdown_pct: float = 0.0
    drawdown_from: str = "day"  # day | all_time
    drawdown_action: DrawdownAction = DrawdownAction.STOP_OPENING
    equity_floor: float = 0.0
    daily_profit_target_money: float = 0.0  # 0: off
    daily_profit_target_pct: float = 0.0
    profit_target_action: DrawdownAction = DrawdownAction.STOP_OPENING
    max_deviation_points: int = 0
    max_signal_age_ms: int = 0
    # (start minute, end minute) of the day on the slave's trading clock (broker time)
    trading_hours: tuple[int, int] | None = None
    trading_days: tuple[int, ...] = ()  # 0 = Monday … 6 = Sunday; empty: every day
    min_margin_level_pct: float = 0.0
    max_orders_per_minute: int = 0
    # --- the link itself ---
    allow_overlap: bool = False  # the trader confirmed a second link of the same master and slave

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkRules:
        """Build rules from plain data (JSON types), collecting every problem before failing."""
        try:
            rules = msgspec.convert(data, cls)
        except msgspec.ValidationError:
            # Each rule on its own, so every refused one is named (unreachable fallback aside).
            problems = convert_each(data, _TYPES)[1] or ["the rules could not be read"]
        else:
            problems = []
        if not data.keys() <= _TYPES.keys():
            problems[:0] = [f"unknown rule '{k}'" for k in data if k not in _TYPES]
        if problems:
            raise RulesError(problems)
        rules.validate()
        return rules

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out

    def validate(self) -> None:
        """Raise RulesError listing every inconsistent setting."""
        p: list[str] = []
        if self.lot_value <= 0 and self.lot_mode is not LotMode.FIXED:
            p.append("lot_value must be above 0")
        if self.lot_mode is LotMode.FIXED and self.lot_value <= 0:
            p.append("a fixed lot must be above 0")
        if self.lot_mode is LotMode.RISK_PERCENT and not 0 < self.lot_value <= 100:
            p.append("risk percent must be above 0 and at most 100")
        if self.min_lot < 0 or self.max_lot < 0:
            p.append("lot limits cannot be negative")
        if self.max_lot and self.min_lot > self.max_lot:
            p.append(f"min lot {self.min_lot} is above max lot {self.max_lot}")
        if self.direction not in ("both", "buy", "sell"):
            p.append("direction must be both, buy or sell")
        if self.drawdown_from not in ("day", "all_time"):
            p.append("drawdown_from must be day or all_time")
        percents = (self.max_drawdown_pct, self.max_daily_loss_pct, self.daily_profit_target_pct)
        if not all(0 <= pct <= 100 for pct in percents):
            p.append("percent limits must be between 0 and 100")
        if self.copy_existing_points < 0 or self.copy_existing_expiry_min <= 0:
            p.append("copy existing: points cannot be negative and the expiry must be above 0")
        if self.daily_profit_target_money < 0 or self.equity_floor < 0:
            p.append("money limits cannot be negative")
        if "{ticket}" not in self.comment_template or not self.comment_template.startswith("TC|"):
            p.append("comment template must start with TC|{ticket}")
        if self.trading_hours is not None:
            start, end = self.trading_hours
            if not (0 <= start < 1440 and 0 < end <= 1440):
                p.append("trading hours must be minutes of the day (0–1440)")
        if any(d not in range(7) for d in self.trading_days):
            p.append("trading days are 0 (Monday) to 6 (Sunday)")
        for sym, mult in self.symbol_lot_multipliers.items():
            if mult <= 0:
                p.append(f"lot multiplier for {sym} must be above 0")
        if self.comment_pattern:
            import re

            try:
                re.compile(self.comment_pattern)
            except re.error as exc:
                p.append(f"comment pattern is not a valid regular expression: {exc}")
        if p:
            raise RulesError(p)


# Each rule's type, read once: what ``from_dict`` checks a value against.
_TYPES: dict[str, Any] = typing.get_type_hints(LinkRules)


class LinkOverlap(ValueError):
    """A link with the same master and slave as another, not confirmed as meant: both would copy
    every trade, so the slave would hold each one twice."""

    def __init__(self, link: Link, others: list[Link]) -> None:
        numbers = ", ".join(f"#{other.id}" for other in others)
        super().__init__(
            f"link {numbers} already copies {link.master_id} to {link.slave_id}: a second link "
            "would copy every trade again. Confirm only if the slave should hold each trade "
            "twice (for example with different symbols or directions per link)"
        )
        self.others = others


def same_accounts(link: Link, links: Iterable[Link]) -> list[Link]:
    """The other links with ``link``'s master and slave."""
    return [other for other in links if other.id != link.id
            and (other.master_id, other.slave_id) == (link.master_id, link.slave_id)]  # fmt: skip


def check_overlap(link: Link, links: Iterable[Link]) -> None:
    """Refuse (LinkOverlap) a link whose master and slave another link has, unless the trader
    confirmed the overlap on it or on one of the others (``allow_overlap``)."""
    others = same_accounts(link, links)
    if others and not (link.rules.allow_overlap or any(o.rules.allow_overlap for o in others)):
        raise LinkOverlap(link, others)


def overlaps(links: Iterable[Link]) -> dict[int, list[int]]:
    """Link id → the ids of the other links with the same master and slave (for the window)."""
    every = list(links)
    found = {link.id: [o.id for o in same_accounts(link, every)] for link in every}
    return {link_id: ids for link_id, ids in found.items() if ids}


@dataclass(frozen=True, slots=True)
class Link:
    """Master → slave with its own rules."""

    id: int
    master_id: str
    slave_id: str
    rules: LinkRules = field(default_factory=LinkRules)
    enabled: bool = True
    mode: LinkMode = LinkMode.NORMAL
    name: str = ""
