"""The desktop app's start-up and shutdown: QApplication first, then the qasync loop, then the
core on its own thread; closing the window (or Quit in the tray) stops the core cleanly — sockets
closed, workers ended, the database flushed — before the process exits."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import qasync
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QMessageLogContext,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox

from copier.app import AppConfig, CopierApp
from copier.datalock import DataFolderLock, DataFolderRefused
from copier.logfile import has_console, setup_logging
from copier.preferences import (
    Preferences,
    legacy_preferences_path,
    load_preferences,
    preferences_path,
)
from copier.ui.assets import Assets
from copier.ui.collector import GuiThreadCollector
from copier.ui.core_signals import UiBridge
from copier.ui.event_log import EventLog
from copier.ui.file_dialogs import remember_in
from copier.ui.instance import SingleInstance
from copier.ui.session import AppCore, Core, CoreSession
from copier.ui.widgets import cancel_pending, settle
from copier.ui.window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    demo: bool = False
    seconds: float | None = None  # the demo master trades this long (None: until closed)
    seed: int | None = None
    preferences_file: Path | None = None  # None: settings.json in the data folder
    instance_name: str | None = None  # None: one per user
    data_dir: Path | None = None  # the demo's own folder (None: the settings' data folder)


def run_gui(demo: bool, seconds: float | None = None, seed: int | None = None,
            data_dir: Path | None = None) -> int:
    """``copier`` (demo False) and ``copier demo`` (demo True): open the window; return the exit
    code once it is closed and the core has stopped."""
    return run_app(LaunchOptions(demo=demo, seconds=seconds, seed=seed, data_dir=data_dir))


def run_app(options: LaunchOptions) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("TradeCopier")
    app.setQuitOnLastWindowClosed(False)  # the tray may outlive the window; we quit ourselves
    qInstallMessageHandler(_qt_message)
    instance = SingleInstance(options.instance_name)
    if not instance.claim():
        print("TradeCopier is already running; its window was brought to the front.",
              file=sys.stderr)
        return 0
    try:
        lock = None if options.demo else DataFolderLock.claim(data_folder(options))
    except DataFolderRefused as refused:  # another user, `copier run`, a race the socket
        # missed, or a folder that cannot be written
        instance.release()
        tell_already_running(str(refused))
        return 1
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(run_window(app, options, instance))
    finally:
        instance.release()
        if lock is not None:
            lock.release()


# Qt's warnings are diagnostics for developers (a plugin lacking a feature, say): kept in the log
# at INFO, not shown on the console as the copier's own warnings are.
_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.INFO, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's messages go to the log like the copier's: a windowed exe has no console for them
    (https://doc.qt.io/qt-6/qtlogging.html#qInstallMessageHandler)."""
    logging.getLogger("qt").log(_QT_LEVELS.get(kind, logging.WARNING), message)


def data_folder(options: LaunchOptions) -> Path | None:
    """The data folder the settings name (None: the default one), with the log moved there:
    the window's log file lives beside the database it serves."""
    preferences = load_preferences(options.preferences_file or preferences_path())
    setup_logging(preferences.data_path, level=preferences.log_level)
    return preferences.data_path


def tell_already_running(message: str) -> None:
    """On the console that started the window, or in a message box when it was double-clicked
    (no console: the sentence would otherwise go only to the log)."""
    print(message, file=sys.stderr)
    if not has_console():
        QMessageBox.warning(None, "TradeCopier", message)


def core_builder(options: LaunchOptions, preferences: Preferences) -> Callable[[], Core]:
    """How to build the core (called on the core's thread, where it opens the database)."""
    if options.demo:
        from copier.testbed.demo_core import demo_core_builder

        return demo_core_builder(options.seconds, options.seed,
                                 data_dir=options.data_dir or preferences.data_path)
    config = app_config(preferences)
    return lambda: AppCore(CopierApp(config))


def app_config(preferences: Preferences) -> AppConfig:
    """The core's configuration from the app's settings. The remote listener's settings are
    passed only when it is enabled (the core refuses TLS settings without a remote address)."""
    base = AppConfig(data_dir=preferences.data_path, bridge_host=preferences.bind_host,
                     bridge_port=preferences.bind_port)
    if not preferences.remote_enabled:
        return base
    self_signed = preferences.self_signed
    return replace(
        base,
        remote_host=preferences.remote_host,
        remote_port=preferences.remote_port,
        self_signed=self_signed,
        cert_file=None if self_signed else Path(preferences.cert_file).expanduser(),
        key_file=None if self_signed else Path(preferences.key_file).expanduser(),
        remote_allow=preferences.remote_allow,
    )


