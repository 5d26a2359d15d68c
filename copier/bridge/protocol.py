"""EA bridge protocol v1: message types, close codes, timings and one typed schema per message.

The wire format is one JSON object per WebSocket text frame with a ``t`` field naming the
message type. Field names here are the wire names, so a schema class *is* the documentation of
its frame (docs/protocol.md mirrors this module; tests check the two agree). Values are flat:
numbers, strings, booleans, and — only inside ``snapshot`` — arrays of flat objects, because the
MQL EAs parse frames with a small hand-written parser.

The schemas are msgspec Structs tagged by ``t``: one decoder reads any frame into its message
(``copier.bridge.codec``), and an encoder writes the fields in the order given here, ``t`` first.
Integers are held to 64 bits (MQL's ``long``, what SQLite stores) by the ``Int`` annotation.
Messages hold only scalars and tuples of item Structs, never a cycle, so they are left out of the
garbage collector's tracking (``gc=False``): a busy bridge makes one per frame.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated, ClassVar

import msgspec

from copier.domain import CommandKind, EventKind, MarginMode, OrderType, Platform, Side

PROTOCOL_VERSION = 1
PATH = "/ea/v1"


class MsgType(StrEnum):
    """Every frame type of protocol v1; the value is the frame's ``t`` field."""

    HELLO = "hello"  # EA → bridge, first frame
    WELCOME = "welcome"  # bridge → EA, session accepted
    SNAPSHOT = "snapshot"  # EA → bridge, after welcome and on request (may be split in parts)
    SNAPSHOT_REQUEST = "snapshot_request"  # bridge → EA
    ACCOUNT = "account"  # EA → bridge, account figures when they change (at most 1/s)
    EVENT = "event"  # monitor → bridge, one change on the master account
    ACK = "ack"  # bridge → monitor, cumulative: every event up to ``seq`` is durable
    COMMAND = "command"  # bridge → executor
    RESULT = "result"  # executor → bridge
    PING = "ping"  # either way
    PONG = "pong"  # either way, echoes the ping's id
    ERROR = "error"  # bridge → EA, a frame was refused; the session goes on


class Role(StrEnum):
    MONITOR = "monitor"  # streams a master account's changes
    EXECUTOR = "executor"  # executes copy commands on a slave account


class CloseCode(IntEnum):
    """WebSocket close codes the bridge uses; the close reason carries a human sentence."""

    NORMAL = 1000
    GOING_AWAY = 1001  # the bridge is stopping: reconnect with backoff
    FRAME_TOO_LARGE = 1009  # a frame over MAX_FRAME bytes (sent by the WebSocket layer)
    INTERNAL_ERROR = 1011  # the copier could not take an event in: reconnect, resend unacked
    MALFORMED = 4400  # a bad first frame, or too many bad frames in one session
    BAD_KEY = 4401  # API key unknown, expired or revoked
    ACCOUNT_MISMATCH = 4403  # the key belongs to another account (login + server)
    ROLE_REFUSED = 4405  # the key does not open this role (a slave's key for a monitor)
    ADDRESS_REFUSED = 4406  # the EA's address is not in the listener's or the account's allow list
    HELLO_TIMEOUT = 4408  # no hello within HELLO_TIMEOUT_S
    DUPLICATE_SESSION = 4409  # a live session already serves this account and role
    HEARTBEAT_TIMEOUT = 4410  # nothing received for SILENCE_TIMEOUT_S
    BINARY_FRAME = 4415  # only text frames are accepted
    UNSUPPORTED_VERSION = 4426  # hello.v is not PROTOCOL_VERSION
    RATE_LIMITED = 4429  # the connection's token bucket ran dry
    AUTH_THROTTLED = 4430  # too many failed hellos from this address: wait, then retry
    SLOW_CONSUMER = 4503  # the EA does not read: its send buffer passed the limit


# Close codes after which an EA must not reconnect on its own: the user has to fix the inputs.
FATAL_CLOSE_CODES = frozenset(
    {
        CloseCode.BAD_KEY,
        CloseCode.ACCOUNT_MISMATCH,
        CloseCode.ROLE_REFUSED,
        CloseCode.UNSUPPORTED_VERSION,
    }
)


