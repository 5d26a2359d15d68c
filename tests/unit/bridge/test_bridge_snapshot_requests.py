"""A snapshot asked of an EA session that can no longer be written to is answered at once."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from copier.bridge.protocol import Message, Role
from copier.bridge.session import Session
from copier.terminals.ea.terminal import EaTerminal, TerminalUnavailable

pytestmark = pytest.mark.timeout(10)


class ClosingSession:
    """A session the bridge has begun to close: every write is refused."""

    role = Role.EXECUTOR
    closing = True

    def send(self, frame: str) -> bool:
        return False

    def send_message(self, message: Message) -> bool:
        return False


async def test_a_snapshot_asked_of_a_closing_session_fails_at_once() -> None:
    terminal = EaTerminal("s", snapshot_timeout_s=5.0)
    terminal.attach(cast(Session, ClosingSession()))
    started = asyncio.get_running_loop().time()

    with pytest.raises(TerminalUnavailable, match="closing"):
        await terminal.snapshot()

    assert asyncio.get_running_loop().time() - started < 1.0
