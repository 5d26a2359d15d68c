"""How the stand-in module reaches a simulated terminal: in this process, or over a pipe to a host.

The real MetaTrader5 package talks to a terminal process over a named pipe; the remote client does
the same with a :class:`.host.TerminalHost`, so a terminal outlives the worker
processes that use it and a broken link shows up as the real module's IPC error codes.
"""

from __future__ import annotations

import contextlib
import threading
from multiprocessing.connection import Client
from typing import TYPE_CHECKING, Any, Protocol

from copier.testbed.mt5standin.constants import (
    RES_E_INTERNAL_FAIL_INIT,
    RES_E_INTERNAL_FAIL_RECEIVE,
    RES_E_INTERNAL_FAIL_SEND,
    RES_S_OK,
)
from copier.testbed.mt5standin.errors import Error
from copier.testbed.mt5standin.ipc import IpcConnection
from copier.testbed.mt5standin.profiles import SimEndpoint

if TYPE_CHECKING:
    from copier.testbed.mt5standin.terminal import SimTerminal

OK: Error = (RES_S_OK, "Success")


class TerminalClient(Protocol):
    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Error]:
        """Run one API call on the terminal: (result, last_error after it)."""
        ...

    def close(self) -> None: ...


class LocalClient:
    """A terminal that lives in this process (unit tests, a worker that built its own)."""

    def __init__(self, terminal: SimTerminal) -> None:
        self.terminal = terminal

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Error]:
        return self.terminal.invoke(name, args, kwargs)

    def close(self) -> None:
        return None


class RemoteClient:
    """A terminal served by a host in another process or thread."""

    def __init__(self, connection: IpcConnection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    @classmethod
    def attach(cls, endpoint: SimEndpoint, path: str) -> tuple[RemoteClient | None, Error]:
        """Connect to the host and ask for the terminal at ``path``."""
        try:
            connection = Client(endpoint.address, authkey=endpoint.authkey)
        except OSError as failure:
            return None, (RES_E_INTERNAL_FAIL_INIT, f"IPC initialize failed, {failure}")
        client = cls(connection)
        answer, error = client.call("__attach__", (path,), {})
        if not answer:
            client.close()
            return None, error
        return client, OK

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Error]:
        with self._lock:
            try:
                self._connection.send((name, args, kwargs))
            except (OSError, ValueError):
                return None, (RES_E_INTERNAL_FAIL_SEND, "IPC send failed")
            try:
                result: tuple[Any, Error] = self._connection.recv()
            except (OSError, EOFError, ValueError):
                return None, (RES_E_INTERNAL_FAIL_RECEIVE, "IPC recv failed")
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.close()
