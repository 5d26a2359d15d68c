"""The simulated venue: broker, accounts, quotes, symbol catalogue and a random master trader.

Modelled on MetaTrader 5's trade server (positions, orders, deals, retcodes), with MT4's ticket
renumbering on partial closes, so the demo, the tests and the MetaTrader5 stand-in all run on it.
"""

from copier.sim.account import BrokerFaults, SimAccount
from copier.sim.broker import SimBroker
from copier.sim.clock import Clock, ManualClock, WallClock
from copier.sim.executor import SimExecutor
from copier.sim.profiles import PROFILES, Profile, build_broker
from copier.sim.quotes import Market
from copier.sim.records import (
    DealEntry,
    DealType,
    Filling,
    OrderState,
    SimDeal,
    SimOrder,
    SimPosition,
    TradeChange,
    TradeReason,
    TradeResult,
)
from copier.sim.symbols import CATALOGUES, Catalogue, Instrument, Listing, catalogue
from copier.sim.trader import RandomTrader, TraderAction

__all__ = [
    "CATALOGUES",
    "PROFILES",
    "BrokerFaults",
    "Catalogue",
    "Clock",
    "DealEntry",
    "DealType",
    "Filling",
    "Instrument",
    "Listing",
    "ManualClock",
    "Market",
    "OrderState",
    "Profile",
    "RandomTrader",
    "SimAccount",
    "SimBroker",
    "SimDeal",
    "SimExecutor",
    "SimOrder",
    "SimPosition",
    "TradeChange",
    "TradeReason",
    "TradeResult",
    "TraderAction",
    "WallClock",
    "build_broker",
    "catalogue",
]
