"""The bridge's door: the listener's allow list, then each hello's key, then the account's own
allow list, with failed hellos throttled.

Throttling slows and blocks *failures* only: every hello's key is checked, and a hello whose key
verifies is welcomed however many failures came before it — from its address, for its account
or with its key id — so no local process can lock a trader's EAs out by failing on purpose. A
failed hello waits (in its own task, holding no worker thread) before it is answered. Unknown
accounts, wrong keys and addresses outside an account's list get one answer, so a stranger
cannot list accounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from copier.bridge.allowlist import AllowList, source_of
from copier.bridge.audit import AuditTrail
from copier.bridge.auth import (
    AddressPolicy,
    AuthRefusal,
    KeyGrant,
    KeyVerifier,
    grant_of,
    key_id_of,
    role_refusal,
)
from copier.bridge.config import BridgeConfig
from copier.bridge.protocol import CloseCode, Hello
from copier.bridge.ratelimit import AuthThrottle, hello_buckets
from copier.bridge.waiting import WaitingRoom
from copier.logsafe import outside_text

log = logging.getLogger(__name__)

SUSPECT_CHECKS = 2  # key checks at once for hellos whose buckets hold recent failures


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
            config.auth_fail_per_key,
        )
        # Key checks of hellos whose buckets hold failures take turns here, so a guesser's
        # flood cannot take every worker thread; a check is ~1 ms, so turns come quickly.
        self._suspect_turns = asyncio.Semaphore(SUSPECT_CHECKS)
        self.room = WaitingRoom(config.pending_per_source, config.pending_total, self._evicted)

    def waiting(
        self, ws: ServerConnection, address: str
    ) -> contextlib.AbstractContextManager[None]:
        """Count the connection as waiting (capped, see waiting.py) until its hello is answered."""
        return self.room.waiting(ws, source_of(address))

    def _evicted(self, ws: ServerConnection, source: str) -> None:
        detail = {"address": _peer(ws), "waiting_per_source": self.room.per_source}
        self._audit.refusal("bridge.connection_dropped", source, 0, detail)

    def before_hello(self, listener: Listener, address: str) -> AuthRefusal | None:
        """Refuse an address outside the listener's allow list before any frame is read.
        Failures never close the door before the hello: a good key must still get in."""
        if not listener.allow.allows(address):
            detail = {"address": address, "listener": listener.name}
            code = CloseCode.ADDRESS_REFUSED
            self._audit.refusal("bridge.address_refused", source_of(address), code, detail)
            return AuthRefusal(code, "address not in the allow list")
        return None

    async def admit(
        self, ws: ServerConnection, hello: Hello, address: str
    ) -> KeyGrant | AuthRefusal | None:
        """The grant for this hello, why it is refused, or None when the EA left meanwhile.

        Every hello's key is checked: one that verifies is admitted at once, whatever the
        failures before it. A failed one is answered after the throttle's delay, or at once
        with 4430 when one of its buckets is past its limit.
        """
        source = source_of(address)
        buckets = hello_buckets(source, hello.login, hello.server, key_id_of(hello.key))
        suspect = self.throttle.failures(buckets, time.monotonic()) > 0
        try:
            async with self._suspect_turns if suspect else contextlib.nullcontext():
                outcome = await asyncio.to_thread(self._check, hello, address)
        except Exception:  # the key book failing must not look like a bad key to the EA
            log.exception(
                "checking the API key of %s@%s failed", hello.login, outside_text(hello.server)
            )
            return AuthRefusal(CloseCode.INTERNAL_ERROR, "the copier could not check the key")
        if not isinstance(outcome, AuthRefusal):
            self.throttle.succeeded(key_id_of(hello.key))
            grant = grant_of(outcome, hello.key)
            refusal = role_refusal(grant, hello.role)
            if refusal is None:
                return grant
            self._refused(hello, address, source, refusal)  # a real key: not throttled
            return refusal
        now = time.monotonic()
        blocked = self.throttle.retry_after(buckets, now)  # already past a limit before this one
        self.throttle.failed(buckets, now)
        if blocked > 0:
            outcome = AuthRefusal(CloseCode.AUTH_THROTTLED, _throttled(blocked))
        else:
            delay = self.throttle.delay(buckets, now)
            if delay > 0:
                await asyncio.sleep(delay)
        self._refused(hello, address, source, outcome)
        return outcome if ws.state is State.OPEN else None

    def _check(self, hello: Hello, address: str) -> str | KeyGrant | AuthRefusal:
        """The key first, then the account's own allow list: a stranger without the key gets
        the same answer for every account, known or not, allowed from here or not."""
        outcome = self._verifier.verify(hello.key, hello.login, hello.server)
        if isinstance(outcome, AuthRefusal) or not isinstance(self._verifier, AddressPolicy):
            return outcome
        refusal = self._verifier.address_refusal(hello.login, hello.server, address)
        return outcome if refusal is None else refusal

    def _refused(self, hello: Hello, address: str, source: str, refusal: AuthRefusal) -> None:
        detail = {
            "address": address,
            "login": hello.login,
            "server": hello.server,
            "role": hello.role.value,
            "code": int(refusal.code),
            "reason": refusal.reason,
        }
        if self._audit.refusal("bridge.hello_refused", source, int(refusal.code), detail):
            log.warning(
                "EA hello from %s refused for %s@%s: %s (repeats within a minute are counted "
                "in the audit log, not logged)",
                address,
                hello.login,
                outside_text(hello.server),
                outside_text(refusal.reason, 200),
            )


def _peer(ws: ServerConnection) -> str:
    remote = ws.remote_address
    return str(remote[0]) if remote else ""


def _throttled(wait: float) -> str:
    return f"too many failed hellos; retry in {max(1, round(wait))} s"
