"""Builders for simulated brokers on a manual clock, shared by the simulator's unit tests."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory

from copier.domain import MarginMode, Platform
from copier.testbed.broker import (
    BrokerFaults,
    ManualClock,
    Market,
    SimAccount,
    SimBroker,
    TradeChange,
    catalogue,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_ms=1_767_258_000_000)  # 2026-01-01 09:00 UTC


@pytest.fixture
def market(clock: ManualClock) -> Market:
    return Market(seed=7, start_ms=clock.now_ms())


@pytest.fixture
def make_broker(clock: ManualClock, market: Market) -> BrokerFactory:
    def build(
        broker: str = "standard",
        *,
        platform: Platform = Platform.MT5,
        margin_mode: MarginMode = MarginMode.HEDGING,
        faults: BrokerFaults | None = None,
        balance: float = 100_000.0,
        leverage: int = 100,
        login: int = 5_001_234,
        seed: int = 0,
    ) -> SimBroker:
        account = SimAccount(
            login=login,
            server="Sim-Test",
            platform=platform,
            margin_mode=margin_mode,
            balance=balance,
            leverage=leverage,
        )
        return SimBroker(account, catalogue(broker), market, clock=clock, faults=faults, seed=seed)

    return build


@pytest.fixture
def changes() -> list[TradeChange]:
    return []


@pytest.fixture
def broker(make_broker: BrokerFactory, changes: list[TradeChange]) -> SimBroker:
    """An MT5 hedging account at the standard broker, its changes recorded in ``changes``."""
    built = make_broker()
    built.subscribe(changes.append)
    return built
