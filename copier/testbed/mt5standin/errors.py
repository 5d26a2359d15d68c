"""The stand-in's failed call: what ``last_error()`` reports when a package call answers None."""

from __future__ import annotations

Error = tuple[int, str]


class CallError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.error: Error = (code, description)