class ErrorCode(StrEnum):
    """``error`` frame codes: the offending frame was dropped, the session stays open."""

    MALFORMED = "malformed"  # not JSON, not an object, or no string ``t``
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"  # e.g. a string where a number belongs
    BAD_VALUE = "bad_value"  # right type, value out of its set (e.g. kind "sideways")
    WRONG_ROLE = "wrong_role"  # e.g. an event from an executor session
    UNEXPECTED = "unexpected"  # a valid frame that makes no sense now (a second hello)


# Timings and limits (seconds, bytes, frames). docs/protocol.md §Timings lists the same values.
MAX_FRAME = 65536
HELLO_TIMEOUT_S = 5.0
PING_INTERVAL_S = 5.0
SILENCE_TIMEOUT_S = 15.0
SNAPSHOT_PART_ITEMS = 100  # at most this many positions+orders+symbols per snapshot part
ACCOUNT_MIN_INTERVAL_S = 1.0
RATE_PER_S = 5000.0  # token bucket refill per connection
RATE_BURST = 500
BAD_FRAME_LIMIT = 10  # error frames a session may provoke before it is closed with 4400
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
BACKOFF_JITTER = (0.5, 1.0)  # the delay is multiplied by a uniform factor in this range
BACKOFF_RESET_AFTER_S = 10.0  # a session open this long after welcome resets the backoff


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
Int = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]


class Item(msgspec.Struct, frozen=True, gc=False):
    """Base of the flat objects inside a ``snapshot``'s lists."""


class Message(msgspec.Struct, frozen=True, gc=False, tag_field="t"):
    """Base of every schema; ``TYPE`` is the frame's ``t`` (the Struct's tag)."""

    TYPE: ClassVar[MsgType]


class Hello(Message, frozen=True, tag="hello"):
    TYPE: ClassVar[MsgType] = MsgType.HELLO
    v: Int
    key: str
    role: Role
    platform: Platform
    login: Int
    server: str
    currency: str
    margin: MarginMode
    ea: str  # EA version
    build: Int  # terminal build
    trade: bool  # trading allowed (AutoTrading on, account may trade)
    company: str = ""


class Welcome(Message, frozen=True, tag="welcome"):
    TYPE: ClassVar[MsgType] = MsgType.WELCOME
    v: Int
    session: str
    account: str  # the copier's id for the account, e.g. "mt4:12345@Broker-Demo"
    ack: Int  # last event seq the copier handled for this account (0: none)
    ping: Int  # ms between the bridge's pings
    timeout: Int  # ms of silence after which either side drops the session
    max_frame: Int  # bytes
    rate: Int  # frames/s the token bucket refills
    burst: Int  # token bucket size
    time: Int  # bridge clock, epoch ms
    key_days: Int = -1  # whole days until the API key stops working (-1: unknown)
    warn: str = ""  # a sentence the EA shows the trader (e.g. the key expires soon); "": none


class SnapPosition(Item, frozen=True):
    ticket: Int
    sym: str
    side: Side
    vol: float
    price: float  # open price
    sl: float = 0.0
    tp: float = 0.0
    magic: Int = 0
    comment: str = ""
    time: Int = 0  # open time, epoch ms
    profit: float = 0.0


class SnapOrder(Item, frozen=True):
    ticket: Int
    sym: str
    type: OrderType
    vol: float
    price: float
    sl: float = 0.0
    tp: float = 0.0
    magic: Int = 0
    comment: str = ""
    time: Int = 0
    exp: Int = 0  # expiration, epoch ms (0: good till cancelled)


class SnapSymbol(Item, frozen=True):
    name: str
    digits: Int
    point: float
    contract: float
    tick_size: float
    tick_value: float
    vol_min: float
    vol_max: float
    vol_step: float
    stops: Int = 0  # stops level, points
    filling: Int = 3  # filling-mode bitmask (1 FOK, 2 IOC)
    currency: str = "USD"  # profit currency
    bid: float = 0.0  # 0: no quote
    ask: float = 0.0


class Snapshot(Message, frozen=True, tag="snapshot"):
    TYPE: ClassVar[MsgType] = MsgType.SNAPSHOT
    sid: Int  # 0 when sent on the EA's own after welcome, else the request's sid
    part: Int  # 1, 2, ...
    last: bool  # true on the final part
    time: Int
    balance: float
    equity: float
    margin: float
    free: float
    trade: bool
    positions: tuple[SnapPosition, ...] = ()
    orders: tuple[SnapOrder, ...] = ()
    symbols: tuple[SnapSymbol, ...] = ()


