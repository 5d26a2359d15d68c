"""MT5 direct: an MT5 account driven through the MetaTrader5 package, one worker process each."""

from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.terminal import Mt5Terminal

__all__ = ["Mt5Config", "Mt5Terminal"]
