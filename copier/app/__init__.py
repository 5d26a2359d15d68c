"""The application layer: the composition root (``CopierApp``, ``copier.app.root``) and one use
case per user action, shared by the window, the command line and set-up files.

Modules: ``root`` builds and runs the core (``CopierApp``; its methods carry the controls that
change a running core: copying on or off, close all copies, a risk stop lifted, the trading clock,
keys revoked); ``accounts``, ``links`` and ``keys`` are the configuration actions over the store
(``keyadmin`` the command line's key commands); ``live`` reads what the running core knows;
``reports`` the trade log, statistics and audit log as typed reports; ``vocabulary`` names the
records screens and commands exchange; ``errors`` holds ``ActionError``, the refusal a user can act
on (a sentence).

Configuration actions and reports are blocking (the database): the window's session runs them on
its worker thread, ``live`` and the controls on the core's loop.
"""

from copier.app.errors import ActionError
from copier.app.root import (
    AppConfig,
    CopierApp,
    CoreThread,
    forget_demo,
    remote_listener,
    run_headless,
)

__all__ = [
    "ActionError",
    "AppConfig",
    "CopierApp",
    "CoreThread",
    "forget_demo",
    "remote_listener",
    "run_headless",
]
