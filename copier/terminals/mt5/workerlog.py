"""The MT5 worker process's own log: a rotating file in the data folder,
``<data>/logs/mt5-worker-<account>.log`` (``copier.logfile``'s handler and limits). A worker of the
windowed exe has no stdout or stderr either (a spawn child of a process without a console), and
the app's ``copier.log`` is rotated by the app's process alone, so each worker keeps its own."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from copier.logfile import has_console, setup_logging
from copier.terminals.mt5.config import Mt5Config


def worker_log_name(config: Mt5Config) -> str:
    """``mt5-worker-<account>.log``, the account id kept to characters every file system takes."""
    return "mt5-worker-" + re.sub(r"[^A-Za-z0-9._-]", "_", config.key) + ".log"


def start_logging(config: Mt5Config) -> Path | None:
    """The worker's own rotating log in the data folder (``config.log_dir``; the default data
    folder when none is given and there is no console to write to). With a console and no
    folder (tests, a developer's run) logging is left as the process has it."""
    if not config.log_dir and has_console():
        return None
    folder = Path(config.log_dir) if config.log_dir else None
    # On a console only a crash: the app already reports the worker's losses and refusals.
    return setup_logging(folder, file_name=worker_log_name(config),
                         console_level=logging.CRITICAL)
