"""Which master orders a link copies at all (SPEC §4 filters), run in this order: symbols allow,
symbols deny, magic allow, magic deny, comment pattern, order types, direction, master lot range.

Each filter looks at the master's order as the master placed it (its symbol, magic, comment,
type, side and lots, before reversing) and returns None to pass or a Denial with the reason.
Symbol lists match case-insensitively and accept shell wildcards ("EUR*", "*JPY"). A link
trades few symbols against fixed lists, so whether a symbol matches a list and the compiled
comment pattern are worked out once and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from functools import lru_cache

from copier.domain import MasterEvent
from copier.engine.config import LinkRules
from copier.engine.verdicts import Denial, fmt_lots, fmt_lots_beside

Filter = Callable[[LinkRules, MasterEvent, float], Denial | None]


def _matches(symbol: str, patterns: tuple[str, ...]) -> bool:
    upper = symbol.upper()
    return any(fnmatchcase(upper, pattern.upper()) for pattern in patterns)


_remembered_match = lru_cache(maxsize=4096)(_matches)


def _listed(symbol: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``symbol`` matches one of ``patterns``, remembered per symbol and list."""
    try:
        return _remembered_match(symbol, patterns)
    except TypeError:  # a list where the rules hold a tuple: cannot be remembered, still matches
        return _matches(symbol, patterns)


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def symbols_allow(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.symbols_allow and not _listed(event.symbol, rules.symbols_allow):
        return Denial("symbols_allow", f"{event.symbol}: not in the allowed symbols — copy skipped")
    return None


def symbols_deny(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.symbols_deny and _listed(event.symbol, rules.symbols_deny):
        return Denial("symbols_deny", f"{event.symbol}: in the denied symbols — copy skipped")
    return None


def magic_allow(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.magic_allow and event.magic not in rules.magic_allow:
        return Denial(
            "magic_allow", f"{event.symbol}: magic {event.magic} is not allowed — copy skipped"
        )
    return None


def magic_deny(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if event.magic in rules.magic_deny:
        return Denial("magic_deny", f"{event.symbol}: magic {event.magic} is denied — copy skipped")
    return None


def comment_pattern(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.comment_pattern and _pattern(rules.comment_pattern).search(event.comment) is None:
        return Denial(
            "comment_pattern",
            f"{event.symbol}: comment {event.comment!r} does not match "
            f"{rules.comment_pattern!r} — copy skipped",
        )
    return None


def order_types(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.order_types and event.order_type.value not in rules.order_types:
        kind = event.order_type.value.replace("_", " ")
        return Denial("order_types", f"{event.symbol}: {kind} orders are not copied — copy skipped")
    return None


def direction(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.direction != "both" and event.side.value != rules.direction:
        return Denial(
            "direction",
            f"{event.symbol}: only {rules.direction} orders are copied, "
            f"this is a {event.side.value} — copy skipped",
        )
    return None


def master_lot_range(rules: LinkRules, event: MasterEvent, lots: float) -> Denial | None:
    if rules.master_lot_min and lots < rules.master_lot_min:
        return Denial(
            "master_lot_range",
            f"{event.symbol}: master lot {fmt_lots_beside(lots, rules.master_lot_min)} "
            f"below the filter minimum "
            f"{fmt_lots(rules.master_lot_min)} — copy skipped",
        )
    if rules.master_lot_max and lots > rules.master_lot_max:
        return Denial(
            "master_lot_range",
            f"{event.symbol}: master lot {fmt_lots_beside(lots, rules.master_lot_max)} "
            f"above the filter maximum "
            f"{fmt_lots(rules.master_lot_max)} — copy skipped",
        )
    return None


FILTERS: tuple[Filter, ...] = (
    symbols_allow,
    symbols_deny,
    magic_allow,
    magic_deny,
    comment_pattern,
    order_types,
    direction,
    master_lot_range,
)


def check_filters(rules: LinkRules, event: MasterEvent, master_lots: float) -> Denial | None:
    """The first filter that refuses the master order, or None when all pass."""
    for rule in FILTERS:
        denial = rule(rules, event, master_lots)
        if denial is not None:
            return denial
    return None
