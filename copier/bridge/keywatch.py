"""Live sessions against their keys: what the welcome says about the key, re-checks that end
the sessions of a revoked, expired or replaced key, and the app's notice of an expiring key.

Keys are re-checked by id every ``key_recheck_s`` (one query per slice of sessions, no
hashing), so a key revoked by another process — ``copier keys revoke`` beside a running
copier — ends its sessions within that interval; a revocation inside the app calls
``BridgeServer.recheck_keys`` and ends them at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from copier.bridge.audit import AuditTrail
from copier.bridge.auth import AuthRefusal, KeyGrant, KeyLifecycle, KeyVerifier, role_refusal
from copier.bridge.config import SESSION_SLICE
from copier.bridge.session import Session
from copier.events import ApiKeyExpiring

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
KeyNotice = Callable[[ApiKeyExpiring], None]
RECHECK_CHUNK = 2 * SESSION_SLICE  # sessions whose keys one worker-thread question covers


def duration_text(ms: int) -> str:
    """A time left as a trader reads it, rounded up so it never says 0: "2 s", "5 min", "24 h",
    "3 days" (a grace of ~2 s used to read "1 h")."""
    for unit_ms, unit, below in ((1000, "s", 60), (60_000, "min", 60), (HOUR_MS, "h", 49)):
        count = max(1, -(-ms // unit_ms))
        if count < below:
            return f"{count} {unit}"
    return f"{max(1, -(-ms // DAY_MS))} days"


class KeyWatch:
    def __init__(
        self,
        verifier: KeyVerifier,
        warn_days: int,
        clock_ms: Callable[[], int],
        audit: AuditTrail,
        notify: KeyNotice | None = None,
    ) -> None:
        self._verifier = verifier
        self._warn_ms = warn_days * DAY_MS
        self._clock_ms = clock_ms
        self._audit = audit
        self._notify = notify
        self._noticed: set[str] = set()

    def welcome_fields(self, grant: KeyGrant) -> tuple[int, str]:
        """``key_days`` and ``warn`` of the welcome frame for this key."""
        if grant.expires_ms is None:
            return -1, ""
        left_ms = max(0, grant.expires_ms - self._clock_ms())
        days = left_ms // DAY_MS
        if grant.replaced:
            left = duration_text(left_ms)
            text = f"API key replaced: it stops working in {left} — put the newest key in inputs"
            return days, text
        if left_ms <= self._warn_ms:
            when = "within a day" if days == 0 else f"in {days} days"
            return days, f"API key expires {when} — generate a new one in the copier's Accounts"
        return days, ""

    def note(self, grant: KeyGrant) -> None:
        """Tell the app (once per key) when an EA is connected with a key that ends soon."""
        if grant.expires_ms is None or grant.key_id in self._noticed:
            return
        left_ms = grant.expires_ms - self._clock_ms()
        if left_ms > self._warn_ms and not grant.replaced:
            return
        self._noticed.add(grant.key_id)
        notice = ApiKeyExpiring(
            grant.account_id,
            grant.key_id,
            grant.expires_ms,
            max(0, left_ms) // DAY_MS,
            grant.replaced,
        )
        log.warning("%s", notice.reason)
        detail = {
            "account": grant.account_id,
            "key_id": grant.key_id,
            "expires_ms": grant.expires_ms,
            "replaced": grant.replaced,
        }
        self._audit.record("api_key.expiring", detail)
        if self._notify is not None:
            try:
                self._notify(notice)
            except Exception:  # a subscriber's bug must not end a session
                log.exception("key notice handler failed")

    async def recheck(self, sessions: Sequence[Session]) -> int:
        """Re-check the keys of ``sessions``; close those whose key no longer works. Returns
        how many sessions were closed. The verifier is asked RECHECK_CHUNK sessions' keys at a
        time, each on a worker thread, and their sessions are handled before the next: with
        ten thousand sessions one question for all ran 20 ms on the worker, contending for the
        interpreter lock with any copy meanwhile, and its 10,000 answers lived through the
        whole pass — long enough to be promoted by the young collections they set off. Each
        chunk's sessions are looked at in its own turn of the loop: a first look at all ten
        thousand (which live all over a 300 MB heap) held the loop 3–7 ms every pass."""
        if not sessions or not isinstance(self._verifier, KeyLifecycle):
            return 0
        closed = 0
        for start in range(0, len(sessions), RECHECK_CHUNK):
            chunk = [
                s for s in sessions[start : start + RECHECK_CHUNK] if s.key_id and not s.closing
            ]
            if not chunk:
                continue
            key_ids = {s.key_id for s in chunk}
            verdicts = await asyncio.to_thread(self._verifier.recheck, key_ids)
            closed += self._apply(chunk, verdicts)
        return closed

    def _apply(
        self, sessions: list[Session], verdicts: Mapping[str, KeyGrant | AuthRefusal]
    ) -> int:
        closed = 0
        for session in sessions:
            verdict = verdicts.get(session.key_id)
            if isinstance(verdict, KeyGrant):  # the account may have lost this role since
                verdict = role_refusal(verdict, session.role) or verdict
            if isinstance(verdict, AuthRefusal):
                closed += self._end(session, verdict)
            elif isinstance(verdict, KeyGrant):
                session.key_expires_ms = verdict.expires_ms
                self.note(verdict)
        return closed

    def _end(self, session: Session, refusal: AuthRefusal) -> int:
        if session.closing:
            return 0
        session.close_soon(refusal.code, refusal.reason)
        detail = {
            "account": session.account_id,
            "key_id": session.key_id,
            "session": session.session_id,
            "address": session.address,
            "reason": refusal.reason,
        }
        self._audit.record("bridge.session_closed_for_key", detail)
        return 1
