"""A link without protection skips the protection rules: that is only right if every rule stays
silent with its settings off, and if every setting a rule checks turns ``protection_on``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from copier.domain import EventKind, Side
from copier.engine.config import LinkRules
from copier.engine.protection import (
    RULES,
    OpenContext,
    Protected,
    Rule,
    check_protection,
    protection_on,
)
from copier.engine.state import SlaveView

from .builders import NOW, account, event, position, quote, slave_view, spec

SATURDAY_3AM = NOW + 4 * 86_400_000 - 19 * 3_600_000 - 13 * 60_000  # 2023-11-18 03:00 UTC


def hostile_slave() -> SlaveView:
    """A slave every protection rule would refuse, were its setting on."""
    return slave_view(
        account=account(balance=10_000, equity=100, margin=9_000),
        positions=tuple(position(5_000 + n, 2.0) for n in range(50)),
        quotes={"EURUSD.m": quote(bid=1.2, ask=1.2001)},
        day_start_equity=10_000,
        equity_peak_day=10_000,
        equity_peak_all_time=20_000,
        recent_order_times_ms=tuple(SATURDAY_3AM - n for n in range(200)),
    )


def hostile(rules: Any) -> OpenContext:
    return OpenContext(
        rules=rules,
        event=event(EventKind.OPENED, time_ms=SATURDAY_3AM - 3_600_000),
        slave=hostile_slave(),
        spec=spec(),
        side=Side.BUY,
        volume=500.0,
        is_pending=False,
        now_ms=SATURDAY_3AM,
    )


class ReadingRules:
    """Default rules that note each setting read."""

    def __init__(self) -> None:
        self.rules = LinkRules()
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self.rules, name)


def turned_on(name: str) -> LinkRules:
    default = getattr(LinkRules(), name)
    value: Any = (0, 60) if default is None else (1,) if isinstance(default, tuple) else 1
    return replace(LinkRules(), **{name: value})


def test_no_protection_is_on_by_default() -> None:
    assert not protection_on(LinkRules())


def test_without_protection_even_a_hostile_copy_passes_as_sized() -> None:
    ctx = hostile(LinkRules())

    assert check_protection(ctx) == Protected(ctx.volume)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_every_setting_a_rule_checks_turns_protection_on(rule: Rule) -> None:
    reading = ReadingRules()

    assert rule(hostile(cast(LinkRules, reading))) is None
    assert reading.read, "the rule looks at no setting of its own"
    for name in reading.read:
        assert protection_on(turned_on(name)), f"{rule.__name__} checks {name}"
