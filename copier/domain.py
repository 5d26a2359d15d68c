"""The copier's vocabulary: accounts, symbol specs, positions, master events, commands and results.

Every value here is a frozen dataclass or an enum so it can cross threads, be logged and be compared
in tests. Nothing here does I/O. Volumes are lots, prices are quote prices, times are epoch
milliseconds (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Protocol, TypeVar

import msgspec


class Platform(StrEnum):
    MT4 = "mt4"
    MT5 = "mt5"


class MarginMode(StrEnum):
    """Hedging accounts hold many positions per symbol; netting accounts hold one."""

    HEDGING = "hedging"
    NETTING = "netting"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """Market and pending order types, named as MetaTrader names them."""

    BUY = "buy"
    SELL = "sell"
    BUY_LIMIT = "buy_limit"
    SELL_LIMIT = "sell_limit"
    BUY_STOP = "buy_stop"
    SELL_STOP = "sell_stop"

    @property
    def side(self) -> Side:
        return ORDER_SIDE[self]

    @property
    def is_pending(self) -> bool:
        return self not in (OrderType.BUY, OrderType.SELL)

    def reversed(self) -> OrderType:
        """Buy ↔ sell with the same trigger logic (a buy limit becomes a sell limit)."""
        flipped = self.value.replace("buy", "@").replace("sell", "buy").replace("@", "sell")
        return OrderType(flipped)

    @staticmethod
    def market(side: Side) -> OrderType:
        return _MARKET[side]


# Looked up: the router, the store's rows and the bridge ask for a side on every copy, and
# testing the value's text each time cost ten times the look-up. Keyed by the members, which
# hash and compare as their values: ``ORDER_SIDE["buy_limit"]`` works for a value read back too.
ORDER_SIDE: dict[str, Side] = {
    t: Side.BUY if t.value.startswith("buy") else Side.SELL for t in OrderType
}
_MARKET: dict[Side, OrderType] = {Side.BUY: OrderType.BUY, Side.SELL: OrderType.SELL}


class FillingFlag(IntEnum):
    """Bits of a symbol's ``filling_mode`` bitmask as the MT5 terminal reports them."""

    FOK = 1
    IOC = 2


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """Contract specification of one symbol on one account (names differ between brokers)."""

    name: str
    digits: int
    point: float
    contract_size: float
    tick_size: float
    tick_value: float  # account-currency value of one tick move for one lot
    volume_min: float
    volume_max: float
    volume_step: float
    stops_level: int = 0  # minimum SL/TP distance from price, in points
    filling_mode: int = FillingFlag.FOK | FillingFlag.IOC
    currency_profit: str = "USD"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    bid: float
    ask: float
    time_ms: int


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What a terminal says about its account. ``account_id`` is the copier's key for it."""

    account_id: str
    platform: Platform
    login: int
    server: str
    currency: str
    margin_mode: MarginMode
    balance: float
    equity: float
    margin: float = 0.0
    margin_free: float = 0.0
    company: str = ""
    trade_allowed: bool = True

    @property
    def margin_level(self) -> float | None:
        """Equity / margin in percent, or None with no margin in use (MT shows it empty then)."""
        return None if self.margin <= 0 else self.equity / self.margin * 100.0



@dataclass(frozen=True, slots=True)
class TerminalStatus:
    """How one account's terminal is doing, as its adapter reports it (UI, tray, logs)."""

    account_id: str
    connected: bool
    since_ms: int = 0  # when ``connected`` last changed
    last_heartbeat_ms: int = 0
    rtt_ms: float | None = None
    build: str = ""  # EA version / terminal build
    trade_allowed: bool = True
    account: AccountInfo | None = None
    positions: int = 0
    detail: str = ""  # human text for the UI, e.g. "bad API key"

@dataclass(frozen=True, slots=True)
class Position:
    ticket: int
    symbol: str
    side: Side
    volume: float
    open_price: float
    sl: float = 0.0  # 0 means none, as in MetaTrader
    tp: float = 0.0
    magic: int = 0
    comment: str = ""
    open_time_ms: int = 0
    profit: float = 0.0


