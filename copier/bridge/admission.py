"""The bridge's door: listener allow lists, failed-hello throttling, the account's own allow
list, then the key — in that order, so a stranger learns nothing about keys.

A waiting hello (the throttle's delay) sleeps in its own connection's task and holds no worker
thread; hellos from an address that failed recently are checked one at a time. A correctly
authenticated EA from another address therefore never queues behind a guesser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from copier.bridge.allowlist import AllowList
from copier.bridge.audit import AuditTrail
from copier.bridge.auth import AddressPolicy, AuthRefusal, KeyGrant, KeyVerifier, grant_of
from copier.bridge.config import BridgeConfig
from copier.bridge.protocol import CloseCode, Hello
from copier.bridge.ratelimit import AuthThrottle

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Listener:
    """One listening socket's rules: its name for logs and its allow list."""

    name: str  # "local" or "remote"
    allow: AllowList


class Gate:
    def __init__(self, verifier: KeyVerifier, config: BridgeConfig, audit: AuditTrail) -> None:
        self._verifier = verifier
        self._audit = audit
        self.throttle = AuthThrottle(
            config.auth_fail_per_account,
            config.auth_fail_per_address,
            config.auth_fail_window_s,
            config.auth_delay_base_s,
            config.auth_delay_cap_s,
        )
        self._suspects: dict[str, _Turns] = {}

    def before_hello(self, listener: Listener, address: str) -> AuthRefusal | None:
        """Refuse an address outside the listener's allow list, or blocked, before any frame."""
        if not listener.allow.allows(address):
            self._audit.refusal("bridge.address_refused", address, {"listener": listener.name})
            return AuthRefusal(CloseCode.ADDRESS_REFUSED, "address not in the allow list")
        wait = self.throttle.address_retry_after(address, time.monotonic())
        if wait > 0:
            self._audit.refusal("bridge.auth_throttled", address, {"retry_after_s": round(wait)})
            return AuthRefusal(CloseCode.AUTH_THROTTLED, _throttled(wait))
        return None

    async def admit(
        self, ws: ServerConnection, hello: Hello, address: str
    ) -> KeyGrant | AuthRefusal | None:
        """The grant for this hello, why it is refused, or None when the EA left meanwhile."""
        now = time.monotonic()
        wait = self.throttle.retry_after(address, hello.login, hello.server, now)
        if wait > 0:
            detail = {"login": hello.login, "server": hello.server, "retry_after_s": round(wait)}
            self._audit.refusal("bridge.auth_throttled", address, detail)
            return AuthRefusal(CloseCode.AUTH_THROTTLED, _throttled(wait))
        delay = self.throttle.delay(address, now)
        if delay > 0:
            await asyncio.sleep(delay)
            if ws.state is not State.OPEN:
                return None
        suspect = self.throttle.recent_failures(address, time.monotonic()) > 0
        turn = self._one_at_a_time(address) if suspect else contextlib.nullcontext()
        try:
            async with turn:
                outcome = await asyncio.to_thread(self._check, hello, address)
        except Exception:  # the key book failing must not look like a bad key to the EA
            log.exception("checking the API key of %s@%s failed", hello.login, hello.server)
            return AuthRefusal(CloseCode.INTERNAL_ERROR, "the copier could not check the key")
        if isinstance(outcome, AuthRefusal):
            self._refused(hello, address, outcome)
            return outcome
        self.throttle.succeeded(address, hello.login, hello.server)
        return grant_of(outcome, hello.key)

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, address: str) -> AsyncIterator[None]:
        """Serialise key checks from an address that failed recently (bounded thread use)."""
        entry = self._suspects.setdefault(address, _Turns())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._suspects[address]

    def _check(self, hello: Hello, address: str) -> str | KeyGrant | AuthRefusal:
        if isinstance(self._verifier, AddressPolicy):
            refusal = self._verifier.address_refusal(hello.login, hello.server, address)
            if refusal is not None:
                return refusal
        return self._verifier.verify(hello.key, hello.login, hello.server)

    def _refused(self, hello: Hello, address: str, refusal: AuthRefusal) -> None:
        self.throttle.failed(address, hello.login, hello.server, time.monotonic())
        log.warning(
            "EA hello from %s refused for %s@%s: %s",
            address,
            hello.login,
            hello.server,
            refusal.reason,
        )
        detail = {
            "address": address,
            "login": hello.login,
            "server": hello.server,
            "role": hello.role.value,
            "code": int(refusal.code),
            "reason": refusal.reason,
        }
        self._audit.record("bridge.hello_refused", detail)


class _Turns:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


def _throttled(wait: float) -> str:
    return f"too many failed hellos; retry in {max(1, round(wait))} s"
