"""Plain data (JSON types: what the store, a settings file or a form hands over) checked against
typed settings with msgspec, and each refusal said in words a trader can act on: the setting, the
value and what it should have been ("magic_allow: '7' is not a whole number").

Imports nothing of ``copier``, so the engine, the store and the UI can all use it.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any

import msgspec

# msgspec's names for the kinds of plain data (https://jcristharif.com/msgspec/usage.html#typed-decoding
# spells them in its errors) → what a trader reads.
_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "a table of names and values",
    "null": "nothing",
}
_KINDS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float,),
    "str": (str,),
    "bool": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}
_EXPECTED = re.compile(r"^Expected `([^`]+)`(?: of length (\d+))?, got `?([^`\s]+)`?")
_ENUM = re.compile(r"^Invalid enum value ")
_PATH = re.compile(r" - at `\$([^`]*)`$")
_STEP = re.compile(r"\[(\d+|\.\.\.)\]|\.(\w+)")


def convert_each(
    data: Mapping[str, Any], types: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Every known setting converted to its type, and the refused ones as "name: why" sentences
    (settings ``types`` does not know are left out of both)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in data.items():
        if name not in types:
            continue
        try:
            values[name] = msgspec.convert(value, types[name])
        except msgspec.ValidationError as exc:
            problems.append(f"{name}: {_sentence(value, types[name], str(exc))}")
    return values, problems


def explain_refusal(value: Any, type_: Any) -> str | None:
    """Why ``value`` is not a ``type_``, in words; None when it is one."""
    try:
        msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        return _sentence(value, type_, str(exc))
    return None


def _sentence(value: Any, type_: Any, error: str) -> str:
    path = _PATH.search(error)
    message = error[: path.start()] if path else error
    expected = _EXPECTED.match(message)
    got = expected.group(3) if expected and not expected.group(2) else ""
    bad = _at(value, path.group(1) if path else "", got)
    if _ENUM.match(message):
        choices = ", ".join(str(m.value) for m in _enum_members(type_))
        return f"{_shown(bad)} is not one of {choices}"
    if expected and expected.group(2):
        return f"{_shown(bad)} should hold {expected.group(2)} items, not {len(bad)}"
    if expected:
        words = " or ".join(_WORDS.get(k.strip(), k.strip()) for k in expected.group(1).split("|"))
        return f"{_shown(bad)} is not {words}"
    return f"{_shown(bad)} is not accepted here"


def _at(value: Any, path: str, got: str) -> Any:
    """The element a msgspec error path points at (``[...]`` is some value of a table: the first
    of the kind the error names)."""
    for index, name in _STEP.findall(path):
        if index == "...":
            kinds = _KINDS.get(got, ())
            value = next((v for v in value.values() if _is(v, kinds)), value)
        elif index:
            value = value[int(index)]
        else:
            value = value[name]
    return value


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def _enum_members(type_: Any) -> list[Enum]:
    if isinstance(type_, type) and issubclass(type_, Enum):
        return list(type_)
    return [m for arg in typing.get_args(type_) for m in _enum_members(arg)]


def _shown(value: Any) -> str:
    if value is None:
        return "an empty value"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
