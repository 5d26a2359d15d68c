"""The simulated venue: broker, accounts, quotes, symbol catalogue and a random master trader.

Modelled on MetaTrader 5's trade server (positions, orders, deals, retcodes), with MT4's ticket
renumbering on partial closes, so the demo, the tests and the MetaTrader5 stand-in all run on it.
"""

from copier.testbed.broker.account import BrokerFaults, SimAccount
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import Clock, ManualClock, WallClock
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.profiles import PROFILES, Profile, build_broker
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.records import (
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
from copier.testbed.broker.symbols import CATALOGUES, Catalogue, Instrument, Listing, catalogue
from copier.testbed.broker.trader import RandomTrader, TraderAction

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
