"""Picklable descriptions of simulated terminals: what a spawned worker needs to reach one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TerminalProfile:
    """Everything that makes one simulated terminal, so any process rebuilds the same one.

    ``broker`` names a symbol catalogue of the simulated broker (``copier.sim``); ``seed`` drives
    its quotes. ``trader_every_ms`` > 0 lets a seeded random trader act on the account, which is
    how a demo master trades without anyone at the keyboard.
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


@dataclass(frozen=True, slots=True)
class SimEndpoint:
    """Where a :class:`copier.mt5sim.host.TerminalHost` listens (a pipe or socket address)."""

    address: str | tuple[str, int]
    authkey: bytes
