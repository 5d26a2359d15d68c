"""Frames ↔ typed messages: the shared test vectors, round trips and strict typing."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copier.bridge import codec
from copier.bridge.protocol import (
    Account,
    Ack,
    Error,
    ErrorCode,
    Event,
    MsgType,
    Ping,
)
from copier.domain import EventKind, OrderType

VECTORS = Path(__file__).parents[2] / "vectors" / "protocol"


def _cases(name: str) -> list[dict[str, Any]]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", _cases("frames_valid.json"), ids=lambda c: c["name"])
def test_every_valid_vector_decodes_to_its_expected_message(case: dict[str, Any]) -> None:
    message = codec.decode(case["frame"])

    assert codec.to_dict(message) == case["expect"]


@pytest.mark.parametrize("case", _cases("frames_invalid.json"), ids=lambda c: c["name"])
def test_every_invalid_vector_is_refused_with_its_error_code(case: dict[str, Any]) -> None:
    with pytest.raises(codec.FrameError) as refused:
        codec.decode(case["frame"])

    assert refused.value.code == ErrorCode(case["error"])
    if "field" in case:
        assert f".{case['field']}" in refused.value.reason or case["field"] in refused.value.reason


def test_vectors_cover_every_message_type_and_every_error_code() -> None:
    valid_types = {c["expect"]["t"] for c in _cases("frames_valid.json")}
    error_codes = {c["error"] for c in _cases("frames_invalid.json")}

    assert valid_types == {t.value for t in MsgType}
    frame_errors = {ErrorCode.WRONG_ROLE, ErrorCode.UNEXPECTED}  # session-level, not frame-level
    assert error_codes == {c.value for c in ErrorCode} - frame_errors


def test_encoding_writes_every_field_compactly_with_the_type_first() -> None:
    frame = codec.encode(Ack(seq=7))

    assert frame == '{"t":"ack","seq":7}'


def test_encoding_refuses_a_number_json_cannot_carry() -> None:
    with pytest.raises(ValueError):
        codec.encode(
            Account(time=1, balance=math.nan, equity=1, margin=0, free=1, trade=True, positions=0)
        )


def test_a_text_that_says_null_is_written_as_it_is() -> None:
    """msgspec writes NaN as null: the encoder looks closer when a frame has null in it."""
    frame = codec.encode(Error(code=ErrorCode.BAD_VALUE, msg="null", ref="null:1"))

    assert frame == '{"t":"error","code":"bad_value","msg":"null","ref":"null:1"}'


@given(text=st.text(max_size=60))
def test_text_is_written_as_the_protocol_says(text: str) -> None:
    """§2: `"`, `\\` and control characters escaped, everything else as it is (UTF-8): what
    Python's json module writes with ensure_ascii off."""
    message = Error(code=ErrorCode.UNEXPECTED, msg=text, ref="")
    expected = json.dumps(
        {"t": "error", "code": "unexpected", "msg": text, "ref": ""},
        separators=(",", ":"),
        ensure_ascii=False,
    )

    assert codec.encode(message) == expected


def test_a_whole_number_too_large_for_a_number_field_is_refused_as_not_finite() -> None:
    frame = (
        '{"t":"account","time":1,"balance":1' + "0" * 400 + ',"equity":1,"margin":0,"free":1,'
        '"trade":true,"positions":0}'
    )

    with pytest.raises(codec.FrameError) as refused:
        codec.decode(frame)

    assert refused.value.code is ErrorCode.BAD_VALUE
    assert refused.value.reason == "account.balance must be finite"


def test_an_integer_where_a_number_belongs_reads_as_a_float() -> None:
    message = codec.decode('{"t":"ack","seq":3}')
    account = codec.decode(
        '{"t":"account","time":1,"balance":100,"equity":100,"margin":0,"free":100,"trade":true,'
        '"positions":0}'
    )

    assert message == Ack(seq=3)
    assert isinstance(account, Account) and type(account.balance) is float


def test_a_boolean_is_not_accepted_as_an_integer() -> None:
    with pytest.raises(codec.FrameError) as refused:
        codec.decode('{"t":"ping","id":true}')

    assert refused.value.code is ErrorCode.WRONG_TYPE


def test_an_error_names_the_frame_it_refused_by_type_and_seq() -> None:
    with pytest.raises(codec.FrameError) as refused:
        codec.decode('{"t":"event","seq":12,"kind":"opened"}')

    assert refused.value.ref == "event:12"
    assert refused.value.code is ErrorCode.MISSING_FIELD


_texts = st.text(max_size=30)
_numbers = st.floats(allow_nan=False, allow_infinity=False, width=64)
_tickets = st.integers(min_value=0, max_value=2**63 - 1)


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    kind=st.sampled_from(EventKind),
    order_type=st.sampled_from(OrderType),
    ticket=_tickets,
    volume=_numbers,
    price=_numbers,
    comment=_texts,
    new_ticket=_tickets,
)
def test_an_event_survives_encoding_and_decoding_unchanged(
    seq: int,
    kind: EventKind,
    order_type: OrderType,
    ticket: int,
    volume: float,
    price: float,
    comment: str,
    new_ticket: int,
) -> None:
    event = Event(
        seq=seq,
        kind=kind,
        ticket=ticket,
        sym="EURUSD.m",
        type=order_type,
        vol=volume,
        price=price,
        time=1_767_225_600_000,
        comment=comment,
        new_ticket=new_ticket,
    )

    assert codec.decode(codec.encode(event)) == event


@given(ping_id=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_a_ping_survives_encoding_and_decoding_unchanged(ping_id: int) -> None:
    assert codec.decode(codec.encode(Ping(id=ping_id, ts=5))) == Ping(id=ping_id, ts=5)
