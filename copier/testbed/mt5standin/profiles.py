"""Picklable descriptions of simulated terminals: what a spawned worker needs to reach one."""

from __future__ import annotations

import os
from dataclasses import dataclass

# The stand-in's trade server zone unless a profile says otherwise; the environment variable lets
# the whole suite run again with a server behind UTC (e.g. -18000).
APPLY_LAG_MS = 20
DEFAULT_SERVER_OFFSET_S = int(os.environ.get("TRADECOPIER_MT5SIM_SERVER_OFFSET_S", 2 * 3600))


@dataclass(frozen=True, slots=True)
class TerminalProfile:
    """Everything that makes one simulated terminal, so any process rebuilds the same one.

    ``broker`` names a symbol catalogue of the simulated broker (``testbed.broker``); ``seed``
    drives its quotes. ``trader_every_ms`` > 0 lets a seeded random trader act on the account,
    which is how a demo master trades without anyone at the keyboard.

    ``server_offset_s`` is the trade server's time zone: every time the terminal reports (ticks,
    positions, orders, deals, history periods, expirations) is the trade server's clock written
    as seconds since 1970 (https://www.mql5.com/en/docs/dateandtime/timetradeserver; the package
    pages, e.g. https://www.mql5.com/en/docs/python_metatrader5/mt5copyticksfrom_py, say these
    times are "without the shift" to the PC's local zone — they are not UTC on a broker east or
    west of it). +2 h by default, a common broker zone (``TRADECOPIER_MT5SIM_SERVER_OFFSET_S``).
    ``sync_ms`` is how long the terminal shows ``connected`` false, with empty books, after it
    starts or logs in to an account
    (https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py, ``connected``).
    """

    path: str
    login: int
    server: str
    password: str = ""
    hedging: bool = True
    balance: float = 10_000.0
    currency: str = "USD"
    leverage: int = 100
    company: str = ""  # empty: the catalogue's broker name
    name: str = "Simulated Trader"
    broker: str = "standard"
    seed: int = 1
    trader_every_ms: int = 0
    build: int = 5120
    trade_allowed: bool = True
    server_offset_s: int = DEFAULT_SERVER_OFFSET_S
    sync_ms: int = 300
    # Symbols whose pending orders may only be good for the day (SYMBOL_EXPIRATION_MODE = DAY):
    # https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants#symbol_expiration_mode
    day_only_symbols: tuple[str, ...] = ()
    # The terminal's "Disable automatic trading via external Python API" option
    # (terminal_info().tradeapi_disabled: https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py).
    tradeapi_disabled: bool = False
    # How long after order_send returns its trade stays out of the books read here (see
    # SimTerminal.hold_view): about one poll of a worker.
    apply_lag_ms: int = APPLY_LAG_MS
    # How long after symbol_select a symbol has no tick yet: the terminal subscribes to its quotes
    # then (https://www.mql5.com/en/docs/python_metatrader5/mt5symbolselect_py), and
    # symbol_info_tick answers None until the first one arrives.
    first_tick_ms: int = 50
    # Positions may only be closed oldest first, per symbol (ACCOUNT_FIFO_CLOSE, account_info()
    # .fifo_close: https://www.mql5.com/en/docs/constants/environment_state/accountinformation,
    # https://www.mql5.com/en/docs/python_metatrader5/mt5accountinfo_py); another close is
    # refused with TRADE_RETCODE_FIFO_CLOSE, 10045
    # (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes).
    fifo_close: bool = False


@dataclass(frozen=True, slots=True)
class SimEndpoint:
    """Where a :class:`.host.TerminalHost` listens (a pipe or socket address)."""

    address: str | tuple[str, int]
    authkey: bytes
