"""Settings of the EA bridge: address, limits and timings, with the documented defaults."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass

from copier.bridge import protocol as p


class BridgeConfigError(ValueError):
    """Settings that cannot work; the message says which and why."""


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    host: str = "127.0.0.1"
    port: int = 8080  # 0: any free port (tests)
    path: str = p.PATH
    max_frame: int = p.MAX_FRAME
    hello_timeout_s: float = p.HELLO_TIMEOUT_S
    ping_interval_s: float = p.PING_INTERVAL_S
    silence_timeout_s: float = p.SILENCE_TIMEOUT_S
    heartbeat_tick_s: float = 1.0  # how often sessions are checked for pings and silence
    rate_per_s: float = p.RATE_PER_S
    rate_burst: int = p.RATE_BURST
    bad_frame_limit: int = p.BAD_FRAME_LIMIT
    auth_fail_per_account: int = 5
    auth_fail_per_address: int = 20
    auth_fail_window_s: float = 60.0
    snapshot_timeout_s: float = 5.0
    snapshot_max_age_ms: int = 1000  # a snapshot this fresh is reused if nothing happened since
    duplicate_probe_s: float = 1.0  # how long a live session has to answer before a newcomer wins
    send_buffer_limit: int = 4 * 1024 * 1024  # bytes queued to one EA before it is dropped
    compression: bool = False  # permessage-deflate; off by measurement (docs/performance.md)
    ssl_context: ssl.SSLContext | None = None  # required when listening beyond loopback
    allow_ips: tuple[str, ...] = ()  # remote addresses allowed when not on loopback

    def validate(self) -> None:
        problems = []
        if not 0 <= self.port <= 65535:
            problems.append(f"port {self.port} is not a TCP port")
        if not self.path.startswith("/"):
            problems.append("path must start with /")
        if self.max_frame < 1024:
            problems.append("max frame must be at least 1024 bytes")
        if self.silence_timeout_s <= self.ping_interval_s:
            problems.append("the silence timeout must be longer than the ping interval")
        if self.rate_per_s <= 0 or self.rate_burst < 1:
            problems.append("rate limit and burst must be positive")
        if not self.is_loopback and self.ssl_context is None:
            problems.append(f"listening on {self.host} needs TLS (wss): give an SSL context")
        if not self.is_loopback and not self.allow_ips:
            problems.append(f"listening on {self.host} needs an IP allow list")
        if problems:
            raise BridgeConfigError("; ".join(problems))

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def allows(self, address: str) -> bool:
        """Whether a remote address may connect at all."""
        if self.is_loopback or not self.allow_ips:
            return True
        return address in self.allow_ips
