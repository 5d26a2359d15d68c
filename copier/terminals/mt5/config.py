"""Configuration of one MT5 terminal driven directly through the MetaTrader5 package, and the
backend that stands for the package (the real one unless a simulation is injected)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from copier.clock import now_ms as wall_clock_ms


class Mt5Backend(Protocol):
    """What the worker process loads in place of ``MetaTrader5``: an object (picklable, it crosses
    into the worker) whose ``load()`` returns a module with the package's functions, and whose
    ``name`` the terminal's status shows first, so no simulation is mistaken for a terminal,
    and whose ``now_ms()`` is the clock the simulated terminals run on (the worker and the
    adapter stamp times with it, so every time of one copy is read on one clock).
    ``copier.testbed.mt5standin.backend.StandIn`` is the one this project has."""

    @property
    def name(self) -> str: ...

    def load(self) -> Any: ...

    def now_ms(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Mt5Config:
    """One terminal, one account. Frozen and picklable: it is handed to the worker process.

    ``symbols`` are the account's symbols the links map to: each is selected in Market Watch at
    start, because MetaTrader gives no quotes for unselected symbols. ``last_seq`` is the last
    event seq the copier already handled for this account (numbering goes on from it).
    ``backend`` None is the real MetaTrader5 package, imported in the worker alone; anything
    else is a simulation injected by whoever built the config (the demo, the tests).
    """

    path: str
    login: int
    server: str
    password: str | None = None
    poll_ms: int = 10
    symbols: tuple[str, ...] = ()
    account_id: str = ""
    timeout_ms: int = 60_000
    portable: bool = False
    deviation_points: int = 20  # sent with market orders when a command sets no limit
    max_retries: int = 3  # fresh-tick retries after a requote / price change / price off
    reconnect_min_ms: int = 100
    reconnect_max_ms: int = 5_000
    health_every_ms: int = 1_000
    last_seq: int = 0
    state_path: str = ""  # where the account's last known books are kept between runs (laststate)
    log_dir: str = ""  # the data folder: the worker logs to <log_dir>/logs/mt5-worker-<key>.log
    backend: Mt5Backend | None = None

    def clock(self) -> Callable[[], int]:
        """Epoch milliseconds on the clock this terminal's times are stamped and compared on:
        this machine's wall clock with MetaTrader, the simulation's own with a backend."""
        return wall_clock_ms if self.backend is None else self.backend.now_ms

    @property
    def key(self) -> str:
        """The copier's account id for this terminal."""
        return self.account_id or f"mt5-{self.login}"

    def problems(self) -> list[str]:
        """What is wrong with this configuration, in words (empty when it can work)."""
        found: list[str] = []
        if self.login <= 0:
            found.append(f"MT5 login must be a positive account number, not {self.login}")
        if not self.server.strip():
            found.append("MT5 server name is empty")
        if not 1 <= self.poll_ms <= 1_000:
            found.append(f"MT5 poll period {self.poll_ms} ms is outside 1–1000 ms")
        if self.max_retries < 0:
            found.append("MT5 retries cannot be negative")
        if self.reconnect_min_ms <= 0 or self.reconnect_max_ms < self.reconnect_min_ms:
            found.append("MT5 reconnect backoff must be positive and min ≤ max")
        return found
