"""What the running core knows now, read on its loop: each terminal's kind, status and cached
snapshot, the links it copies with, the copy switch and the trading clock, and the accounts as
the dashboard and the accounts screen show them (saved configuration plus live state).

Every function here must run on the core's loop (the window's session carries it there): core
state belongs to that thread. None asks a terminal anything: the snapshots are the copy
service's cached ones, so a slow terminal never slows a screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from copier.app.root import CopierApp
from copier.domain import TerminalSnapshot, TerminalStatus
from copier.engine.config import Link
from copier.engine.tradingday import TradingClock
from copier.store import AccountRecord


@dataclass(frozen=True, slots=True)
class LiveTerminal:
    kind: str  # the terminal adapter ('simulated', 'ea', 'mt5')
    status: TerminalStatus | None
    snapshot: TerminalSnapshot | None


@dataclass(frozen=True, slots=True)
class AccountView:
    """One account as the dashboard and the accounts screen show it: configuration plus live
    state. ``record`` is None for an account the core runs without a saved record (the demo's)."""

    account_id: str
    platform: str
    role: str
    kind: str  # the terminal adapter ('simulated', 'ea', 'mt5'), empty when none is running
    record: AccountRecord | None
    status: TerminalStatus | None
    snapshot: TerminalSnapshot | None

    @property
    def label(self) -> str:
        return self.record.label if self.record and self.record.label else self.account_id

    @property
    def enabled(self) -> bool:
        return self.record.enabled if self.record else True

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self.snapshot.symbols)) if self.snapshot else ()


@dataclass(frozen=True, slots=True)
class Running:
    """What the core serves: its terminals' live state and its links."""

    terminals: dict[str, LiveTerminal]
    links: tuple[Link, ...]


def running(app: CopierApp) -> Running:
    """The terminals the core runs with their cached state, and its links by id."""
    service = app.service
    terminals = {
        account_id: LiveTerminal(terminal.kind, service.status(account_id),
                                 service.snapshot(account_id))
        for account_id, terminal in list(service.terminals.items())
    }
    return Running(terminals, running_links(app))


def running_links(app: CopierApp) -> tuple[Link, ...]:
    """The links the core copies with, by id."""
    return tuple(sorted(app.service.links.values(), key=lambda link: link.id))


def copying_enabled(app: CopierApp) -> bool:
    """The global copy switch (``CopierApp.set_copying`` sets it)."""
    return app.service.copying_enabled


def trading_clock(app: CopierApp) -> TradingClock:
    """The clock trading hours and the trading day run on."""
    return app.service.views.clock


def account_views(records: Iterable[AccountRecord], now: Running) -> list[AccountView]:
    """Saved accounts and running terminals together, by account id."""
    saved = {record.id: record for record in records}
    return [_view(account_id, saved.get(account_id), now.terminals.get(account_id), now.links)
            for account_id in sorted(set(saved) | set(now.terminals))]


def _view(account_id: str, record: AccountRecord | None, live: LiveTerminal | None,
          links: tuple[Link, ...]) -> AccountView:
    platform = record.platform.value if record else ""
    if not platform and live and live.snapshot:
        platform = live.snapshot.account.platform.value
    if not platform and live and live.status and live.status.account:
        platform = live.status.account.platform.value
    return AccountView(
        account_id=account_id,
        platform=platform,
        role=record.role.value if record else _role_from_links(account_id, links),
        kind=live.kind if live else "",
        record=record,
        status=live.status if live else None,
        snapshot=live.snapshot if live else None,
    )


def _role_from_links(account_id: str, links: tuple[Link, ...]) -> str:
    master = any(link.master_id == account_id for link in links)
    slave = any(link.slave_id == account_id for link in links)
    return "both" if master and slave else "master" if master else "slave" if slave else ""
