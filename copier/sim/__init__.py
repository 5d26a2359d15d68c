"""The simulated venue: broker, accounts, quotes, symbol catalogue and a random master trader.

Modelled on MetaTrader 5's trade server (positions, orders, deals, retcodes), with MT4's ticket
renumbering on partial closes, so the demo, the tests and the MetaTrader5 stand-in all run on it.
"""

from copier.sim.account import BrokerFaults, SimAccount
from copier.sim.broker import SimBroker
from copier.sim.clock import Clock, ManualClock, WallClock
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

__all__ = [
    "CATALOGUES",
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
    "SimAccount",
    "SimBroker",
    "SimDeal",
    "SimOrder",
    "SimPosition",
    "TradeChange",
    "TradeReason",
    "TradeResult",
    "WallClock",
    "catalogue",
]