@dataclass(frozen=True, slots=True)
class PendingOrder:
    ticket: int
    symbol: str
    order_type: OrderType
    volume: float
    price: float
    sl: float = 0.0
    tp: float = 0.0
    magic: int = 0
    comment: str = ""
    time_ms: int = 0
    expiration_ms: int = 0


@dataclass(frozen=True, slots=True)
class TerminalSnapshot:
    """Everything a terminal reports at one instant: the ground truth reconciliation reads."""

    account: AccountInfo
    positions: tuple[Position, ...]
    orders: tuple[PendingOrder, ...]
    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    time_ms: int = 0


class EventKind(StrEnum):
    """What happened on a master account (past tense: these are facts)."""

    OPENED = "opened"
    INCREASED = "increased"  # netting master added volume to its one position
    PARTIALLY_CLOSED = "partially_closed"
    CLOSED = "closed"
    MODIFIED = "modified"  # SL/TP of a position changed
    PENDING_PLACED = "pending_placed"
    PENDING_MODIFIED = "pending_modified"
    PENDING_DELETED = "pending_deleted"
    PENDING_FILLED = "pending_filled"


@dataclass(frozen=True, slots=True)
class MasterEvent:
    """One change on a master account, numbered per account by ``seq`` (1, 2, 3, ...).

    ``volume`` is the position's (or order's) volume *after* the event; ``closed_volume`` is what
    a (partial) close took away, so the closed fraction is closed / (closed + remaining).
    ``new_ticket`` is set when the terminal renumbers: MT4 gives the remainder of a partial close a
    new ticket, and a filled pending order may become a position with another ticket.
    """

    account_id: str
    seq: int
    kind: EventKind
    ticket: int
    symbol: str
    order_type: OrderType
    volume: float
    price: float  # fill price for opens/closes, order price for pendings
    time_ms: int  # when the terminal detected it
    sl: float = 0.0
    tp: float = 0.0
    closed_volume: float = 0.0
    new_ticket: int | None = None
    magic: int = 0
    comment: str = ""
    received_ms: int = 0  # when the copier received it (stamped by the adapter)

    @property
    def side(self) -> Side:
        return self.order_type.side

    @property
    def closed_fraction(self) -> float:
        total = self.closed_volume + self.volume
        return 1.0 if total <= 0 else self.closed_volume / total


class CommandKind(StrEnum):
    """What a slave is told to do (imperative)."""

    OPEN = "open"  # market order; on netting accounts a deal that may net against the position
    CLOSE = "close"  # close ``volume`` of ``slave_ticket`` (hedging) or an opposite deal (netting)
    MODIFY = "modify"  # set SL/TP of ``slave_ticket``
    PLACE_PENDING = "place_pending"
    MODIFY_PENDING = "modify_pending"
    DELETE_PENDING = "delete_pending"
    # The master's pending order filled: if the slave's copy (``slave_ticket``) is still pending,
    # delete it and open at market; if it already filled, adopt the position it became.
    FILL_PENDING = "fill_pending"


# Executor semantics every adapter follows (simulated, EA, MT5 direct):
# * OPEN on a netting account is a deal that nets against the symbol's one position; the result's
#   ``slave_ticket`` is that position's ticket.
# * CLOSE of part of a position: on MT4 the remainder gets a new ticket, which the result reports
#   as ``slave_ticket``; elsewhere the ticket stays. On netting accounts CLOSE is an opposite deal.
# * DELETE_PENDING of an order that has already filled closes the position it became.
# * A command past ``expires_ms`` is refused with Retcode.EXPIRED; a slave price further than
#   ``max_deviation_points`` from ``price`` is refused with Retcode.DEVIATION.


def command_id(link_id: int, master_ticket: int, seq: int, leg: int = 0) -> str:
    """Stable id of the command a link makes from one master event: the same inputs give the
    same id after a restart, which is what lets executors drop a resent command."""
    suffix = f".{leg}" if leg else ""
    return f"L{link_id}-T{master_ticket}-S{seq}{suffix}"


def copy_comment(master_ticket: int) -> str:
    """The comment every slave order carries, so links can be rebuilt from the terminals."""
    return f"TC|{master_ticket}"


