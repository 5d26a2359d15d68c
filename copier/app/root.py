"""The composition root: builds bus, store, copy service and terminals, starts and stops them.

Widgets, the demo and the headless runner all receive a ``CopierApp``; none builds services of its
own. ``CoreThread`` runs the app's asyncio loop in a thread of its own for the GUI, so painting
never delays a copy.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from copier.app import links as link_actions
from copier.backup import apply_pending_restore
from copier.bridge import BridgeConfig, BridgeConfigError, BridgeServer, StoreKeyVerifier, tls
from copier.bridge.config import RemoteListener
from copier.engine.config import Link
from copier.engine.tradingday import TradingClock
from copier.events import Bus
from copier.gc_policy import HeapKeeper, settle_start_up
from copier.gil_policy import hand_gil_often, restore_switch_interval
from copier.memory_trim import MemoryTrimmer
from copier.notify import Notifier, ServiceBook
from copier.run_log import RunLines
from copier.service import Clock, CopyService, wall_clock_ms
from copier.store import AccountRecord, Store
from copier.store.purge import DEMO_PREFIX, purge_accounts
from copier.terminals.base import Terminal
from copier.terminals.registry import default_registry, shared_terminal
from copier.trader_controls import CloseAllRequest

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AppConfig:
    data_dir: Path | None = None  # None: $TRADECOPIER_DATA_DIR or the user data folder
    database: Path | None = None  # an explicit database file (the demo uses its own)
    bridge_host: str = "127.0.0.1"
    bridge_port: int = 8080  # 0: any free port (tests, the demo)
    bridge: bool = True  # serve EAs; the in-process demo transports need no bridge
    load_accounts: bool = True  # build terminals for the saved accounts (the demo adds its own)
    # Remote EAs (opt in): a second listener, TLS only, for EAs on other machines.
    remote_host: str | None = None  # None: EAs on this machine only
    remote_port: int = 8443
    cert_file: Path | None = None  # the user's certificate and key (PEM) ...
    key_file: Path | None = None
    self_signed: bool = False  # ... or a self-signed pair made in the data folder on first use
    remote_allow: tuple[str, ...] = ()  # addresses / CIDR ranges the remote listener admits
    notify: bool = True  # send the data folder's notifications (copier.notify); the demo's not


class CopierApp:
    """Everything the copier runs, wired once."""

    def __init__(self, config: AppConfig | None = None, *, clock: Clock = wall_clock_ms) -> None:
        self.config = config or AppConfig()
        self.bus = Bus()
        # A restore the window staged goes in before the folder's own database is opened.
        if self.config.database is None and apply_pending_restore(self.config.data_dir):
            log.warning("the database was restored from the backup chosen in Settings")
        self.store = Store.open(self.config.data_dir, path=self.config.database)
        self.service = CopyService(self.store, self.bus, clock)
        self.bridge: BridgeServer | None = None
        if self.config.bridge:
            try:
                self.bridge = self._build_bridge(clock)
            except BaseException:  # settings refused: release the database before saying why
                self.store.close()
                raise
        self.terminals = default_registry(
            self._ea_terminal if self.bridge is not None else None, self.store.path.parent
        )
        if self.config.load_accounts:
            forget_demo(self.store)
            for terminal in self.terminals.terminals_for(self.store.load_accounts()):
                self.service.add_terminal(terminal)
        # Connection changes, risk stops and failed copies as log lines (copier run's console).
        self.run_lines = RunLines(clock)
        self.run_lines.attach(self.bus)
        self.notifier: Notifier | None = None
        if self.config.notify:  # subscribed here, in the core: `copier run` notifies too
            self.notifier = Notifier(ServiceBook(self.store.path.parent))
            self.notifier.attach(self.bus)
        self._started = False
        self._keepers: list[asyncio.Task[None]] = []
        self._switch_interval: float | None = None  # the one in force before start
        self.memory_trimmer = MemoryTrimmer()  # glibc keeps freed memory: given back each minute

    def _build_bridge(self, clock: Clock) -> BridgeServer:
        return BridgeServer(
            StoreKeyVerifier(self.store),
            BridgeConfig(
                host=self.config.bridge_host,
                port=self.config.bridge_port,
                remote=remote_listener(self.config, self.store.path.parent),
            ),
            last_seqs=self.store.last_seqs(),
            clock_ms=clock,
            audit=lambda action, detail: self.store.audit("bridge", action, detail),
            on_key_expiring=self.bus.publish,
        )

    def _ea_terminal(self, account: AccountRecord) -> Terminal:
        assert self.bridge is not None
        return self.bridge.terminal(account.id)

    @property
    def database(self) -> Path:
        """The database file the app runs on."""
        return self.store.path

    @property
    def data_dir(self) -> Path:
        """The folder of the database, the settings and the TLS material."""
        return self.store.path.parent

    def add_terminal(self, terminal: Terminal) -> None:
        self.service.add_terminal(terminal)

    async def apply_account(self, record: AccountRecord) -> None:
        """Serve an account added or edited while running (call on the core loop); a disabled
        account's terminal is stopped."""
        if not record.enabled:
            await self.remove_account(record.id)
            return
        clash = shared_terminal(record, self.store.load_accounts())
        if clash:
            raise ValueError(clash)
        for terminal in self.terminals.terminals_for([record]):
            await self.service.attach_terminal(terminal)

    async def remove_account(self, account_id: str) -> None:
        """Stop serving an account removed from the store (``accounts.remove_account``): its
        links stop at once and its terminal is stopped."""
        for link in list(self.service.links.values()):
            if account_id in (link.master_id, link.slave_id):
                self.service.remove_link(link.id)
        await self.service.detach_terminal(account_id)
        if self.notifier is not None:  # an account let go is not "disconnected"
            self.notifier.forget(account_id)

    def save_link(self, link: Link) -> Link:
        """Persist a link (assigning its id) and apply it live (blocking: the database)."""
        saved = link_actions.save_link(self.store, link)
        self.apply_link(saved)
        return saved

    def apply_link(self, link: Link) -> None:
        """Copy with a saved link from the next master event (call on the core loop)."""
        self.service.set_link(link)

    def drop_link(self, link_id: int) -> None:
        """Stop copying with a link removed from the store (call on the core loop)."""
        self.service.remove_link(link_id)

    # ----- the trader's controls (call on the core loop) -----------------------------------
    def set_copying(self, enabled: bool, *, actor: str = "user") -> None:
        """The global stop switch (stored: it stays as set after a restart), audited."""
        self.service.set_copying(enabled)
        self.store.audit(actor, "copying.started" if enabled else "copying.stopped")
        log.info("%s %s copying", actor, "started" if enabled else "stopped")

    async def close_all_copies(
        self, *, link_id: int | None = None, slave_id: str | None = None, actor: str = "user"
    ) -> int:
        """Close every copy of a link, or of every link into a slave, now (the masters keep
        their trades); returns how many commands were sent. Logged and audited."""
        if (link_id is None) == (slave_id is None):
            raise ValueError("close all copies of one link or of one slave")
        request = CloseAllRequest(self.service.clock(), link_id, slave_id, actor)
        # Stored first: a slave not connected now has its copies closed once it is back.
        await self.store.save_trader_state({request.key: request.to_dict()})
        return await self.service.controls.close_all(request)

    def lift_risk_stop(self, link_id: int) -> bool:
        """End a link's risk stop before its trading day does (audited)."""
        return self.service.controls.lift(link_id)

    def set_trading_clock(self, clock: TradingClock) -> None:
        """The broker's offset from UTC and the time its trading day starts (stored)."""
        self.service.controls.set_clock(clock)
        self.store.audit("user", "trading_clock.set", clock.to_dict())

    async def revoke_api_keys(self, account_id: str) -> int:
        """Revoke the account's keys and end their EA sessions at once (4401)."""
        revoked = await asyncio.to_thread(self.store.revoke_api_keys, account_id)
        if self.bridge is not None and revoked:
            await self.bridge.recheck_keys()
        return revoked

    async def start(self) -> None:
        # The loop wins the GIL back from the writer and worker threads within 0.2 ms, not 5.
        self._switch_interval = hand_gil_often()
        await self.service.start()
        if self.bridge is not None:
            try:
                await self.bridge.start()
            except BaseException:  # a port in use, say: nothing is left running
                await self.service.stop()
                self._put_switch_interval_back()
                raise
        self._started = True
        if self.notifier is not None:
            self.notifier.start()
        # Everything built so far lives as long as the app: moving it out of the collector's
        # reach keeps full collections (measured at 40–60 ms in a loaded process) off copies.
        settle_start_up()
        self._keepers.append(asyncio.create_task(self.memory_trimmer.run(), name="memory trim"))
        if self.bridge is not None:
            self.keep_heap_for(self.bridge)

    def keep_heap_for(self, bridge: BridgeServer) -> None:
        """Freeze each burst of EA sessions once it is over (copier.gc_policy): with thousands
        connected, a full collection would otherwise stall a copy for half a second."""
        keeper = HeapKeeper(bridge.session_totals)
        self._keepers.append(asyncio.create_task(keeper.run(), name="heap keeper"))

    async def stop(self) -> None:
        self.run_lines.stopping()
        for task in self._keepers:
            task.cancel()
        await asyncio.gather(*self._keepers, return_exceptions=True)
        self._keepers.clear()
        if self.notifier is not None:  # its last messages go out off the loop
            await asyncio.to_thread(self.notifier.stop)
        if self._started:
            if self.bridge is not None:
                await self.bridge.stop()
            await self.service.stop()
            self._started = False
        self.store.close()
        self._put_switch_interval_back()

    def _put_switch_interval_back(self) -> None:
        if self._switch_interval is not None:
            restore_switch_interval(self._switch_interval)
            self._switch_interval = None


