"""AccountViews hands a terminal's symbol specs on (for the store) when they first arrive or
change — not on every refresh, which comes four times a second."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import cast

from copier.account_views import AccountViews
from copier.domain import AccountInfo, MarginMode, Platform, SymbolSpec, TerminalSnapshot
from copier.terminals.base import Terminal

EURUSD = SymbolSpec("EURUSD", 5, 0.00001, 100_000, 0.00001, 1.0, 0.01, 100, 0.01)
GOLD = SymbolSpec("XAUUSD", 2, 0.01, 100, 0.01, 1.0, 0.01, 50, 0.01)
ACCOUNT = AccountInfo("s", Platform.MT5, 2, "Demo", "USD", MarginMode.HEDGING, 1000, 1000)


@dataclass
class ReportingTerminal:
    """Answers snapshots with whatever symbols the test sets."""

    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    connected: bool = True

    async def snapshot(self) -> TerminalSnapshot:
        return TerminalSnapshot(ACCOUNT, (), (), symbols=dict(self.symbols), time_ms=1)


@dataclass
class SavedSpecs:
    calls: list[tuple[str, dict[str, SymbolSpec]]] = field(default_factory=list)
    fail: bool = False

    def __call__(self, account_id: str, specs: Mapping[str, SymbolSpec]) -> None:
        if self.fail:
            raise RuntimeError("the store is closed")
        self.calls.append((account_id, dict(specs)))


def _views(terminal: ReportingTerminal, saved: SavedSpecs) -> AccountViews:
    return AccountViews({"s": cast(Terminal, terminal)}, lambda: 1, on_new_specs=saved)


async def test_the_first_snapshot_hands_on_every_spec_and_an_unchanged_refresh_none() -> None:
    terminal, saved = ReportingTerminal({"EURUSD": EURUSD, "XAUUSD": GOLD}), SavedSpecs()
    views = _views(terminal, saved)

    await views.refresh()
    await views.refresh()
    await views.refresh()

    assert saved.calls == [("s", {"EURUSD": EURUSD, "XAUUSD": GOLD})]


async def test_a_changed_or_new_spec_is_handed_on_alone() -> None:
    terminal, saved = ReportingTerminal({"EURUSD": EURUSD}), SavedSpecs()
    views = _views(terminal, saved)
    await views.refresh()
    dearer = replace(EURUSD, tick_value=1.1)

    terminal.symbols = {"EURUSD": dearer}
    await views.refresh()
    terminal.symbols = {"EURUSD": dearer, "XAUUSD": GOLD}
    await views.refresh()

    assert saved.calls[1:] == [("s", {"EURUSD": dearer}), ("s", {"XAUUSD": GOLD})]


async def test_a_snapshot_without_specs_hands_nothing_on() -> None:
    terminal, saved = ReportingTerminal({"EURUSD": EURUSD}), SavedSpecs()
    views = _views(terminal, saved)
    await views.refresh()

    terminal.symbols = {}
    await views.refresh()
    terminal.symbols = {"EURUSD": EURUSD}
    await views.refresh()

    assert len(saved.calls) == 1


async def test_specs_the_hook_refused_are_offered_again_and_the_view_is_kept() -> None:
    terminal, saved = ReportingTerminal({"EURUSD": EURUSD}), SavedSpecs(fail=True)
    views = _views(terminal, saved)

    await views.refresh()
    saved.fail = False
    await views.refresh()

    assert views.snapshot("s") is not None
    assert saved.calls == [("s", {"EURUSD": EURUSD})]