def parse_copy_comment(comment: str) -> int | None:
    if not comment.startswith("TC|"):
        return None
    digits = comment[3:].split("|", 1)[0]
    return int(digits) if digits.isdigit() else None


class CopyLike(Protocol):
    """A position or order on a slave as the executors see it (any terminal's shape)."""

    @property
    def ticket(self) -> int: ...

    @property
    def magic(self) -> int: ...

    @property
    def comment(self) -> str: ...


Held = TypeVar("Held", bound=CopyLike)


def leg_copy(command: Command, held: Iterable[Held]) -> Held | None:
    """The leg-th, by ticket, of the positions or orders in ``held`` whose comment names the
    command's master ticket (TC|<ticket>, that ticket exactly) with its magic; None if fewer.
    How every executor finds a copy it was given no slave ticket for (protocol §14)."""
    ticket = command.comment_ticket
    copies = sorted(
        (h for h in held if h.magic == command.magic and parse_copy_comment(h.comment) == ticket),
        key=lambda h: h.ticket,
    )
    return copies[command.leg] if command.leg < len(copies) else None


class CopyState(msgspec.Struct, frozen=True):
    """What an existing copy looks like just before a command changes it (protocol §14, the
    ``was_*`` fields). An executor that finds the copy already as the command leaves it answers
    DUPLICATE instead of acting again, whether or not it remembers the command's id — a resend
    after a terminal died between the trade and writing the id down.

    ``volume`` is the position's or pending order's volume. For a deal on a netting account
    (OPEN, CLOSE, FILL_PENDING), where a copy is a share of the symbol's one position, it is the
    net volume of the deals carrying the copy's comment and magic, counted on the command's side
    (positive with it, negative against it). The prices are the order price, SL and TP;
    ``expiration_ms`` the order's expiry (0: good till cancelled). A msgspec Struct: the
    router builds one for most commands."""

    volume: float
    price: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    expiration_ms: int = 0


class Command(msgspec.Struct, frozen=True):
    """What a link sends a slave: one trade to make or change, under an id that never changes.

    A msgspec Struct rather than a frozen dataclass: every copy builds one per link, and a frozen
    dataclass's ``__init__`` sets each of its 24 fields through ``object.__setattr__``: 2.6 µs
    against 0.44 µs to build one, 5.0 against 0.13 µs to change one (``timeit``, side by side;
    docs/performance.md, "Commands and ticket links as Structs"). Change one with
    ``msgspec.structs.replace`` (``dataclasses.replace`` refuses a Struct)."""

    id: str
    link_id: int
    slave_id: str
    kind: CommandKind
    master_ticket: int
    symbol: str
    order_type: OrderType
    volume: float = 0.0
    price: float = 0.0  # pending: order price; market: the master's fill (for the deviation check)
    sl: float = 0.0
    tp: float = 0.0
    slave_ticket: int | None = None
    magic: int = 0
    comment: str = ""
    max_deviation_points: int = 0  # 0: no limit
    sl_distance_points: int = 0  # SL/TP as distance from the slave's fill (0: use sl/tp as given)
    tp_distance_points: int = 0
    two_step_stops: bool = False  # open without stops, then set them (market-execution brokers)
    master_seq: int = 0
    created_ms: int = 0
    expires_ms: int = 0  # 0: never; past it the executor must refuse (max signal age)
    leg: int = 0
    # The master ticket the copy's comment names (TC|<ticket>), when it is not ``master_ticket``:
    # the original one after an MT4 partial close renumbered the master's remainder. 0: the same.
    copy_ticket: int = 0
    # The copy before the command (None: not said; the executor then relies on the id alone).
    before: CopyState | None = None

    @property
    def comment_ticket(self) -> int:
        """The master ticket an executor finds this command's copy by (its TC|<ticket> comment)."""
        return self.copy_ticket or self.master_ticket

    @property
    def volume_after(self) -> float:
        """A CLOSE with a before-state: the copy's volume once it is done (0: closed)."""
        was = self.before.volume if self.before is not None else 0.0
        if self.volume <= 0 or self.volume >= was - 1e-9:
            return 0.0
        return was - self.volume