def forget_demo(store: Store) -> None:
    """The real app never shows the demo: a demo run into this folder (older copiers ran it in
    the trader's own one) leaves accounts, links and copies that are removed here."""
    accounts = [a.id for a in store.load_accounts() if a.id.startswith(DEMO_PREFIX)]
    links = [link.id for link in store.load_links()
             if link.master_id.startswith(DEMO_PREFIX) or link.slave_id.startswith(DEMO_PREFIX)]
    if accounts or links:
        purge_accounts(store, DEMO_PREFIX)
        log.info("removed what a demo run left in %s: %d account(s), %d link(s) and their "
                 "copies", store.path.parent, len(accounts), len(links))


class CoreThread:
    """The core's own asyncio loop in a daemon thread; other threads submit coroutines to it."""

    def __init__(self, name: str = "copier-core") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.submit(coro).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()
        self.loop.close()


def remote_listener(config: AppConfig, data_dir: Path) -> RemoteListener | None:
    """The remote listener the settings ask for, with its TLS material (None: not enabled).
    Raises BridgeConfigError or TlsError with a sentence the user can act on."""
    if config.remote_host is None:
        if config.cert_file or config.key_file or config.self_signed or config.remote_allow:
            raise BridgeConfigError(
                "certificate, self-signed and allow-list settings apply to the remote listener "
                "only: give --remote-host too"
            )
        return None
    if config.self_signed:
        material = tls.self_signed_material(data_dir, config.remote_host)
    elif config.cert_file is not None and config.key_file is not None:
        material = tls.user_material(config.cert_file, config.key_file)
    else:
        raise BridgeConfigError(
            "remote EAs connect only over TLS: give --cert and --key, or --self-signed"
        )
    context = tls.server_context(material.cert_file, material.key_file)
    return RemoteListener(
        config.remote_host, config.remote_port, context, config.remote_allow, material.fingerprint,
        material.fingerprint_sha1,
    )


