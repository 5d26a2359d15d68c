"""Quotes: a seeded random walk per underlying, shared by every broker symbol on it."""

from __future__ import annotations

from copier.testbed.broker import Market, catalogue


def _walk(seed: int, steps: int = 50) -> list[float]:
    market = Market(seed=seed, start_ms=1_000)
    mids = []
    for i in range(1, steps + 1):
        market.tick(1_000 + i * 7)
        mids.append(market.mid("EURUSD"))
    return mids


def test_same_seed_and_times_give_the_same_prices() -> None:
    assert _walk(seed=11) == _walk(seed=11)


def test_different_seeds_give_different_prices() -> None:
    assert _walk(seed=11) != _walk(seed=12)


def test_prices_move_as_time_passes() -> None:
    mids = _walk(seed=3)

    assert len(set(mids)) > 40


def test_a_tick_without_time_passing_moves_nothing() -> None:
    market = Market(seed=1, start_ms=5_000)
    market.tick(6_000)
    before = market.mid("XAUUSD")

    moved = market.tick(6_000)

    assert not moved
    assert market.mid("XAUUSD") == before


def test_suffixed_symbol_tracks_the_same_mid_with_its_own_spread() -> None:
    market = Market(seed=5, start_ms=1_000)
    market.tick(9_000)
    plain = catalogue("standard").listing("EURUSD")
    suffixed = catalogue("suffix").listing("EURUSD.m")
    assert plain is not None and suffixed is not None

    a, b = market.quote(plain), market.quote(suffixed)

    assert abs((a.bid + a.ask) / 2 - (b.bid + b.ask) / 2) < 0.00001
    assert round((a.ask - a.bid) / 0.00001) == plain.spread_points
    assert round((b.ask - b.bid) / 0.00001) == suffixed.spread_points
    assert plain.spread_points != suffixed.spread_points


def test_gold_is_one_market_whatever_the_broker_calls_it() -> None:
    market = Market(seed=9, start_ms=1_000)
    market.set_mid("XAUUSD", 2400.0)
    gold = catalogue("gold").listing("GOLD")
    assert gold is not None

    quote = market.quote(gold)

    assert quote.bid < 2400.0 < quote.ask


def test_rate_converts_yen_into_dollars_at_the_usdjpy_mid() -> None:
    market = Market(seed=1)
    market.set_mid("USDJPY", 160.0)

    assert market.rate("JPY", "USD") == 1 / 160.0
    assert market.rate("USD", "USD") == 1.0
