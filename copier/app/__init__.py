"""The application layer: the composition root (``CopierApp``, ``copier.app.root``) and one use
case per user action, shared by the window, the command line and set-up files.

Modules: ``root`` builds and runs the core; ``accounts`` and ``links`` are the configuration
actions over the store; ``errors`` holds ``ActionError``, the refusal a user can act on.
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
