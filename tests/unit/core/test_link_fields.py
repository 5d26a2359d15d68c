"""A link's fields typed as text or read from a file become their field's type, element by
element, or a problem naming the field: no list of letters, no magic numbers as text."""

from __future__ import annotations

import pytest

from copier.engine.config import LinkMode, StopsMode
from copier.link_fields import FieldError, checked, from_text


@pytest.mark.parametrize(("name", "text", "value"), [
    ("symbols_allow", "EURUSD", ("EURUSD",)),
    ("symbols_allow", " EURUSD , GBPUSD,", ("EURUSD", "GBPUSD")),
    ("magic_allow", "7", (7,)),
    ("trading_days", "", ()),
    ("trading_hours", "08:00-17:30", (480, 1050)),
    ("trading_hours", "00:00-24:00", (0, 1440)),
    ("trading_hours", "off", None),
    ("symbol_map", "EURUSD:EURUSD.m, XAUUSD:GOLD", {"EURUSD": "EURUSD.m", "XAUUSD": "GOLD"}),
    ("symbol_lot_multipliers", "XAUUSD:0.5", {"XAUUSD": 0.5}),
    ("auto_match", "No", False),
    ("stops_mode", "fixed", StopsMode.FIXED),
    ("mode", "paused", LinkMode.PAUSED),
    ("name", "  scalper ", "scalper"),
])
def test_text_becomes_the_field_type(name: str, text: str, value: object) -> None:
    assert from_text(name, text) == value


@pytest.mark.parametrize(("name", "text", "said"), [
    ("trading_hours", "8-17", "trading_hours: '8' is not a time like 08:00"),
    ("trading_hours", "08:00", "trading_hours: '08:00' is not a range like 08:00-17:00"),
    ("trading_hours", "08:00-25:00", "trading_hours: '25:00' is not a time like 08:00"),
    ("symbol_map", "EURUSD", "symbol_map: 'EURUSD' is not a pair like EURUSD:EURUSD.m"),
    ("max_lot", "nan", "max_lot: 'nan' is not a finite number"),
])
def test_text_that_cannot_be_the_field_says_so(name: str, text: str, said: str) -> None:
    with pytest.raises(FieldError) as caught:
        from_text(name, text)
    assert str(caught.value) == said


@pytest.mark.parametrize(("name", "value", "said"), [
    ("symbols_allow", "EURUSD", "symbols_allow: 'EURUSD' is not a list"),
    ("magic_allow", ["7"], "magic_allow: '7' is not a whole number"),
    ("lot_value", True, "lot_value: True is not a number"),
    ("max_open_positions", 2.5, "max_open_positions: 2.5 is not a whole number"),
    ("symbol_map", {"EURUSD": 1}, "symbol_map: 1 is not text"),
    ("trading_hours", [480], "trading_hours: [480] is not a list of 2 values"),
    ("lot_mode", "double", "lot_mode: 'double' is not one of fixed, multiplier, "
                           "balance_ratio, equity_ratio, risk_percent"),
])
def test_file_values_are_checked_strictly(name: str, value: object, said: str) -> None:
    with pytest.raises(FieldError) as caught:
        checked(name, value)
    assert str(caught.value) == said


def test_file_values_of_the_right_type_pass() -> None:
    assert checked("magic_allow", [7, 8]) == (7, 8)
    assert checked("lot_value", 2) == 2.0
    assert checked("trading_hours", [480, 1020]) == (480, 1020)
