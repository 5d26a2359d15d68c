"""The symbol catalogue: brokers that name, size and fill the same markets differently."""

from __future__ import annotations

import pytest

from copier.domain import SymbolSpec
from copier.testbed.broker import CATALOGUES, SimBroker, catalogue
from copier.testbed.broker.symbols import Catalogue


def _spec(broker: str, symbol: str) -> SymbolSpec:
    listing = catalogue(broker).listing(symbol)
    assert listing is not None, f"{broker} should list {symbol}"
    return listing.spec


@pytest.mark.parametrize(("symbol", "digits"), [("EURUSD", 5), ("GBPUSD", 5), ("USDJPY", 3)])
def test_fx_majors_have_the_standard_contract(symbol: str, digits: int) -> None:
    spec = _spec("standard", symbol)

    assert spec.digits == digits
    assert spec.point == pytest.approx(10.0**-digits)
    assert spec.contract_size == 100_000
    assert (spec.volume_min, spec.volume_step, spec.volume_max) == (0.01, 0.01, 100.0)


def test_gold_is_100_ounces_with_two_digits() -> None:
    spec = _spec("standard", "XAUUSD")

    assert (spec.contract_size, spec.digits) == (100, 2)


def test_index_cfds_are_1_contract_per_lot_on_one_broker_and_10_on_another() -> None:
    assert _spec("standard", "GER40").contract_size == 1
    assert _spec("suffix", "GER40.m").contract_size == 10
    assert _spec("standard", "US30").contract_size == 1
    assert _spec("ecn", "US30").contract_size == 10


def test_suffix_broker_suffixes_fx_and_gold() -> None:
    names = catalogue("suffix").symbols

    assert {"EURUSD.m", "GBPUSD.m", "USDJPY.m", "XAUUSD.r"} <= set(names)


def test_gold_broker_calls_gold_gold_and_trades_in_tenths_with_a_stops_level() -> None:
    spec = _spec("gold", "GOLD")

    assert (spec.volume_min, spec.volume_step) == (0.1, 0.1)
    assert spec.stops_level > 0
    assert catalogue("gold").listing("XAUUSD") is None


def test_filling_bitmasks_cover_fok_ioc_both_and_return_only() -> None:
    masks = {
        _spec(b, s).filling_mode
        for b, s in [
            ("standard", "EURUSD"),
            ("suffix", "EURUSD.m"),
            ("gold", "EURUSD"),
            ("ecn", "EURUSD"),
        ]
    }

    assert masks == {3, 1, 2, 0}


def test_unknown_catalogue_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="known: ecn, gold, standard, suffix"):
        catalogue("nope")


def test_every_catalogue_names_each_symbol_once() -> None:
    for cat in CATALOGUES.values():
        assert isinstance(cat, Catalogue)
        assert len(set(cat.symbols)) == len(cat.symbols)


def test_tick_value_is_reported_in_the_account_currency(broker: SimBroker) -> None:
    broker.market.set_mid("USDJPY", 150.0)

    eurusd = broker.symbol_spec("EURUSD")
    usdjpy = broker.symbol_spec("USDJPY")

    assert eurusd is not None and usdjpy is not None
    assert eurusd.tick_value == pytest.approx(1.0)  # 0.00001 × 100,000 USD
    assert usdjpy.tick_value == pytest.approx(100 / 150)  # 0.001 × 100,000 JPY in USD
