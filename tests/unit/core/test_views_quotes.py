"""Two refreshes of one account answered out of order (the periodic one and the one a pending
decision asks for) never put an older quote back in the view: a pending copy is decided on it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import cast

from copier.account_views import AccountViews
from copier.domain import AccountInfo, MarginMode, Platform, Quote, TerminalSnapshot
from copier.terminals.base import Terminal

ACCOUNT = AccountInfo("s", Platform.MT5, 2, "Demo", "USD", MarginMode.HEDGING, 1000, 1000)


@dataclass
class SlowThenFastTerminal:
    """The first snapshot asked is answered last, with the older quote."""

    kind: str = "simulated"
    connected: bool = True
    answers: list[tuple[float, Quote]] = field(default_factory=lambda: [
        (0.05, Quote("XAUUSD", 2349.88, 2350.13, 1_000)),
        (0.0, Quote("XAUUSD", 2348.25, 2348.50, 2_000)),
    ])  # fmt: skip

    async def snapshot(self) -> TerminalSnapshot:
        delay, quote = self.answers.pop(0)
        await asyncio.sleep(delay)
        return TerminalSnapshot(ACCOUNT, (), (), quotes={"XAUUSD": quote}, time_ms=quote.time_ms)


async def test_a_refresh_answered_late_keeps_the_newer_quote() -> None:
    views = AccountViews({"s": cast(Terminal, SlowThenFastTerminal())}, lambda: 1)

    await asyncio.gather(views.refresh(["s"]), views.refresh_quotes(["s"]))

    view = views.slave_view("s")
    assert view is not None
    assert view.quotes["XAUUSD"].bid == 2348.25


@dataclass
class EaLikeTerminal:
    """An EA's terminal: quotes come when asked for with ``fresh_quotes``."""

    kind: str = "ea"
    connected: bool = True
    asked: list[bool] = field(default_factory=list)

    async def snapshot(
        self, *, fresh_quotes: bool = False, quotes_max_age_ms: int | None = None
    ) -> TerminalSnapshot:
        self.asked.append(fresh_quotes)
        quote = Quote("XAUUSD", 2348.25, 2348.50, 2_000)
        return TerminalSnapshot(ACCOUNT, (), (), quotes={"XAUUSD": quote}, time_ms=2_000)


async def test_an_ea_terminal_is_asked_for_fresh_quotes() -> None:
    terminal = EaLikeTerminal()
    views = AccountViews({"s": cast(Terminal, terminal)}, lambda: 1)

    await views.refresh_quotes(["s"])
    await views.refresh(["s"])

    assert terminal.asked == [True, False]
    assert views.snapshot("s") is not None
