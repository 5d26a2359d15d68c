"""A frozen engine value with some fields changed: ``changed(leg, state=..., ...)``.

For a msgspec Struct (ticket links, commands) it is ``msgspec.structs.replace``, done in C.
For a dataclass it is ``dataclasses.replace``, which reads every field by name and checks each
one for ``init=False`` on every call; this reads them all in one ``attrgetter`` call and builds
the copy by position instead (≈ 2.2 µs against 3.3 µs for a 15-field value). The result is the
same value ``replace`` gives: a class with a field left out of ``__init__`` (or only by keyword)
is refused when first seen, an unknown field name is a ``TypeError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

import msgspec
import msgspec.structs

Value = TypeVar("Value")

# class → (all its field values in order, field name → position)
_SHAPES: dict[type, tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]]] = {}


def changed(value: Value, **changes: Any) -> Value:
    """``value`` with ``changes`` applied (``dataclasses.replace`` for a dataclass whose every
    field is an ``__init__`` argument)."""
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.replace(value, **changes)
    cls = type(value)
    shape = _SHAPES.get(cls) or _shape(cls)
    read, position = shape
    values = list(read(value))
    for name, new in changes.items():
        where = position.get(name)
        if where is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        values[where] = new
    return cls(*values)


def _shape(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]]:
    fields = dataclasses.fields(cls)
    if any(not field.init or field.kw_only for field in fields) or len(fields) < 2:
        # attrgetter of one name returns the value, not a 1-tuple; none of ours has one field.
        raise TypeError(f"{cls.__name__}: changed() needs two or more fields, all positional "
                        "in __init__")
    names = tuple(field.name for field in fields)
    shape = (attrgetter(*names), {name: n for n, name in enumerate(names)})
    _SHAPES[cls] = shape
    return shape
