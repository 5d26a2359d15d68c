"""The random master trader: seeded, varied, and reproducible action for action."""

from __future__ import annotations

from collections import Counter

from copier.domain import MarginMode, Platform
from copier.testbed.broker import ManualClock, Market, SimAccount, SimBroker, catalogue
from copier.testbed.broker.trader import ActionKind, RandomTrader, TraderAction


def _session(
    seed: int,
    steps: int = 300,
    platform: Platform = Platform.MT5,
    margin_mode: MarginMode = MarginMode.HEDGING,
) -> tuple[list[TraderAction], SimBroker]:
    clock = ManualClock()
    market = Market(seed=17, start_ms=clock.now_ms())
    account = SimAccount(
        login=7001, server="Sim", platform=platform, margin_mode=margin_mode, balance=50_000
    )
    broker = SimBroker(account, catalogue("standard"), market, clock=clock)
    trader = RandomTrader(broker, seed=seed)
    for _ in range(steps):
        clock.advance(250)
        broker.tick()
        trader.step()
    return trader.actions, broker


def test_same_seed_gives_the_same_actions() -> None:
    first, _ = _session(seed=4)
    again, _ = _session(seed=4)

    assert first == again


def test_different_seeds_give_different_actions() -> None:
    first, _ = _session(seed=4)
    other, _ = _session(seed=5)

    assert first != other


def test_a_session_uses_every_kind_of_action() -> None:
    actions, _ = _session(seed=8, steps=400)

    assert set(Counter(a.kind for a in actions)) == set(ActionKind)


def test_almost_every_request_is_accepted() -> None:
    actions, _ = _session(seed=8, steps=400)

    codes = Counter(code for a in actions for code in a.retcodes)
    assert codes[10009] / sum(codes.values()) > 0.97


def test_some_positions_are_partially_closed_more_than_once() -> None:
    actions, _ = _session(seed=8, steps=400)

    partials = Counter(
        a.tickets[0]
        for a in actions
        if a.kind is ActionKind.PARTIAL_CLOSE and a.retcodes == (10009,)
    )
    assert max(partials.values()) >= 2


def test_bursts_close_several_positions_in_one_step() -> None:
    actions, _ = _session(seed=8, steps=400)

    bursts = [a for a in actions if a.kind is ActionKind.BURST_CLOSE]
    assert bursts
    assert all(len(a.tickets) >= 2 for a in bursts)


def test_the_trader_works_on_mt4_and_netting_accounts_too() -> None:
    mt4, _ = _session(seed=2, platform=Platform.MT4)
    netting, broker = _session(seed=2, margin_mode=MarginMode.NETTING)

    assert len(mt4) == len(netting) == 300
    assert len({p.symbol for p in broker.positions()}) == len(broker.positions())
