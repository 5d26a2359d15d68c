"""The main window's screens, one file each, and what every screen offers the window.

A screen is a ``QWidget`` that also has the :class:`Page` hooks (``Screen`` gives them as no-ops
to override). The window lists its screens once (``copier/ui/window.py``, ``SCREENS``): a new
screen is its file here and one line there.
"""

from __future__ import annotations

from typing import Protocol


class Page(Protocol):
    def start(self) -> None:
        """The core is running: load what the screen shows and begin its live updates."""

    def stop(self) -> None:
        """The window is going: stop timers."""

    def shown(self) -> None:
        """The trader navigated to the screen: refresh what is cheap to refresh."""


class Screen:
    """The :class:`Page` hooks as no-ops, mixed into each screen's ``QWidget`` class."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def shown(self) -> None:
        return None