async def run_headless(
    host: str | None = None, port: int | None = None, *, config: AppConfig | None = None
) -> int:
    """``copier run``: the saved accounts and links, no window, until Ctrl+C or SIGTERM. Prints
    the start-up summary (``copier.run_summary``) on stdout once it listens. A listener that
    cannot start raises OSError after everything is closed again."""
    from copier.run_summary import startup_summary

    config = config or AppConfig(bridge_host=host or "127.0.0.1",
                                 bridge_port=8080 if port is None else port)
    app = CopierApp(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers on the loop: Ctrl+C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if sys.platform == "win32":  # Ctrl+Break: the orderly stop a script or a service manager sends
        with contextlib.suppress(ValueError):  # only the main thread may set a handler
            signal.signal(signal.SIGBREAK, lambda *_: loop.call_soon_threadsafe(stop.set))
    try:
        await app.start()
    except BaseException:
        await app.stop()
        raise
    try:
        summary = await asyncio.to_thread(startup_summary, app)
        # Printed, not only logged: the trader copies the address and fingerprint from here.
        print("\n".join(summary), flush=True)
        log.info("copier running headless (EAs: %s)",
                 app.bridge.url if app.bridge is not None else "no bridge")
        await stop.wait()
    finally:
        await app.stop()
    return 0
