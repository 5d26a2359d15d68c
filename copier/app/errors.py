"""The one error of the application layer: a user's request that cannot be carried out, with a
sentence the trader can act on (the window shows it, the command line prints it)."""

from __future__ import annotations


class ActionError(ValueError):
    """A request that cannot be carried out; the message says why in words."""
