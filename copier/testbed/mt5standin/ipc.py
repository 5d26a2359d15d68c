"""The connection type of the stand-in's pipe between host and clients, on every platform:
``multiprocessing.connection`` gives a ``PipeConnection`` on Windows (named pipes) and a
``Connection`` elsewhere (https://docs.python.org/3/library/multiprocessing.html#multiprocessing.connection.Client)."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from typing import TypeAlias

if sys.platform == "win32":
    from multiprocessing.connection import PipeConnection

    IpcConnection: TypeAlias = Connection | PipeConnection
else:
    IpcConnection: TypeAlias = Connection