class SnapshotRequest(Message, frozen=True, tag="snapshot_request"):
    TYPE: ClassVar[MsgType] = MsgType.SNAPSHOT_REQUEST
    sid: Int  # 1, 2, ... per session; the snapshot parts carry it back
    symbols: bool = True  # false: positions, orders and account only (symbols list empty)


class Account(Message, frozen=True, tag="account"):
    TYPE: ClassVar[MsgType] = MsgType.ACCOUNT
    time: Int
    balance: float
    equity: float
    margin: float
    free: float
    trade: bool
    positions: Int  # open positions count


class Event(Message, frozen=True, tag="event"):
    TYPE: ClassVar[MsgType] = MsgType.EVENT
    seq: Int
    kind: EventKind
    ticket: Int
    sym: str
    type: OrderType
    vol: float  # volume after the event
    price: float
    time: Int  # detected, epoch ms
    sl: float = 0.0
    tp: float = 0.0
    closed: float = 0.0  # volume a (partial) close took away
    new_ticket: Int = 0  # 0: ticket unchanged
    magic: Int = 0
    comment: str = ""


class Ack(Message, frozen=True, tag="ack"):
    TYPE: ClassVar[MsgType] = MsgType.ACK
    seq: Int


class CommandMsg(Message, frozen=True, tag="command"):
    TYPE: ClassVar[MsgType] = MsgType.COMMAND
    id: str
    kind: CommandKind
    link: Int
    ticket: Int  # master ticket
    sym: str  # slave symbol
    type: OrderType
    vol: float = 0.0
    price: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    slave_ticket: Int = 0  # 0: none
    magic: Int = 0
    comment: str = ""
    dev: Int = 0  # max deviation in points (0: no limit)
    sl_pts: Int = 0  # SL as distance from the fill, points (0: use sl)
    tp_pts: Int = 0
    two_step: bool = False
    seq: Int = 0  # master event seq
    leg: Int = 0
    created: Int = 0
    expires: Int = 0  # epoch ms (0: never)
    # The copy before the command (§14 step 5), when ``was``. An executor that finds the copy
    # already as the command leaves it answers 19003 instead of acting again.
    was: bool = False
    was_vol: float = 0.0
    was_price: float = 0.0
    was_sl: float = 0.0
    was_tp: float = 0.0
    was_exp: Int = 0


class Result(Message, frozen=True, tag="result"):
    TYPE: ClassVar[MsgType] = MsgType.RESULT
    id: str
    rc: Int  # trade server return code (copier.domain.Retcode)
    msg: str = ""
    ticket: Int = 0  # slave ticket (0: none)
    vol: float = 0.0
    price: float = 0.0
    time: Int = 0
    sl: float = 0.0
    tp: float = 0.0


class Ping(Message, frozen=True, tag="ping"):
    TYPE: ClassVar[MsgType] = MsgType.PING
    id: Int
    ts: Int = 0  # sender clock, epoch ms (informational)


class Pong(Message, frozen=True, tag="pong"):
    TYPE: ClassVar[MsgType] = MsgType.PONG
    id: Int  # the ping's id


class Error(Message, frozen=True, tag="error"):
    TYPE: ClassVar[MsgType] = MsgType.ERROR
    code: ErrorCode
    msg: str
    ref: str = ""  # the refused frame's type, seq or id when known


MESSAGE_CLASSES: tuple[type[Message], ...] = (
    Hello,
    Welcome,
    Snapshot,
    SnapshotRequest,
    Account,
    Event,
    Ack,
    CommandMsg,
    Result,
    Ping,
    Pong,
    Error,
)

# Which frames each side may send (the bridge refuses the rest with WRONG_ROLE / UNEXPECTED).
FROM_EA = frozenset(
    {MsgType.HELLO, MsgType.SNAPSHOT, MsgType.ACCOUNT, MsgType.EVENT, MsgType.RESULT}
    | {MsgType.PING, MsgType.PONG}
)
FROM_MONITOR_ONLY = frozenset({MsgType.EVENT})
FROM_EXECUTOR_ONLY = frozenset({MsgType.RESULT})

for _cls in MESSAGE_CLASSES:  # the Struct's tag is what is written as ``t``: the two must agree
    if _cls.__struct_config__.tag != _cls.TYPE.value:
        raise TypeError(f"{_cls.__name__}: tag {_cls.__struct_config__.tag!r} is not its TYPE")
