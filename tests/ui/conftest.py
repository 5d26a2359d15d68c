"""UI test fixtures: a qasync loop per test, a bounded way to run coroutines on it, a simulated
copier core (a master and two slaves trading on the real engine and store), an in-memory key
store, and the whole GUI (window, bridge, session) around that core."""

from __future__ import annotations

import asyncio
import gc
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from copier.app import AppConfig, CopierApp
from copier.engine.config import Link
from copier.preferences import Preferences
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker.quotes import Market
from copier.ui.assets import Assets
from copier.ui.main import Gui
from copier.ui.session import CoreSession
from copier.vault import PasswordVault
from tests.keystore import MemoryKeyring

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]
RUN_TIMEOUT_S = 30.0
_instances = itertools.count()


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """Qt objects a test dropped are destroyed here, on the GUI thread. Not in a fixture: pytest
    holds the test's fixture values (the qasync loop, a ``make_gui``'s windows) until every
    teardown is over, so they become garbage only now. Left to the collector they would be
    destroyed on whichever thread collects next — a core or writer thread of a later test — which
    Qt does not survive: qasync's timer object, for one, keeps its timers registered after its
    loop is closed, and destroyed on another thread it leaves them to fire into freed memory."""
    gc.collect()


@pytest.fixture(autouse=True)
def private_autostart_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Start-with-the-session entries live in the test's own folder, never the user's."""
    folder = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop: Qt events and asyncio tasks both run while a test awaits."""
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def run(loop: asyncio.AbstractEventLoop) -> Run[Any]:
    def run_bounded(coro: Coroutine[Any, Any, T], timeout: float = RUN_TIMEOUT_S) -> T:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run_bounded


async def until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the loop run until ``condition`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await asyncio.sleep(0.02)


async def eventually(read: Callable[[], Awaitable[T]], accept: Callable[[T], bool],
                     timeout: float = 10.0, what: str = "") -> T:
    """Await ``read()`` again and again until ``accept`` takes its value; return that value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await read()
        if accept(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last {value!r}")
        await asyncio.sleep(0.02)


class SimCore:
    """A copier on simulated terminals: master-mt5 copied to slave-mt5 and slave-suffix."""

    def __init__(self, database: Path, *, seed: int = 7, interval_ms: float = 25.0,
                 trade: bool = True) -> None:
        self._app = CopierApp(AppConfig(database=database, bridge_port=0))
        market = Market(seed=seed)
        self.master = SimulatedTerminal.from_profile("master-mt5", seed=seed, market=market)
        self.slaves = [SimulatedTerminal.from_profile(name, seed=seed, market=market)
                       for name in ("slave-mt5", "slave-suffix")]
        for terminal in (self.master, *self.slaves):
            self._app.add_terminal(terminal)
        for slave in self.slaves:
            self._app.save_link(Link(0, self.master.account_id, slave.account_id,
                                     name=f"to {slave.account_id}"))
        self.seed = seed
        self.interval_ms = interval_ms
        self.trade = trade

    @property
    def app(self) -> CopierApp:
        return self._app

    async def start(self) -> None:
        await self._app.start()
        if self.trade:
            self.master.start_trader(seed=self.seed, interval_ms=self.interval_ms)

    async def quiesce(self) -> None:
        """No more master events: the trader stops and so does the master terminal (whose
        market would otherwise go on hitting stop-losses, which are events too)."""
        await self.master.stop_trader()
        await self.master.stop()

    async def stop(self) -> None:
        await self.master.stop_trader()
        await self._app.stop()


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def make_session(tmp_path: Path, keyring_backend: MemoryKeyring,
                 run: Run[Any]) -> Iterator[Callable[..., CoreSession]]:
    """Sessions over a SimCore in a temporary database, stopped at the end of the test."""
    made: list[CoreSession] = []

    def make(**core_options: Any) -> CoreSession:
        database = tmp_path / f"copier-{len(made)}.db"
        session = CoreSession(lambda: SimCore(database, **core_options),
                              vault=PasswordVault(keyring_backend))
        made.append(session)
        return session

    yield make
    for session in made:
        run(session.stop())


@pytest.fixture
def make_gui(tmp_path: Path, keyring_backend: MemoryKeyring,
             run: Run[Any]) -> Iterator[Callable[..., Gui]]:
    """The whole window over a SimCore; stopped (core, threads, tray) at the end of the test."""
    made: list[Gui] = []
    assets = Assets.load()

    def make(*, preferences: Preferences | None = None, **core_options: Any) -> Gui:
        database = tmp_path / f"gui-{next(_instances)}.db"
        gui = Gui(lambda: SimCore(database, **core_options), preferences or Preferences(),
                  tmp_path / "settings.json", assets)
        gui.session.vault = PasswordVault(keyring_backend)
        made.append(gui)
        return gui

    yield make
    for gui in made:
        run(gui.stop())
        gui.dispose()
