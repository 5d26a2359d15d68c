"""Rule work the engine remembers between orders (symbol lists, lot limits) decides exactly as
working it out afresh would, including for settings it cannot remember."""

from __future__ import annotations

from typing import Any

from copier.domain import EventKind
from copier.engine.config import LinkRules
from copier.engine.filters import check_filters
from copier.engine.sizing import Sized, dec, fit_to_symbol, lot_limits

from .builders import event, spec

OPENED = EventKind.OPENED


def test_symbol_lists_given_as_lists_still_filter() -> None:
    listed: Any = ["EUR*"]  # from code that skipped LinkRules.from_dict
    rules = LinkRules(symbols_allow=listed, symbols_deny=listed)

    denial = check_filters(rules, event(OPENED, symbol="GBPUSD"), 1.0)
    assert denial is not None and denial.rule == "symbols_allow"
    denial = check_filters(rules, event(OPENED, symbol="EURUSD"), 1.0)
    assert denial is not None and denial.rule == "symbols_deny"


def test_a_remembered_symbol_match_follows_the_list_it_was_made_for() -> None:
    allow_eur = LinkRules(symbols_allow=("EUR*",))
    allow_gbp = LinkRules(symbols_allow=("GBP*",))

    assert check_filters(allow_eur, event(OPENED, symbol="EURUSD"), 1.0) is None
    assert check_filters(allow_gbp, event(OPENED, symbol="EURUSD"), 1.0) is not None


def test_lot_limits_follow_the_link_and_the_symbol() -> None:
    symbol = spec(volume_min=0.01, volume_max=100.0, volume_step=0.01)

    capped = fit_to_symbol(dec(3.0), LinkRules(max_lot=2.0), symbol)
    uncapped = fit_to_symbol(dec(3.0), LinkRules(), symbol)

    assert isinstance(capped, Sized) and capped.volume == 2.0
    assert uncapped == Sized(3.0)
    assert lot_limits(0.01, 0.01, 100.0, 0.05, 0.0).minimum == dec(0.05)