class Gui:
    """The window, the bridge and the core session, started and stopped in the right order."""

    def __init__(self, build: Callable[[], Core], preferences: Preferences, preferences_file: Path,
                 assets: Assets, *, title: str = "TradeCopier", bridge: UiBridge | None = None
                 ) -> None:
        self.bridge = bridge or UiBridge()
        self.event_log = EventLog(self.bridge)
        self.collector = GuiThreadCollector()
        self.session = CoreSession(build)
        self.window = MainWindow(self.session, self.bridge, assets, preferences,
                                 preferences_file, title=title)
        self.closed = asyncio.Event()
        self.window.quit_requested.connect(self.closed.set)
        self._unsubscribe: Callable[[], None] | None = None
        self._handler: logging.Handler | None = None
        self._switch_interval: float | None = None

    async def start(self) -> None:
        """Start the core, connect the bridge to its bus, then bring every screen to life."""
        self._switch_interval = tune_interpreter_for_gui()
        # From here on collections run on this thread only, the one the core asks for at its
        # start included (copier.gc_policy hands it over to the collector).
        gc.collect()
        self.collector.start()
        self._handler = _install_logging(self.bridge, self.window.preferences)
        await self.session.start()
        self._unsubscribe = await self.session.in_core(self.session.app.bus.subscribe,
                                                       self.bridge.handle)
        self.session.listeners.append(self.bridge.notify_config)
        self.bridge.start()
        self.window.start()
        now = await self.session.running()
        log.info("copier started: %d terminals, %d links, database %s",
                 len(now.terminals), len(now.links), self.session.app.database)
        gc.collect()
        gc.freeze()  # start-up objects live for good: full collections need not walk them

    async def stop(self) -> None:
        """Stop live updates, let actions in flight finish, stop the core, end every thread."""
        self.window.status.setText("stopping the copier…")
        self.window.stop()
        if self.session.started:
            await settle(timeout_s=5.0)  # actions in flight finish while the core answers
            if self._unsubscribe is not None:
                await self.session.in_core(self._unsubscribe)
        self.bridge.stop()
        await self.session.stop()
        await cancel_pending()
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
        if self._switch_interval is not None:  # the process may go on without a window
            sys.setswitchinterval(self._switch_interval)
            gc.unfreeze()
        self.collector.stop()
        self.window.tray.stop()
        self.window.hide()

    def dispose(self) -> None:
        """Destroy the Qt objects now, on the GUI thread. Left to Python's garbage collector
        they could be destroyed on whichever thread happens to collect — the core's, say —
        which Qt does not allow (their timers belong to the GUI thread)."""
        for thing in (self.window.tray.menu, self.window, self.event_log, self.bridge,
                      self.collector):
            thing.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


async def run_window(app: QApplication, options: LaunchOptions,
                     instance: SingleInstance | None = None) -> int:
    """Everything between the loop starting and the window closing."""
    loop = asyncio.get_running_loop()
    path = options.preferences_file or preferences_path()
    fallback = None if options.preferences_file else legacy_preferences_path()
    remember_in(path.parent)  # the dialogs' last folder is kept beside the settings
    preferences = await loop.run_in_executor(
        None, functools.partial(load_preferences, path, fallback=fallback))
    assets = await loop.run_in_executor(None, Assets.load)
    assets.apply_theme(app, preferences.theme)
    app.setWindowIcon(assets.icon("app"))
    title = "TradeCopier — demo (simulated terminals)" if options.demo else "TradeCopier"
    gui = Gui(core_builder(options, preferences), preferences, path, assets, title=title)
    if instance is not None:
        instance.activated.connect(gui.window.bring_to_front)
    gui.window.show()
    try:
        await gui.start()
    except Exception as exc:
        log.exception("the copier could not start")
        gui.window.status.setText(f"the copier could not start: {exc}")
        await gui.closed.wait()
        await gui.stop()
        gui.dispose()
        return 1
    await gui.closed.wait()
    await gui.stop()
    gui.dispose()
    return 0


GUI_SWITCH_INTERVAL_S = 0.001


def tune_interpreter_for_gui() -> float:
    """Hand the GIL over every millisecond instead of every five. Painting a table or a chart
    calls back into Python once per cell or item, and each call must win the GIL back from the
    copier's busy thread: at the default 5 ms a repaint under load could wait 50 ms or more
    (bench/ui_lag.py measures it). Only the GUI process does this; headless runs keep the
    default. Returns the interval it replaced."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    return previous


def _install_logging(bridge: UiBridge, preferences: Preferences) -> logging.Handler:
    root = logging.getLogger()
    root.setLevel(preferences.log_level)
    if not root.handlers:
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    root.addHandler(bridge.log_handler)
    return bridge.log_handler
