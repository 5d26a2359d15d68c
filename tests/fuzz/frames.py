"""Hostile frames: hypothesis strategies built from the protocol schemas, then broken."""

from __future__ import annotations

import json
import typing
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from copier.bridge.protocol import MESSAGE_CLASSES

_SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    int: st.one_of(st.integers(-(2**63), 2**63), st.integers()),
    float: st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
    str: st.text(max_size=40),
    bool: st.booleans(),
}
_ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))


def _field_value(hint: Any) -> st.SearchStrategy[Any]:
    if typing.get_origin(hint) is typing.Annotated:  # the protocol's Int: an int, 64 bits
        hint = typing.get_args(hint)[0]
    if hint in _SCALARS:
        return _SCALARS[hint]
    if isinstance(hint, type) and issubclass(hint, str):  # the StrEnums of the protocol
        return st.one_of(st.sampled_from([m.value for m in hint]), st.text(max_size=12))
    return st.lists(st.dictionaries(st.text(max_size=8), _ANY, max_size=6), max_size=3)


def _message(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    fields = {f.name: _field_value(f.type) for f in msgspec.structs.fields(cls)}
    base = st.fixed_dictionaries({"t": st.just(cls.TYPE.value)}, optional=fields)  # type: ignore[attr-defined]
    return st.one_of(base, st.tuples(base, _ANY).map(lambda p: {**p[0], "x": p[1]}))


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, allow_nan=True)  # NaN and Infinity written as JS does


def _deep(depth: int) -> str:
    return '{"t":"account","time":' + "[" * depth + "]" * depth + "}"


FRAME = st.one_of(
    st.one_of(*(_message(cls) for cls in MESSAGE_CLASSES)).map(_text),
    st.text(max_size=200),  # random text
    st.integers(50, 5000).map(_deep),  # deep nesting
    st.integers(4000, 6000).map(lambda n: '{"t":"ping","id":' + "9" * n + "}"),  # huge number
    st.sampled_from(['{"t":"ping","id":NaN}', '{"t":"pong","id":1e999}', "[]", "null", '"t"']),
)


class BadText(bytes):
    """Bytes sent in a *text* frame although they are not UTF-8 (truncated or invalid)."""


Frame = str | bytes  # str: a text frame; bytes: a binary frame; BadText: a text frame, not UTF-8

_BAD_UTF8 = st.one_of(
    st.text(min_size=1, max_size=40).map(lambda t: (t + "é€😀").encode()[:-1]),  # truncated
    st.binary(min_size=1, max_size=40).map(lambda b: b + b"\xff\xfe"),  # never valid UTF-8
    st.just(b'{"t":"ping","id":1,"x":"\xc3\x28"}'),  # a bad sequence inside valid JSON
).map(BadText)
_BINARY = st.one_of(st.binary(max_size=200), st.just(b'{"t":"ping","id":1}'))
# One frame in RARE ends its session (the bridge must close on it), so they are kept rare:
# every reconnect costs the fuzzing client a hello with a key check.
RARE = 250


def generate(count: int, seed_value: int = 7, batch: int = 50) -> list[Frame]:
    """``count`` frames (rounded up to ``batch``), the same list for the same seed. Every
    RARE-th frame is a binary frame or a text frame that is not UTF-8."""
    frames: list[Frame] = []

    @seed(seed_value)
    @settings(max_examples=max(1, -(-count // batch)), database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(FRAME, min_size=batch, max_size=batch), _BAD_UTF8, _BINARY)
    def collect(items: list[str], bad: BadText, binary: bytes) -> None:
        for item in items:
            frames.append(item)
            if len(frames) % RARE == 0:
                frames.append(bad if (len(frames) // RARE) % 2 else binary)

    collect()
    return frames[:count]
