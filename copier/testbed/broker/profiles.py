"""Named simulated accounts for the demo and the tests: which broker, platform, margin mode,
money and faults each one has. ``build_broker`` turns a profile and a seed into a SimBroker the
same way every time (a spawned process can rebuild the same account from the name and seed).

Profiles:

=====================  ==========  ========  =======  ===========================================
name                   broker      platform  margin   what it exercises
=====================  ==========  ========  =======  ===========================================
master-mt5             standard    MT5       hedging  a plain master, 10,000 USD
master-mt5-netting     standard    MT5       netting  INCREASED events and reversals
master-mt4             standard    MT4       hedging  renumbered partial closes
slave-mt5              standard    MT5       hedging  same names as the master, 5,000 USD
slave-suffix           suffix      MT5       hedging  EURUSD.m / XAUUSD.r, FOK only, index CFDs at
                                                      10 contracts per lot, a EUR account
slave-netting          standard    MT5       netting  copies net into one position per symbol
slave-gold             gold        MT4       hedging  GOLD, 0.1-lot steps, stops levels, IOC only
slave-ecn              ecn         MT5       hedging  market execution: refuses SL/TP on the open,
                                                      RETURN filling, 2 points slippage, 20 ms delay
slave-faulty           standard    MT5       hedging  30 % requotes, 5 % rejections, 3 points
                                                      slippage, 50 ms execution delay
=====================  ==========  ========  =======  ===========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from copier.domain import MarginMode, Platform
from copier.testbed.broker.account import BrokerFaults, SimAccount
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import Clock
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.symbols import catalogue


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    broker: str  # a symbol catalogue name
    platform: Platform
    margin_mode: MarginMode
    master: bool  # whether its terminal reports master events by default
    balance: float = 10_000.0
    currency: str = "USD"
    leverage: int = 100
    faults: BrokerFaults = field(default_factory=BrokerFaults)


_HEDGING, _NETTING = MarginMode.HEDGING, MarginMode.NETTING

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("master-mt5", "standard", Platform.MT5, _HEDGING, master=True),
        Profile("master-mt5-netting", "standard", Platform.MT5, _NETTING, master=True),
        Profile("master-mt4", "standard", Platform.MT4, _HEDGING, master=True),
        Profile("slave-mt5", "standard", Platform.MT5, _HEDGING, master=False, balance=5_000),
        Profile(
            "slave-suffix",
            "suffix",
            Platform.MT5,
            _HEDGING,
            master=False,
            balance=5_000,
            currency="EUR",
        ),
        Profile("slave-netting", "standard", Platform.MT5, _NETTING, master=False, balance=5_000),
        Profile("slave-gold", "gold", Platform.MT4, _HEDGING, master=False, balance=20_000),
        Profile(
            "slave-ecn",
            "ecn",
            Platform.MT5,
            _HEDGING,
            master=False,
            balance=5_000,
            faults=BrokerFaults(
                refuse_stops_on_open=True, slippage_points=2, execution_delay_ms=20
            ),
        ),
        Profile(
            "slave-faulty",
            "standard",
            Platform.MT5,
            _HEDGING,
            master=False,
            balance=5_000,
            faults=BrokerFaults(
                requote_probability=0.3,
                reject_probability=0.05,
                slippage_points=3,
                execution_delay_ms=50,
            ),
        ),
    )
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown simulated account profile '{name}' (known: {known})") from None


def default_login(name: str, seed: int = 0) -> int:
    """A stable login per profile and seed, different for every profile."""
    index = list(PROFILES).index(profile(name).name)
    return 5_000_000 + index * 10_000 + seed % 10_000


def build_broker(
    name: str,
    *,
    seed: int = 0,
    market: Market | None = None,
    clock: Clock | None = None,
    login: int | None = None,
) -> SimBroker:
    """The profile's account on a broker. Pass one ``market`` to every broker of a demo so they
    all trade the same prices; ``seed`` also seeds a market made here and the broker's faults."""
    spec = profile(name)
    cat = catalogue(spec.broker)
    account = SimAccount(
        login=login if login is not None else default_login(name, seed),
        server=cat.server,
        company=cat.company,
        currency=spec.currency,
        platform=spec.platform,
        margin_mode=spec.margin_mode,
        leverage=spec.leverage,
        balance=spec.balance,
    )
    start = clock.now_ms() if clock is not None else 0
    return SimBroker(
        account,
        cat,
        market or Market(seed=seed, start_ms=start),
        clock=clock,
        faults=spec.faults,
        seed=seed,
    )
