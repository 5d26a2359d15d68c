"""Flow limits of the bridge: a token bucket per connection and failed-hello throttling."""

from __future__ import annotations

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


class AuthThrottle:
    """Failed hellos counted per address and per (address, login, server) in a sliding window.

    Counting per claimed account too means one misconfigured EA on 127.0.0.1 locks out only its
    own account, while an address guessing keys for many accounts is locked out as a whole.
    Before the limit, each further hello from a failing address waits ``delay()`` — doubling
    with every recent failure — before its key is checked. Only that connection waits: other
    addresses are never delayed, and a waiting hello holds no worker thread.
    """

    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window_s: float = 60.0,
        delay_base_s: float = 0.5,
        delay_cap_s: float = 8.0,
    ) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window_s = window_s
        self.delay_base_s = delay_base_s
        self.delay_cap_s = delay_cap_s
        self._windows: dict[tuple[str, ...], _Window] = {}

    def recent_failures(self, address: str, now: float) -> int:
        window = self._windows.get((address,))
        if window is None:
            return 0
        window.prune(now, self.window_s)
        return len(window.times)

    def delay(self, address: str, now: float) -> float:
        """Seconds the next hello from ``address`` waits before its key is checked."""
        failures = self.recent_failures(address, now)
        if failures == 0:
            return 0.0
        return float(min(self.delay_cap_s, self.delay_base_s * 2 ** (failures - 1)))

    def address_retry_after(self, address: str, now: float) -> float:
        """Seconds until ``address`` as a whole may try again (checked before its hello)."""
        window = self._windows.get((address,))
        if window is None:
            return 0.0
        window.prune(now, self.window_s)
        if len(window.times) < self.per_address:
            return 0.0
        return window.times[0] + self.window_s - now

    def retry_after(self, address: str, login: int, server: str, now: float) -> float:
        """Seconds until this hello may be tried again; 0 when it may be tried now."""
        wait = 0.0
        for key, limit in (
            ((address,), self.per_address),
            (self._key(address, login, server), self.per_account),
        ):
            window = self._windows.get(key)
            if window is None:
                continue
            window.prune(now, self.window_s)
            if len(window.times) >= limit:
                wait = max(wait, window.times[0] + self.window_s - now)
        return wait

    def failed(self, address: str, login: int, server: str, now: float) -> None:
        for key in ((address,), self._key(address, login, server)):
            window = self._windows.setdefault(key, _Window())
            window.prune(now, self.window_s)
            window.times.append(now)
        if len(self._windows) > 10000:
            self._forget_idle(now)

    def succeeded(self, address: str, login: int, server: str) -> None:
        self._windows.pop(self._key(address, login, server), None)

    def _forget_idle(self, now: float) -> None:
        for key in [
            k for k, w in self._windows.items() if not w.times or w.times[-1] <= now - self.window_s
        ]:
            del self._windows[key]

    @staticmethod
    def _key(address: str, login: int, server: str) -> tuple[str, ...]:
        return (address, str(login), server)
