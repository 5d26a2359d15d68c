"""Frames ↔ typed messages: msgspec reads and writes them; refusals are worded here.

One msgspec decoder, made once, reads a frame straight into the message its ``t`` names
(``copier.bridge.protocol``): ints must be JSON integers within 64 bits, floats any JSON number
(an integer reads as a float), booleans ``true``/``false``, enumerations one of their documented
strings. Unknown fields are ignored so a newer EA may add fields without breaking an older
bridge; fields with a default may be omitted. One encoder writes every field, ``t`` first,
compactly, non-ASCII unescaped.

When msgspec refuses a frame, the frame is read again with the standard library's parser and the
schema's checks, field by field, only to say why in the words and error codes the protocol
documents (§10): ``event.vol must be a number, got "0.1"``. That costs nothing on frames that
are well formed.
"""

from __future__ import annotations

import json
import math
import re
import typing
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import msgspec

from copier.bridge.protocol import (
    INT64_MAX,
    INT64_MIN,
    MESSAGE_CLASSES,
    ErrorCode,
    Message,
)


class FrameError(Exception):
    """A frame the bridge (or an EA) refuses; ``code`` goes into the error frame. ``event_seq``
    is the refused frame's seq when it is an ``event`` with a usable one (1 … 2^63 − 1)."""

    def __init__(
        self, code: ErrorCode, reason: str, ref: str = "", event_seq: int | None = None
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.ref = ref
        self.event_seq = event_seq


_decode: Callable[[str | bytes], Message] = msgspec.json.Decoder(
    typing.Union[MESSAGE_CLASSES]  # noqa: UP007
).decode
_encode = msgspec.json.Encoder().encode


def decode(text: str | bytes) -> Message:
    """One frame → its typed message, or FrameError with the reason."""
    try:
        return _decode(text)
    except (msgspec.DecodeError, RecursionError) as exc:  # ValidationError is a DecodeError
        raise _refusal(text, exc) from None


def encode_bytes(message: Message) -> bytes:
    """A typed message → one compact JSON frame (UTF-8) with every field present."""
    frame = _encode(message)
    if b"null" in frame:  # msgspec writes NaN and infinities as null; no field may be null
        _refuse_non_finite(message)
    return frame


def encode(message: Message) -> str:
    return encode_bytes(message).decode()


def to_dict(message: Message) -> dict[str, Any]:
    """A message as plain wire data, ``t`` first, lists for its tuples: the frame, read back."""
    data: dict[str, Any] = msgspec.json.decode(encode_bytes(message))
    return data


def _refuse_non_finite(value: msgspec.Struct) -> None:
    for name in value.__struct_fields__:
        field = getattr(value, name)
        if type(field) is float and not math.isfinite(field):
            raise ValueError(f"{field} cannot be sent: JSON has no such number")
        if type(field) is tuple:
            for item in field:
                _refuse_non_finite(item)


# ----- why a frame was refused ----------------------------------------------------------------

Check = Callable[[Any, str], Any]
_MISSING = object()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_parse = json.JSONDecoder(parse_constant=_reject_constant).decode

# No frame of the protocol nests deeper than three levels (§2). A deeper one is refused before
# the standard library parses it: that parser recurses once per level and gives up where the
# interpreter's recursion limit, less the caller's own depth, runs out — so whether a frame
# nested ~1,000 deep was "not valid JSON" or read on and refused for a field depended on where
# it was parsed from (the checks alone, or after msgspec refused it) and said two things.
MAX_NESTING = 64
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nested_too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_NESTING (brackets in strings skipped)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return False
    depth = 0
    for token in _STRING_OR_BRACKET.findall(text):
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif token == "]" or token == "}":
            depth -= 1
    return False


def _refusal(text: str | bytes, exc: Exception) -> FrameError:
    """The FrameError for a frame msgspec refused: the first problem the schema's checks find,
    or — for what only msgspec refuses (a ``\\u`` escape that is half a character, two
    different ``t``) — msgspec's own reason."""
    error = refusal(text)
    if error is not None:
        return error
    said = str(exc).removeprefix("JSON is malformed: ")[:120]
    if isinstance(exc, msgspec.ValidationError):  # e.g. two different types 't'
        return FrameError(ErrorCode.MALFORMED, f"frame refused: {said}")
    return FrameError(ErrorCode.MALFORMED, f"frame is not valid JSON ({said})")


def refusal(text: str | bytes) -> FrameError | None:
    """Why the schema's checks refuse a frame, field by field in the schema's order (the words
    of the error frame), or None when they find nothing wrong."""
    data = None
    try:
        data = _parse_object(text)
        _check_message(data)
    except FrameError as error:
        if data is not None and data.get("t") == "event":
            error.event_seq = _event_seq(data)
        return error
    return None


def _parse_object(text: str | bytes) -> dict[str, Any]:
    """JSON text → object, refusing anything that is not one JSON object."""
    try:
        data = text if isinstance(text, str) else text.decode("utf-8")
        if _nested_too_deep(data):
            raise FrameError(ErrorCode.MALFORMED,
                             f"frame nests arrays or objects deeper than {MAX_NESTING} levels")
        data = _parse(data)
    except (ValueError, RecursionError) as exc:
        raise FrameError(ErrorCode.MALFORMED, f"frame is not valid JSON ({_short(exc)})") from None
    if type(data) is not dict:
        raise FrameError(ErrorCode.MALFORMED, "frame must be a JSON object")
    return data


def _check_message(data: dict[str, Any]) -> None:
    frame_type = data.get("t")
    if type(frame_type) is not str:
        raise FrameError(ErrorCode.MALFORMED, "frame has no message type 't'")
    checks = _CHECKS.get(frame_type)
    if checks is None:
        raise FrameError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {frame_type[:40]!r}")
    try:
        _check_fields(checks, data, frame_type)
    except FrameError as exc:
        exc.ref = _ref(frame_type, data)
        raise


FieldCheck = tuple[str, bool, Check]  # wire name, required, the value's check
_CHECKS: dict[str, list[FieldCheck]] = {}


def _check_fields(checks: list[FieldCheck], data: dict[str, Any], where: str) -> None:
    for name, required, check in checks:
        value = data.get(name, _MISSING)
        if value is _MISSING:
            if required:
                raise FrameError(ErrorCode.MISSING_FIELD, f"{where}: missing field '{name}'")
            continue
        check(value, f"{where}.{name}")


def _check_int(value: Any, where: str) -> None:
    if type(value) is not int:
        text = f"{where} must be a whole number, got {_show(value)}"
        raise FrameError(ErrorCode.WRONG_TYPE, text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise FrameError(ErrorCode.BAD_VALUE, f"{where} does not fit in 64 bits")


def _check_float(value: Any, where: str) -> None:
    kind = type(value)
    if kind is int:  # a number; one too large for a double reads as an infinity
        try:
            float(value)
        except OverflowError:
            raise FrameError(ErrorCode.BAD_VALUE, f"{where} must be finite") from None
        return
    if kind is not float:
        raise FrameError(ErrorCode.WRONG_TYPE, f"{where} must be a number, got {_show(value)}")
    if not math.isfinite(value):
        raise FrameError(ErrorCode.BAD_VALUE, f"{where} must be finite")


def _check_str(value: Any, where: str) -> None:
    if type(value) is not str:
        raise FrameError(ErrorCode.WRONG_TYPE, f"{where} must be text, got {_show(value)}")


def _check_bool(value: Any, where: str) -> None:
    if type(value) is not bool:
        raise FrameError(ErrorCode.WRONG_TYPE, f"{where} must be true or false, got {_show(value)}")


def _enum_check(enum: type[StrEnum]) -> Check:
    allowed = {member.value for member in enum}
    listing = ", ".join(member.value for member in enum)

    def check(value: Any, where: str) -> None:
        _check_str(value, where)
        if value not in allowed:
            text = f"{where} must be one of {listing}, got {value[:40]!r}"
            raise FrameError(ErrorCode.BAD_VALUE, text)

    return check


def _items_check(item_cls: type[msgspec.Struct]) -> Check:
    checks = _field_checks(item_cls)

    def check(value: Any, where: str) -> None:
        if type(value) is not list:
            raise FrameError(ErrorCode.WRONG_TYPE, f"{where} must be a list, got {_show(value)}")
        for index, item in enumerate(value):
            if type(item) is not dict:
                raise FrameError(ErrorCode.WRONG_TYPE, f"{where}[{index}] must be an object")
            _check_fields(checks, item, f"{where}[{index}]")

    return check


_SCALAR_CHECKS: dict[Any, Check] = {
    int: _check_int,
    float: _check_float,
    str: _check_str,
    bool: _check_bool,
}


def _field_checks(cls: type[msgspec.Struct]) -> list[FieldCheck]:
    checks = []
    for f in msgspec.structs.fields(cls):
        hint = f.type
        if typing.get_origin(hint) is typing.Annotated:  # Int: an int held to 64 bits
            hint = typing.get_args(hint)[0]
        if hint in _SCALAR_CHECKS:
            check = _SCALAR_CHECKS[hint]
        elif isinstance(hint, type) and issubclass(hint, StrEnum):
            check = _enum_check(hint)
        elif typing.get_origin(hint) is tuple:
            check = _items_check(typing.get_args(hint)[0])
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported wire type {hint}")
        checks.append((f.encode_name, f.required, check))
    return checks


_CHECKS.update({cls.TYPE.value: _field_checks(cls) for cls in MESSAGE_CLASSES})


def _show(value: Any) -> str:
    text = json.dumps(value) if value is None or isinstance(value, bool | int | float | str) else ""
    kind = {dict: "an object", list: "a list", type(None): "null"}.get(type(value), "")
    return kind or (text[:40] if text else type(value).__name__)


def _ref(frame_type: str, data: dict[str, Any]) -> str:
    """What an error frame points at: the type, plus the seq or id when the frame has one."""
    seq, ident = data.get("seq"), data.get("id")
    if type(seq) is int:
        return f"{frame_type}:{seq}"
    if type(ident) in (int, str):
        return f"{frame_type}:{str(ident)[:80]}"
    return frame_type


def _event_seq(data: dict[str, Any]) -> int | None:
    seq = data.get("seq")
    return seq if type(seq) is int and 0 < seq <= INT64_MAX else None


def _short(exc: Exception) -> str:
    return str(exc).split(":", 1)[0][:60]
