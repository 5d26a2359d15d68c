"""TradeCopier: copies trades between MetaTrader 4 and MetaTrader 5 accounts on one machine."""

__version__ = "0.1.0"
