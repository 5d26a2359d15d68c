"""Flow limits of the bridge: a token bucket per connection and failed-hello throttling."""

from __future__ import annotations

import hashlib
from collections import deque


class TokenBucket:
    """``rate`` tokens per second up to ``capacity``; one frame costs one token."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def take(self, now: float, cost: float = 1.0) -> bool:
        tokens = self.tokens + (now - self.stamp) * self.rate
        self.stamp = now
        if tokens > self.capacity:
            tokens = self.capacity
        if tokens < cost:
            self.tokens = tokens
            return False
        self.tokens = tokens - cost
        return True


class _Window:
    """Times of recent failures within a sliding window."""

    __slots__ = ("times",)

    def __init__(self) -> None:
        self.times: deque[float] = deque()

    def prune(self, now: float, window_s: float) -> None:
        while self.times and self.times[0] <= now - window_s:
            self.times.popleft()


Bucket = tuple[str, str]  # (kind, what): ("source", ...), ("account", ...), ("key", ...)
_MAX_BUCKETS = 10_000


def hello_buckets(source: str, login: int, server: str, key_id: str) -> tuple[Bucket, ...]:
    """What a failed hello is counted against: its source (see ``allowlist.source_of``), the
    account it claims and the key id it names. An attacker can rotate neither the account it
    is after nor the id of the key it tries, so changing address does not reset those counts.
    The account is kept as a digest: a hello's ``server`` may be 64 KiB of anything."""
    account = hashlib.blake2b(f"{login}@{server}".encode(), digest_size=16).hexdigest()
    buckets: tuple[Bucket, ...] = (("source", source), ("account", account))
    return (*buckets, ("key", key_id)) if key_id else buckets


class AuthThrottle:
    """Failed hellos counted per bucket (``hello_buckets``) in a sliding window.

    Only failures are throttled: a hello is always checked, and one whose key verifies is
    admitted however many failures its buckets hold. A failed hello is answered after
    ``delay()`` — doubling with every recent failure in its buckets — and once a bucket passes
    its limit, failed hellos in it are answered at once with 4430 until the oldest failure
    leaves the window. The wait is spent in the failing connection's own task.
    """

    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window_s: float = 60.0,
        delay_base_s: float = 0.5,
        delay_cap_s: float = 8.0,
        per_key: int = 5,
    ) -> None:
        self.limits = {"source": per_address, "account": per_account, "key": per_key}
        self.window_s = window_s
        self.delay_base_s = delay_base_s
        self.delay_cap_s = delay_cap_s
        self._windows: dict[Bucket, _Window] = {}
        # No window is idle before this time: a full table is not swept again until then.
        self._idle_from = 0.0

    def failures(self, buckets: tuple[Bucket, ...], now: float) -> int:
        """The most recent failures held by any of ``buckets``."""
        most = 0
        for bucket in buckets:
            window = self._windows.get(bucket)
            if window is not None:
                window.prune(now, self.window_s)
                most = max(most, len(window.times))
        return most

    def delay(self, buckets: tuple[Bucket, ...], now: float) -> float:
        """Seconds a failed hello waits before it is answered: nothing for the first failure,
        then ``delay_base_s`` doubled with every further one, at most ``delay_cap_s``."""
        failures = self.failures(buckets, now)
        if failures < 2:
            return 0.0
        return float(min(self.delay_cap_s, self.delay_base_s * 2 ** (failures - 2)))

    def retry_after(self, buckets: tuple[Bucket, ...], now: float) -> float:
        """Seconds until none of ``buckets`` is past its limit; 0 when none is now."""
        wait = 0.0
        for bucket in buckets:
            window = self._windows.get(bucket)
            if window is None:
                continue
            window.prune(now, self.window_s)
            if len(window.times) >= self.limits[bucket[0]]:
                wait = max(wait, window.times[0] + self.window_s - now)
        return wait

    def failed(self, buckets: tuple[Bucket, ...], now: float) -> None:
        if len(self._windows) >= _MAX_BUCKETS and now >= self._idle_from:
            self._forget_idle(now)
        for bucket in buckets:
            full = len(self._windows) >= _MAX_BUCKETS
            if full and bucket[0] != "source" and bucket not in self._windows:
                continue  # full of live buckets: the source still counts this failure
            window = self._windows.setdefault(bucket, _Window())
            window.prune(now, self.window_s)
            window.times.append(now)
            self._idle_from = min(self._idle_from, now + self.window_s)

    def succeeded(self, key_id: str) -> None:
        """A key verified: failures counted against its id were someone else's guesses."""
        self._windows.pop(("key", key_id), None)

    def _forget_idle(self, now: float) -> None:
        """Drop the windows without a failure in the last ``window_s``, and note when the next
        of those left becomes idle: a flood of failures naming new buckets into a table full of
        live ones would otherwise scan all of it at every failure (10,000 windows each time)."""
        for key in [
            k for k, w in self._windows.items() if not w.times or w.times[-1] <= now - self.window_s
        ]:
            del self._windows[key]
        last = (w.times[-1] for w in self._windows.values() if w.times)
        self._idle_from = min(last, default=now) + self.window_s
