"""A value built by its slots is the value its class makes: every field, in its order."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest

from copier.bridge.slots import slot_builder
from copier.domain import EventKind, ExecutionResult, MasterEvent, OrderType


def _distinct(cls: Any) -> list[object]:
    """A value per field that no other field holds, of the field's kind where it matters."""
    values: list[object] = []
    for n, f in enumerate(dataclasses.fields(cls)):
        if f.name == "kind":
            values.append(EventKind.PARTIALLY_CLOSED)
        elif f.name == "order_type":
            values.append(OrderType.SELL_STOP)
        elif isinstance(f.default, float):
            values.append(n + 0.5)
        elif isinstance(f.default, str) or "str" in str(f.type):
            values.append(f"text {n}")
        else:
            values.append(n + 1)
    return values


@pytest.mark.parametrize("cls", [MasterEvent, ExecutionResult])
def test_a_built_value_equals_the_one_its_class_makes(cls: Any) -> None:
    values = _distinct(cls)

    built = slot_builder(cls)(*values)

    made = cls(*values)
    assert type(built) is cls
    assert built == made and hash(built) == hash(made)
    for f, value in zip(dataclasses.fields(cls), values, strict=True):
        assert getattr(built, f.name) is value
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, dataclasses.fields(cls)[1].name, 0)  # still frozen


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError):
        slot_builder(ExecutionResult)("id", "slave", 10009)  # the defaults are not filled in


def test_a_class_whose_init_does_more_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            raise ValueError

    @dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = field(init=False, default=0)

    @dataclass(frozen=True)
    class NoSlots:
        a: int

    for cls in (Checked, Derived, NoSlots):
        with pytest.raises(TypeError):
            slot_builder(cls)
