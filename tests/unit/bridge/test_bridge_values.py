"""Semantic limits on a master's trade event (values.py) and 64-bit integers (codec.py)."""

from __future__ import annotations

import json

import pytest
from msgspec.structs import replace

from copier.bridge.codec import FrameError, decode
from copier.bridge.protocol import ErrorCode, Event
from copier.bridge.values import event_problem
from copier.domain import EventKind, OrderType, Quote

OPENED = Event(
    seq=1, kind=EventKind.OPENED, ticket=7, sym="EURUSD", type=OrderType.BUY, vol=0.1,
    price=1.1, time=1, sl=1.09, tp=1.12,
)  # fmt: skip
QUOTE = Quote("EURUSD", 1.1, 1.1002, 1)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"price": 0.0}, "is not a price"),
        ({"vol": -0.1}, "cannot be negative"),
        ({"vol": 0.0}, "leaves nothing open"),
        ({"sl": -5.0}, "not negative"),
        ({"sl": 1.11}, "SL 1.11 is on the wrong side"),
        ({"tp": 1.09}, "TP 1.09 is on the wrong side"),
        ({"type": OrderType.SELL}, "SL 1.09 is on the wrong side"),
        ({"kind": EventKind.PENDING_PLACED, "type": OrderType.SELL_LIMIT}, "wrong side"),
    ],
)
def test_an_event_that_cannot_be_a_trade_is_refused_with_a_reason(
    change: dict[str, object], words: str
) -> None:
    problem = event_problem(replace(OPENED, **change), None, 0.2)  # type: ignore[arg-type]

    assert problem is not None and words in problem


def test_real_trades_pass_and_a_modified_stop_may_sit_above_a_buys_open_price() -> None:
    trailing = replace(OPENED, kind=EventKind.MODIFIED, sl=1.15, tp=0.0)
    closed = replace(OPENED, kind=EventKind.CLOSED, vol=0.0, closed=0.1, sl=0.0, tp=0.0)
    sell = replace(OPENED, type=OrderType.SELL, sl=1.12, tp=1.09)

    assert [event_problem(e, QUOTE, 0.2) for e in (OPENED, trailing, closed, sell)] == [None] * 4


def test_the_collar_refuses_a_price_far_from_the_last_quote_and_is_off_at_0() -> None:
    fat = replace(OPENED, price=1e308, sl=0.0, tp=0.0)

    refused = event_problem(fat, QUOTE, 0.2)

    assert refused is not None and "more than 20% away from the last known quote" in refused
    assert event_problem(fat, QUOTE, 0.0) is None  # no collar: only the sanity rules
    assert event_problem(replace(OPENED, price=1.3, sl=0, tp=0), QUOTE, 0.2) is None


def test_an_integer_beyond_64_bits_is_a_bad_value_not_a_crash() -> None:
    frame = {"t": "ack", "seq": 2**63}

    with pytest.raises(FrameError) as refused:
        decode(json.dumps(frame))
    accepted = decode(json.dumps({"t": "ack", "seq": 2**63 - 1}))

    assert refused.value.code is ErrorCode.BAD_VALUE and "64 bits" in refused.value.reason
    assert accepted.seq == 2**63 - 1  # type: ignore[attr-defined]


def test_a_close_is_never_refused_for_its_price_and_a_far_pending_order_is_fine() -> None:
    close = replace(OPENED, kind=EventKind.CLOSED, vol=0.0, closed=0.1, price=0.0, sl=-1.0)
    far_stop = replace(OPENED, kind=EventKind.PENDING_PLACED, type=OrderType.SELL_STOP, price=1.0)
    far_stop = replace(far_stop, sl=0.0, tp=0.0)

    assert event_problem(close, QUOTE, 0.2) is None  # refusing it would leave the copies open
    assert event_problem(far_stop, QUOTE, 0.2) is None  # pending orders may sit far away
    assert event_problem(replace(close, closed=-0.1), QUOTE, 0.2) is not None
