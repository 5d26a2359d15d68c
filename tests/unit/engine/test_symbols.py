"""Symbol mapping: explicit map, prefix/suffix rewriting, automatic match, unknown symbols."""

from __future__ import annotations

import pytest

from copier.engine.config import LinkRules
from copier.engine.symbols import map_symbol, normalise
from copier.engine.verdicts import Denial

SLAVE = ("EURUSD.m", "XAUUSD.r", "GBPUSD.m", "US30.cash", "EURUSDmicro", "pro.USDJPY", "GER40_i")


def test_explicit_map_wins_over_everything() -> None:
    rules = LinkRules(symbol_map={"GOLD": "XAUUSD.r"}, add_suffix=".m")

    assert map_symbol("GOLD", rules, SLAVE) == "XAUUSD.r"


def test_explicit_map_matches_the_master_name_case_insensitively() -> None:
    rules = LinkRules(symbol_map={"gold": "XAUUSD.r"})

    assert map_symbol("GOLD", rules, SLAVE) == "XAUUSD.r"


def test_explicit_map_to_a_symbol_the_slave_lacks_is_denied() -> None:
    rules = LinkRules(symbol_map={"GOLD": "XAUUSD"})

    result = map_symbol("GOLD", rules, SLAVE)

    assert result == Denial(
        "symbol_map", "GOLD: mapped to XAUUSD, which the slave does not have — copy skipped"
    )


def test_suffix_is_added() -> None:
    rules = LinkRules(add_suffix=".m", auto_match=False)

    assert map_symbol("GBPUSD", rules, SLAVE) == "GBPUSD.m"


def test_master_suffix_is_stripped_before_the_slave_suffix_is_added() -> None:
    rules = LinkRules(strip_suffix="_x", add_suffix=".m", auto_match=False)

    assert map_symbol("EURUSD_x", rules, SLAVE) == "EURUSD.m"


def test_prefixes_are_stripped_and_added() -> None:
    rules = LinkRules(strip_prefix="m.", add_prefix="pro.", auto_match=False)

    assert map_symbol("m.USDJPY", rules, SLAVE) == "pro.USDJPY"


@pytest.mark.parametrize(
    ("master", "expected"),
    [
        ("EURUSD", "EURUSD.m"),  # shortest of EURUSD.m / EURUSDmicro
        ("XAUUSD", "XAUUSD.r"),
        ("GER40.pro", "GER40_i"),
        ("us30", "US30.cash"),
    ],
)
def test_auto_match_finds_the_same_instrument_by_normalised_name(
    master: str, expected: str
) -> None:
    assert map_symbol(master, LinkRules(), SLAVE) == expected


def test_unknown_symbol_is_denied_with_what_was_tried() -> None:
    rules = LinkRules(add_suffix=".m")

    result = map_symbol("GER40", rules, ("EURUSD.m",))

    assert result == Denial(
        "symbol_map", "GER40: no matching symbol on slave (tried GER40.m) — copy skipped"
    )


def test_auto_match_off_does_not_guess() -> None:
    result = map_symbol("XAUUSD", LinkRules(auto_match=False), SLAVE)

    assert isinstance(result, Denial)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("EURUSD.m", "EURUSD"),
        ("eurusd_i", "EURUSD"),
        ("GER40-pro", "GER40"),
        ("EURUSDmicro", "EURUSD"),
        ("XAUUSD.raw", "XAUUSD"),
        ("US30.cash", "US30"),
        ("BTCUSD#", "BTCUSD"),
    ],
)
def test_normalise_trims_broker_noise(name: str, expected: str) -> None:
    assert normalise(name) == expected
