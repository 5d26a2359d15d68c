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
from pathlib import Path
from typing import Any, Protocol, TypeVar

from copier.app import CopierApp, CoreThread, live, opencopies, reports
from copier.app import accounts as account_actions
from copier.app import keys as key_actions
from copier.app import links as link_actions
from copier.app.keys import KeyRotation
from copier.app.live import AccountView, Running
from copier.app.reports import (
    CopyDetails,
    LogChoices,
    LoggedEvent,
    LogQuery,
    Progress,
    Statistics,
)
from copier.app.vocabulary import AccountRecord, CopyRecord
from copier.domain import SymbolSpec
from copier.engine.config import Link, LinkMode
from copier.engine.tradingday import TradingClock
from copier.ui.api_keys import KeyRow
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
        return await self.in_core(live.copying_enabled, self.app)

    async def set_copying(self, enabled: bool) -> None:
        """The global Stop/Start switch; the change is audited."""
        await self.in_core(self.app.set_copying, enabled)

    async def close_all_copies(self, *, link_id: int | None = None,
                               slave_id: str | None = None) -> int:
        """Close every copy of a link or of a slave now (confirmed by the caller); returns how
        many close commands went out."""
        return await self.on_core(self.app.close_all_copies(link_id=link_id, slave_id=slave_id))

    async def trading_clock_name(self) -> str:
        """The clock trading hours and the trading day run on, as the window names it."""
        return (await self.trading_clock()).name

    async def trading_clock(self) -> TradingClock:
        return await self.in_core(live.trading_clock, self.app)

    async def set_trading_clock(self, clock: TradingClock) -> None:
        """The broker's offset and trading-day start (stored, audited); applies at once."""
        await self.in_core(self.app.set_trading_clock, clock)
        self._changed("links")  # the rules editor names the clock

    # ----- links --------------------------------------------------------------------------
    async def load_links(self) -> list[Link]:
        return list(await self.in_core(live.running_links, self.app))

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
        return await self.save_link(link_actions.with_state(link, enabled=enabled, mode=mode))

    async def link_deletion(self, link_id: int) -> opencopies.LinkDeletion:
        """What deleting the link would leave open on its slave (to ask the trader)."""
        return await self.in_core(opencopies.link_deletion, self.app, link_id)

    async def delete_link(self, link_id: int,
                          fate: opencopies.CopiesFate = opencopies.CopiesFate.LEAVE
                          ) -> opencopies.LinkDeleted:
        """Delete a link; with CLOSE its open copies are closed first (through the same path as
        Close all copies) and the link goes only once they are closed."""
        done = await self.on_core(opencopies.delete_link(self.app, link_id, fate))
        log.info("link #%d: %s", link_id, done.message)
        self._changed("links")
        return done

    # ----- open copies --------------------------------------------------------------------
    async def open_copies(self) -> list[opencopies.MasterRow]:
        """Each master position with its copies, from what the copier already holds."""
        return await self.in_core(opencopies.open_copies_of, self.app)

    async def close_copy(self, link_id: int, master_ticket: int) -> int:
        """Close one copy now (confirmed by the caller); returns the close commands sent."""
        sent = await self.on_core(opencopies.close_copy(self.app, link_id, master_ticket))
        log.info("copy of master #%d on link #%d: %d close order(s) sent", master_ticket,
                 link_id, sent)
        return sent

    # ----- accounts -----------------------------------------------------------------------
    async def reload_accounts(self) -> list[AccountRecord]:
        records = await self.io(account_actions.load_accounts, self.app.store)
        self._records = {r.id: r for r in records}
        return records

    async def save_account(self, record: AccountRecord, password: str | None = None
                           ) -> AccountRecord:
        """Save an account; an MT5 password goes to the OS key store, never to the database."""
        saved = await self.io(functools.partial(account_actions.save_account, self.app.store,
                                                record, password=password, vault=self.vault))
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

        forget = functools.partial(account_actions.forget_password, self.vault)
        await self.io(functools.partial(account_actions.remove_account, self.app.store, account_id,
                                        forget_password=forget))
        await self.on_core(self.app.remove_account(account_id))
        self._records.pop(account_id, None)
        log.info("account %s removed with its keys and links", account_id)
        self._changed("accounts")
        self._changed("links")

    def account_name(self, account_id: str) -> str:
        """The name the trader gave an account (its id when it has none)."""
        record = self._records.get(account_id)
        return record.label if record and record.label else account_id

    async def create_api_key(self, account_id: str, days: int | None = None) -> str:
        """A new key (``days`` None: the account's ``key_days``, default 30)."""
        key = await self.io(key_actions.create_api_key, self.app.store, account_id, days)
        log.info("API key issued for %s", account_id)  # never the key
        return key

    async def rotate_api_key(self, account_id: str) -> KeyRotation:
        """Issue a new key; the working keys keep working through the grace period."""
        rotation = await self.io(key_actions.rotate_api_key, self.app.store, account_id)
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
        listing = await self.io(key_actions.list_api_keys, self.app.store, account_id)
        return [KeyRow(info, listing.now_ms) for info in listing.keys]

    async def running(self) -> Running:
        """The terminals the core runs, with their cached state, and its links."""
        return await self.in_core(live.running, self.app)

    async def accounts(self) -> list[AccountView]:
        """Saved accounts and running terminals together, with their live state."""
        now = await self.running()
        for account_id, state in now.terminals.items():
            if state.snapshot is not None:
                self._specs[account_id] = dict(state.snapshot.symbols)
        return live.account_views(self._records.values(), now)

    @property
    def symbol_specs(self) -> dict[str, dict[str, SymbolSpec]]:
        """The symbol specs the terminals last reported (statistics price their money with them)."""
        return self._specs

    # ----- statistics and the trade log ---------------------------------------------------
    async def stats(self) -> Statistics:
        specs = {k: dict(v) for k, v in self._specs.items()}
        return await self.io(reports.statistics, self.app.store, specs)

    async def log_page(self, query: LogQuery, limit: int, offset: int) -> list[CopyRecord]:
        return await self.io(reports.log_page, self.app.store, query, limit, offset)

    async def log_count(self, query: LogQuery) -> int:
        return await self.io(reports.log_count, self.app.store, query)

    async def log_choices(self) -> LogChoices:
        return await self.io(reports.log_choices, self.app.store)

    async def copy_details(self, record: CopyRecord) -> CopyDetails:
        return await self.io(reports.copy_details, self.app.store, record)

    async def export_log(self, query: LogQuery, out: Path, progress: Progress | None = None
                         ) -> int:
        return await self.io(reports.export_log, self.app.store, query, out, progress)

    async def master_history(self, account_id: str, limit: int) -> tuple[list[LoggedEvent], int]:
        """The master's newest logged events, oldest first, and the store's clock now."""

        def read() -> tuple[list[LoggedEvent], int]:
            return (reports.master_history(self.app.store, account_id, limit),
                    reports.now_ms(self.app.store))

        return await self.io(read)

    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Any other blocking job a screen needs (EA install, autostart, settings file)."""
        return await self.io(fn, *args)
