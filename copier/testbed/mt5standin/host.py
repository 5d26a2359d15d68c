"""Serves simulated terminals to stand-in modules in other processes, as a terminal serves its pipe.

A test or the demo starts one host, registers terminals on it and hands the host's
:class:`SimEndpoint` to the MT5 workers. Terminals live in the host, so they survive a worker that
crashes, and the test drives them directly (``host.terminal(path)``) to trade on a master.
"""

from __future__ import annotations

import secrets
import sys
import threading
from multiprocessing.connection import Listener
from typing import Any

from copier.testbed.broker.clock import Clock, WallClock
from copier.testbed.broker.quotes import Market
from copier.testbed.mt5standin.constants import RES_E_INTERNAL_FAIL_INIT
from copier.testbed.mt5standin.ipc import IpcConnection
from copier.testbed.mt5standin.profiles import SimEndpoint, TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from copier.userpath import windows_path_key


class TerminalHost:
    """Terminals added here share one market (``seed``), so master and slaves see one price,
    and one ``clock`` (the wall clock unless given; workers must be given the same)."""

    def __init__(self, seed: int = 1, clock: Clock | None = None) -> None:
        self._terminals: dict[str, SimTerminal] = {}
        self._clock: Clock = clock or WallClock()
        self._market = Market(seed=seed, start_ms=self._clock.now_ms())
        self._market_lock = threading.RLock()
        self._authkey = secrets.token_bytes(16)
        family = "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"
        self._listener = Listener(family=family, authkey=self._authkey)
        self._connections: list[IpcConnection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="mt5sim-host", daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> SimEndpoint:
        return SimEndpoint(address=self._listener.address, authkey=self._authkey)

    def add(self, profile: TerminalProfile) -> SimTerminal:
        """A terminal at ``profile.path``; a second profile at one path is another account that
        terminal may log in to (it stays on the account it has)."""
        found = self._terminals.get(windows_path_key(profile.path))
        if found is not None:
            found.add_account(profile)
            return found
        terminal = SimTerminal.from_profile(profile, self._clock, market=self._market,
                                            lock=self._market_lock)
        self._terminals[windows_path_key(profile.path)] = terminal
        return terminal

    def freeze_market(self, frozen: bool = True) -> None:
        """Hold the shared market still (``True``) or let it move with time again."""
        with self._market_lock:
            self._market.frozen = frozen

    def terminal(self, path: str) -> SimTerminal:
        """The terminal at ``path``, however it is spelt (see ``registry``)."""
        return self._terminals[windows_path_key(path)]

    def drop_connections(self) -> None:
        """Break every open pipe, as a terminal restart does."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    def close(self) -> None:
        self._closed = True
        self.drop_connections()
        self._listener.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> TerminalHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection = self._listener.accept()
            except (OSError, EOFError):
                if self._closed:
                    return
                continue  # a client that failed authentication or hung up early
            with self._lock:
                self._connections.append(connection)
            threading.Thread(
                target=self._serve, args=(connection,), name="mt5sim-pipe", daemon=True
            ).start()

    def _serve(self, connection: IpcConnection) -> None:
        terminal: SimTerminal | None = None
        try:
            while True:
                name, args, kwargs = connection.recv()
                if name == "__attach__":
                    terminal = self._terminals.get(windows_path_key(args[0]))
                    answer: tuple[Any, Any] = (
                        (True, (1, "Success"))
                        if terminal is not None
                        else (
                            False,
                            (
                                RES_E_INTERNAL_FAIL_INIT,
                                f"IPC initialize failed, no terminal at {args[0]}",
                            ),
                        )
                    )
                elif terminal is None:
                    answer = (None, (RES_E_INTERNAL_FAIL_INIT, "IPC initialize failed"))
                else:
                    answer = terminal.invoke(name, args, kwargs)
                connection.send(answer)
        except (OSError, EOFError):
            pass
        finally:
            connection.close()