class Retcode(IntEnum):
    """Trade server return codes (MT5 numbering; MT4 errors are mapped onto these)."""

    REQUOTE = 10004
    REJECT = 10006
    CANCEL = 10007
    PLACED = 10008
    DONE = 10009
    DONE_PARTIAL = 10010
    ERROR = 10011
    TIMEOUT = 10012
    INVALID = 10013
    INVALID_VOLUME = 10014
    INVALID_PRICE = 10015
    INVALID_STOPS = 10016
    TRADE_DISABLED = 10017
    MARKET_CLOSED = 10018
    NO_MONEY = 10019
    PRICE_CHANGED = 10020
    PRICE_OFF = 10021
    INVALID_EXPIRATION = 10022
    ORDER_CHANGED = 10023
    TOO_MANY_REQUESTS = 10024
    NO_CHANGES = 10025
    SERVER_DISABLES_AT = 10026
    CLIENT_DISABLES_AT = 10027
    LOCKED = 10028
    FROZEN = 10029
    INVALID_FILL = 10030
    CONNECTION = 10031
    ONLY_REAL = 10032
    LIMIT_ORDERS = 10033
    LIMIT_VOLUME = 10034
    INVALID_ORDER = 10035
    POSITION_CLOSED = 10036
    INVALID_CLOSE_VOLUME = 10038
    CLOSE_ORDER_EXIST = 10039
    LIMIT_POSITIONS = 10040
    REJECT_CANCEL = 10041
    LONG_ONLY = 10042
    SHORT_ONLY = 10043
    CLOSE_ONLY = 10044
    FIFO_CLOSE = 10045
    HEDGE_PROHIBITED = 10046
    # Copier-side outcomes (not sent by any trade server).
    EXPIRED = 19001  # the command outlived its max signal age
    DEVIATION = 19002  # slave price too far from the master's fill
    DUPLICATE = 19003  # already executed: the executor reports the first result again


SUCCESS_RETCODES = frozenset({Retcode.DONE, Retcode.PLACED, Retcode.DONE_PARTIAL})
_NOTHING_TO_DO = frozenset({Retcode.DUPLICATE, Retcode.NO_CHANGES})


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    command_id: str
    slave_id: str
    retcode: int
    message: str = ""
    slave_ticket: int | None = None
    volume: float = 0.0  # volume actually filled or closed
    price: float = 0.0
    executed_ms: int = 0
    sl: float = 0.0
    tp: float = 0.0

    @property
    def ok(self) -> bool:
        """Done, or nothing left to do (already executed; SL/TP already as asked)."""
        return self.retcode in SUCCESS_RETCODES or self.retcode in _NOTHING_TO_DO

    def plain(self) -> ResultValues:
        """Its fields in order, as a tuple of plain values: ``ExecutionResult(*plain)`` is it
        again. A tuple of strings and numbers is one the garbage collector stops watching,
        where it watches a result object for as long as it lives: what is kept by the thousand
        (a terminal's remembered results) is kept so."""
        return (self.command_id, self.slave_id, self.retcode, self.message, self.slave_ticket,
                self.volume, self.price, self.executed_ms, self.sl, self.tp)  # fmt: skip


# ExecutionResult.plain(): command_id, slave_id, retcode, message, slave_ticket, volume, price,
# executed_ms, sl, tp.
ResultValues = tuple[str, str, int, str, int | None, float, float, int, float, float]


def already_done_text(command: Command, what: str) -> str:
    """The message of a DUPLICATE answer: the copy is already as ``command`` leaves it (§14)."""
    return f"{command.symbol}: {what} — the command was already carried out, not done twice"


def result_of(
    command: Command,
    retcode: int,
    message: str,
    *,
    executed_ms: int,
    slave_id: str | None = None,
    ticket: int | None = None,
    volume: float = 0.0,
    price: float = 0.0,
    sl: float = 0.0,
    tp: float = 0.0,
) -> ExecutionResult:
    """The result an executor reports for ``command`` (by default from the command's slave)."""
    return ExecutionResult(
        command_id=command.id,
        slave_id=command.slave_id if slave_id is None else slave_id,
        retcode=int(retcode),
        message=message,
        slave_ticket=ticket,
        volume=volume,
        price=price,
        executed_ms=executed_ms,
        sl=sl,
        tp=tp,
    )
