"""The GUI's handle on the copier core: the core's loop in its own thread, a worker thread for the
database, and one awaitable method per user action. Qt-free, so it is tested without a window.

Every method is awaited on the GUI's loop and does its work elsewhere: engine state changes run on
the core's loop (``asyncio.run_coroutine_threadsafe``, awaited through ``asyncio.wrap_future``),
database reads and configuration writes run on the worker thread. The GUI thread never touches
the disk or the network, and the core loop never waits on a query the window asked for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from copier.app import CopierApp, CoreThread
from copier.app import accounts as account_actions
from copier.app import links as link_actions
from copier.domain import SymbolSpec, TerminalSnapshot, TerminalStatus
from copier.engine.config import Link, LinkMode
from copier.engine.tradingday import TradingClock
from copier.stats import compute_stats
from copier.store import AccountRecord, CopyRecord
from copier.store.keys import HOUR_MS, KeyStatus, policy_from_settings
from copier.ui import tradelog_query
from copier.ui.api_keys import KeyRotation, KeyRow
from copier.ui.tradelog_query import LogQuery, Progress
from copier.vault import PasswordVault

log = logging.getLogger(__name__)
T = TypeVar("T")


class AccountNotServed(RuntimeError):
    """An account was saved but the running copier could not start its terminal; the message
    says why (the account is served at the next start once the cause is fixed)."""


class Core(Protocol):
    """What the window runs: a plain ``CopierApp`` or the demo around one."""

    @property
    def app(self) -> CopierApp: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class AppCore:
    """A ``CopierApp`` as a ``Core`` (the saved accounts and links, no simulation)."""

    def __init__(self, app: CopierApp) -> None:
        self._app = app

    @property
    def app(self) -> CopierApp:
        return self._app

    async def start(self) -> None:
        await self._app.start()

    async def stop(self) -> None:
        await self._app.stop()


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
class _Live:
    kind: str
    status: TerminalStatus | None
    snapshot: TerminalSnapshot | None


class CoreSession:
    """Starts and stops the core and carries every UI action to where it must run."""

    def __init__(
        self,
        build: Callable[[], Core],
        *,
        vault: PasswordVault | None = None,
        io_workers: int = 2,
    ) -> None:
        self._build = build
        self.vault = vault or PasswordVault()
        self.thread = CoreThread()
        self._io = concurrent.futures.ThreadPoolExecutor(io_workers, thread_name_prefix="ui-io")
        self._core: Core | None = None
        self._records: dict[str, AccountRecord] = {}
        self._specs: dict[str, dict[str, SymbolSpec]] = {}
        self.listeners: list[Callable[[str], None]] = []  # told "accounts" / "links" on changes

    # ----- life cycle ---------------------------------------------------------------------
    @property
    def app(self) -> CopierApp:
        if self._core is None:
            raise RuntimeError("the core is not started")
        return self._core.app

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("the core is not started")
        return self._core

    @property
    def started(self) -> bool:
        return self._core is not None

    async def start(self) -> None:
        """Start the core's thread, build the core there (opening the database) and start it."""
        self.thread.start()
        self._core = await self.on_core(self._build_and_start())
        await self.reload_accounts()

    async def _build_and_start(self) -> Core:
        core = self._build()
        await core.start()
        return core

    async def stop(self) -> None:
        """Stop the core (terminals, sockets, workers, a final flush of the database), end its
        thread and the worker thread. Safe to call twice."""
        core, self._core = self._core, None
        if core is not None:
            try:
                await self.on_core(core.stop())
            except Exception:  # stopping must still end the threads
                log.exception("the core did not stop cleanly")
        if self.thread.loop.is_running():
            await asyncio.get_running_loop().run_in_executor(None, self.thread.stop)
        self._io.shutdown(wait=True, cancel_futures=True)

    # ----- where work runs ----------------------------------------------------------------
    async def on_core(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the core's loop and await its result here."""
        return await asyncio.wrap_future(self.thread.submit(coro))

    async def in_core(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the core's loop (core state belongs to that thread)."""

        async def call() -> T:
            return fn(*args)

        return await self.on_core(call())

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (the database, files, the key store) on the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._io, functools.partial(fn, *args))

    def _changed(self, what: str) -> None:
        for listener in tuple(self.listeners):
            listener(what)

    # ----- copying ------------------------------------------------------------------------
    async def copying_enabled(self) -> bool:
        return await self.in_core(lambda: self.app.service.copying_enabled)

    async def set_copying(self, enabled: bool) -> None:
        """The global Stop/Start switch; the change is audited."""

        def switch() -> None:
            self.app.service.set_copying(enabled)
            action = "copying.started" if enabled else "copying.stopped"
            self.app.store.audit("user", action)
            log.info("the user %s copying", "started" if enabled else "stopped")

        await self.in_core(switch)

    async def close_all_copies(self, *, link_id: int | None = None,
                               slave_id: str | None = None) -> int:
        """Close every copy of a link or of a slave now (confirmed by the caller); returns how
        many close commands went out."""
        return await self.on_core(self.app.close_all_copies(link_id=link_id, slave_id=slave_id))

    async def trading_clock_name(self) -> str:
        """The clock trading hours and the trading day run on, as the window names it."""
        return (await self.trading_clock()).name

    async def trading_clock(self) -> TradingClock:
        return await self.in_core(lambda: self.app.service.views.clock)

    async def set_trading_clock(self, clock: TradingClock) -> None:
        """The broker's offset and trading-day start (stored, audited); applies at once."""
        await self.in_core(self.app.set_trading_clock, clock)
        self._changed("links")  # the rules editor names the clock

    # ----- links --------------------------------------------------------------------------
    async def load_links(self) -> list[Link]:
        return await self.in_core(lambda: sorted(self.app.service.links.values(),
                                                 key=lambda link: link.id))

    async def save_link(self, link: Link) -> Link:
        """Validate, save (audited) and apply live from the next master event. Raises RulesError
        with every problem when the rules cannot work."""
        saved = await self.io(link_actions.save_link, self.app.store, link)
        await self.in_core(self.app.apply_link, saved)
        log.info("link #%d (%s → %s) saved and applied: %s, %s", saved.id, saved.master_id,
                 saved.slave_id, "enabled" if saved.enabled else "disabled", saved.mode.value)
        self._changed("links")
        return saved

    async def set_link_state(self, link: Link, *, enabled: bool | None = None,
                             mode: LinkMode | None = None) -> Link:
        changed = replace(link, enabled=link.enabled if enabled is None else enabled,
                          mode=link.mode if mode is None else mode)
        return await self.save_link(changed)

    async def delete_link(self, link_id: int) -> None:
        await self.io(link_actions.remove_link, self.app.store, link_id)
        await self.in_core(self.app.drop_link, link_id)
        log.info("link #%d deleted", link_id)
        self._changed("links")

    # ----- accounts -----------------------------------------------------------------------
    async def reload_accounts(self) -> list[AccountRecord]:
        records = await self.io(self.app.store.load_accounts)
        self._records = {r.id: r for r in records}
        return records

    async def save_account(self, record: AccountRecord, password: str | None = None
                           ) -> AccountRecord:
        """Save an account; an MT5 password goes to the OS key store, never to the database."""

        def save() -> AccountRecord:
            if password:
                self.vault.store(record.id, password)
            return self.app.store.save_account(record)

        saved = await self.io(save)
        self._records[saved.id] = saved
        log.info("account %s saved (%s, %s)", saved.id, saved.role.value,
                 "enabled" if saved.enabled else "disabled")
        self._changed("accounts")
        try:
            await self.on_core(self.app.apply_account(saved))
        except Exception as exc:
            log.exception("account %s saved but not served", saved.id)
            raise AccountNotServed(
                f"{saved.id} is saved, but the copier could not serve it now: {exc}") from exc
        return saved

    async def delete_account(self, account_id: str) -> None:
        """Remove an account, its keys, its stored password and every link that uses it."""

        await self.io(functools.partial(account_actions.remove_account, self.app.store, account_id,
                                        forget_password=self._forget_password))
        await self.on_core(self.app.remove_account(account_id))
        self._records.pop(account_id, None)
        log.info("account %s removed with its keys and links", account_id)
        self._changed("accounts")
        self._changed("links")

    def _forget_password(self, account_id: str) -> None:
        if self.vault.has(account_id):
            self.vault.forget(account_id)

    async def create_api_key(self, account_id: str, days: int | None = None) -> str:
        """A new key (``days`` None: the account's ``key_days``, default 30)."""
        key = await self.io(self.app.store.create_api_key, account_id, days)
        log.info("API key issued for %s", account_id)  # never the key
        return key

    async def rotate_api_key(self, account_id: str) -> KeyRotation:
        """Issue a new key with the account's lifetime; the working keys keep working through the
        account's grace period (default 24 h), so the EA can be updated without a gap."""

        def rotate() -> KeyRotation:
            store = self.app.store
            record = store.get_account(account_id)
            policy = policy_from_settings(record.settings if record else {})
            key = store.rotate_api_key(account_id)
            key_id = key.split(".")[1]
            infos = store.list_api_keys(account_id)
            new = next(i for i in infos if i.key_id == key_id)
            old = [i for i in infos if i.replaced_by == key_id]
            now = store.now_ms()
            working = [i.expires_ms for i in old if i.status(now) is KeyStatus.VALID]
            return KeyRotation(key, new.expires_ms, policy.grace_ms / HOUR_MS, len(old),
                               max(working, default=None))

        rotation = await self.io(rotate)
        log.info("API key of %s rotated: %d previous key(s) keep working for %g h",
                 account_id, rotation.old_keys, rotation.grace_hours)
        return rotation

    async def revoke_api_keys(self, account_id: str) -> int:
        """Revoke every key of the account now; the core ends their EA sessions at once."""
        revoked = await self.on_core(self.app.revoke_api_keys(account_id))
        log.info("%d API key(s) of %s revoked", revoked, account_id)
        return revoked

    async def api_keys(self, account_id: str) -> list[KeyRow]:
        """The account's keys with their status now (never the keys themselves)."""

        def read() -> list[KeyRow]:
            now = self.app.store.now_ms()
            return [KeyRow(info, now) for info in self.app.store.list_api_keys(account_id)]

        return await self.io(read)

    async def accounts(self) -> list[AccountView]:
        """Saved accounts and running terminals together, with their live state."""
        live = await self.on_core(self._live_state())
        links = await self.in_core(lambda: list(self.app.service.links.values()))
        for account_id, state in live.items():
            if state.snapshot is not None:
                self._specs[account_id] = dict(state.snapshot.symbols)
        views = [
            _view(account_id, self._records.get(account_id), live.get(account_id), links)
            for account_id in sorted(set(self._records) | set(live))
        ]
        return views

    async def _live_state(self) -> dict[str, _Live]:
        """What the core already knows of each terminal. The snapshots are the copy service's
        cached ones (refreshed by the core itself): the window asks no terminal anything, so a
        slow terminal never slows the dashboard and the dashboard never adds load to one."""
        service = self.app.service
        return {
            account_id: _Live(terminal.kind, service.status(account_id),
                              service.snapshot(account_id))
            for account_id, terminal in list(service.terminals.items())
        }

    @property
    def symbol_specs(self) -> dict[str, dict[str, SymbolSpec]]:
        """The symbol specs the terminals last reported (statistics price their money with them)."""
        return self._specs

    # ----- statistics and the trade log ---------------------------------------------------
    async def stats(self) -> dict[str, Any]:
        specs = {k: dict(v) for k, v in self._specs.items()}
        return await self.io(compute_stats, self.app.store, specs)

    async def log_page(self, query: LogQuery, limit: int, offset: int) -> list[CopyRecord]:
        return await self.io(self.app.store.read, lambda conn: tradelog_query.fetch_page(
            conn, query, limit, offset))

    async def log_count(self, query: LogQuery) -> int:
        return await self.io(self.app.store.read,
                             lambda conn: tradelog_query.count_rows(conn, query))

    async def log_choices(self) -> tuple[list[str], list[str]]:
        return await self.io(self.app.store.read, tradelog_query.distinct_values)

    async def export_log(self, query: LogQuery, out: Path, progress: Progress | None = None
                         ) -> int:
        return await self.io(tradelog_query.export_csv, self.app.store, query, out, progress)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Any other blocking job a screen needs (EA install, autostart, settings file)."""
        return await self.io(fn, *args)


def _view(account_id: str, record: AccountRecord | None, live: _Live | None,
          links: list[Link]) -> AccountView:
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


def _role_from_links(account_id: str, links: list[Link]) -> str:
    master = any(link.master_id == account_id for link in links)
    slave = any(link.slave_id == account_id for link in links)
    return "both" if master and slave else "master" if master else "slave" if slave else ""

