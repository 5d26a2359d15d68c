"""Messages between the MT5 adapter and its worker process, and the plain rows the diff runs on.

Everything here is a frozen dataclass of builtins and domain values so it pickles through a
``multiprocessing`` pipe. Parent → worker: :class:`Execute`, :class:`SnapshotRequest`,
:class:`StopWorker`. Worker → parent: :class:`Connected`, :class:`Disconnected`, :class:`Changes`,
:class:`Executed`, :class:`Health`, :class:`SnapshotReply`.
"""

from __future__ import annotations

from dataclasses import dataclass

from copier.domain import (
    AccountInfo,
    Command,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Side,
    SymbolSpec,
    TerminalSnapshot,
)


@dataclass(frozen=True, slots=True)
class PositionRow:
    ticket: int
    identifier: int
    symbol: str
    side: Side
    volume: float
    price_open: float
    sl: float
    tp: float
    time_msc: int
    time_update_msc: int
    magic: int = 0
    comment: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A pending order as the diff sees it (stop-limit orders are not copied and not listed)."""

    ticket: int
    symbol: str
    order_type: OrderType
    volume: float
    price: float
    sl: float
    tp: float
    time_setup_msc: int
    expiration_ms: int = 0
    magic: int = 0
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DealRow:
    ticket: int
    order: int
    position_id: int
    entry: int  # DEAL_ENTRY_IN / OUT / INOUT / OUT_BY
    side: Side
    volume: float
    price: float
    time_msc: int
    symbol: str = ""
    magic: int = 0
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The master's positions and pending orders as of the last event the parent received."""

    positions: tuple[PositionRow, ...] = ()
    orders: tuple[OrderRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Execute:
    command: Command
    # True when the command may already have run (sent before a worker crash or a lost link):
    # the worker looks for its traces on the account before doing anything.
    recover: bool = False
    # When this adapter first handed the command to a worker, on the worker's clock (both read
    # ``Mt5Config.clock``, the wall clock with MetaTrader): the traces it looks for are younger
    # than that. 0: unknown (sent by an earlier copier run),
    # then the command's ``created_ms`` is all there is.
    sent_ms: int = 0


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    request_id: int


@dataclass(frozen=True, slots=True)
class StopWorker:
    pass


@dataclass(frozen=True, slots=True)
class Connected:
    account: AccountInfo
    build: str
    trade_allowed: bool
    detail: str = ""
    # The terminal's whole symbol catalogue (symbols_get), sent once per connection: snapshots
    # carry live specs only for the symbols in use, the parent adds the rest from here.
    catalogue: tuple[SymbolSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Disconnected:
    reason: str
    fatal: bool = False  # nothing a retry can fix (e.g. the package is missing)


@dataclass(frozen=True, slots=True)
class Changes:
    """Events (``seq`` still 0: the parent numbers them) and the baseline they lead to."""

    events: tuple[MasterEvent, ...]
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class Executed:
    result: ExecutionResult


@dataclass(frozen=True, slots=True)
class Health:
    account: AccountInfo
    positions: int
    rtt_ms: float
    trade_allowed: bool
    poll_cpu_ms: float = 0.0  # worker CPU per poll, averaged since the last Health


@dataclass(frozen=True, slots=True)
class SnapshotReply:
    request_id: int
    snapshot: TerminalSnapshot | None
    error: str = ""


ParentMessage = Execute | SnapshotRequest | StopWorker
WorkerMessage = Connected | Disconnected | Changes | Executed | Health | SnapshotReply
