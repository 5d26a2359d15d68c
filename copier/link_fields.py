"""A link's fields by name, typed from ``Link`` and ``LinkRules`` themselves: text typed on the
command line (``copier links set 3 lot_value=0.5``) and values read from a configuration file are
turned into each field's type, element by element, with problems that name the field and the bad
value. ``LinkRules.from_dict`` then checks how the fields fit together.
"""

from __future__ import annotations

import math
import types
import typing
from enum import StrEnum
from functools import cache
from typing import Any

from copier.engine.config import LinkMode, LinkRules

LINK_FIELDS: dict[str, Any] = {"name": str, "enabled": bool, "mode": LinkMode}
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_NONE = ("", "none", "off")


class FieldError(ValueError):
    """One field's value cannot be used; the message names the field and says why."""


@cache
def rule_types() -> dict[str, Any]:
    return typing.get_type_hints(LinkRules)


def field_type(name: str) -> Any:
    kind = LINK_FIELDS.get(name) or rule_types().get(name)
    if kind is None:
        known = ", ".join([*LINK_FIELDS, *rule_types()])
        raise FieldError(f"{name}: there is no such field (fields: {known})")
    return kind


def from_text(name: str, text: str) -> Any:
    """The value of field ``name`` typed as ``text`` on the command line."""
    try:
        return _parse(field_type(name), text.strip())
    except (TypeError, ValueError) as exc:
        if isinstance(exc, FieldError):
            raise
        raise FieldError(f"{name}: {exc}") from None


def checked(name: str, value: Any) -> Any:
    """The value of field ``name`` read from a file (JSON/TOML types), checked strictly."""
    try:
        return _check(field_type(name), value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, FieldError):
            raise
        raise FieldError(f"{name}: {exc}") from None


def _optional(kind: Any) -> Any | None:
    """``T`` of ``T | None``, else None."""
    if isinstance(kind, types.UnionType):
        rest = [a for a in typing.get_args(kind) if a is not type(None)]
        return rest[0] if len(rest) == 1 else None
    return None


def _parse(kind: Any, text: str) -> Any:
    inner = _optional(kind)
    if inner is not None:
        return None if text.lower() in _NONE else _parse(inner, text)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple and args[-1:] != (Ellipsis,):  # a fixed pair: trading hours
        parts = text.split("-")
        if len(parts) != len(args):
            raise ValueError(f"'{text}' is not a range like 08:00-17:00")
        return tuple(_minutes(p) for p in parts)
    if origin is tuple:
        return tuple(_parse(args[0], p.strip()) for p in text.split(",") if p.strip())
    if origin is dict:
        pairs = [p for p in text.split(",") if p.strip()]
        out: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition(":")
            if not sep or not key.strip():
                raise ValueError(f"'{pair}' is not a pair like EURUSD:EURUSD.m")
            out[key.strip()] = _parse(args[1], value.strip())
        return out
    if kind is bool:
        if text.lower() in _TRUE or text.lower() in _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"'{text}' is not true or false")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number") from None
    if kind is float:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"'{text}' is not a finite number")
        return number
    return _check(kind, text)


def _minutes(text: str) -> int:
    """``HH:MM`` (UTC) as a minute of the day; 24:00 is the end of the day."""
    hours, sep, minutes = text.strip().partition(":")
    try:
        h, m = int(hours), int(minutes)
    except ValueError:
        raise ValueError(f"'{text}' is not a time like 08:00") from None
    if not sep or not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise ValueError(f"'{text}' is not a time like 08:00")
    return h * 60 + m


def _check(kind: Any, value: Any) -> Any:
    inner = _optional(kind)
    if inner is not None:
        return None if value is None else _check(inner, value)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError(f"{value!r} is not a list")
        if args[-1:] == (Ellipsis,):
            return tuple(_check(args[0], v) for v in value)
        if len(value) != len(args):
            raise ValueError(f"{value!r} is not a list of {len(args)} values")
        return tuple(_check(a, v) for a, v in zip(args, value, strict=True))
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise TypeError(f"{value!r} is not a table of names")
        return {k: _check(args[1], v) for k, v in value.items()}
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        choices = [member.value for member in kind]
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return kind(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{value!r} is not true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{value!r} is not a whole number")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{value!r} is not a number")
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(f"{value!r} is not text")
        return value
    raise TypeError(f"{value!r} has a type this field does not take")
