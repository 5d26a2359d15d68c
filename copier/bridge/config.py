"""Settings of the EA bridge: addresses, TLS, allow lists, limits and timings, with the
documented defaults."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass

from copier.bridge import protocol as p
from copier.bridge.allowlist import AllowList, AllowListError


class BridgeConfigError(ValueError):
    """Settings that cannot work; the message says which and why."""


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class RemoteListener:
    """The opt-in second listener for EAs on other machines: TLS only, with an allow list."""

    host: str
    port: int
    ssl_context: ssl.SSLContext | None
    allow_ips: tuple[str, ...] = ()  # addresses and CIDR ranges; required beyond loopback
    fingerprint: str = ""  # SHA-256 of the certificate, shown so EAs can pin it
    fingerprint_sha1: str = ""  # SHA-1 of it: MT5's SocketTlsCertificate gives only that one

    def problems(self) -> list[str]:
        found = []
        where = f"the remote listener on {self.host}:{self.port}"
        if not 0 <= self.port <= 65535:
            found.append(f"remote port {self.port} is not a TCP port")
        if self.ssl_context is None:
            found.append(f"{where} accepts only TLS (wss): give a certificate or use self-signed")
        elif self.ssl_context.minimum_version < ssl.TLSVersion.TLSv1_2:
            found.append(f"{where} must refuse TLS older than 1.2")
        if not is_loopback_host(self.host) and not self.allow_ips:
            found.append(
                f"{where} needs an IP allow list (addresses or CIDR ranges, "
                "e.g. 203.0.113.7 or 192.168.1.0/24)"
            )
        found.extend(_allow_list_problems(self.allow_ips))
        return found


def _allow_list_problems(entries: tuple[str, ...]) -> list[str]:
    try:
        AllowList(entries)
    except AllowListError as exc:
        return [f"allow list: {exc}"]
    return []


# Passes over every live session (heartbeats, key re-checks) give way to other work — a copy —
# after this many sessions: at 10,000 sessions one pass would otherwise hold the loop ~100 ms.
SESSION_SLICE = 128


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
    # Failed hellos within auth_fail_window_s after which further failures get 4430 at once:
    # per claimed account (from any address), per source (all loopback addresses are one
    # source) and per key id. A hello whose key verifies is never refused for them.
    auth_fail_per_account: int = 5
    auth_fail_per_address: int = 20
    auth_fail_per_key: int = 5
    auth_fail_window_s: float = 60.0
    auth_delay_base_s: float = 0.5  # the 2nd failure's answer waits this, doubling after it
    auth_delay_cap_s: float = 8.0
    # Connections whose hello is not answered yet: past these the oldest one is dropped.
    pending_per_source: int = 128
    pending_total: int = 512
    key_recheck_s: float = 2.0  # live sessions' keys re-checked (revoked, expired) this often
    key_warn_days: int = 7  # EAs and the app are told this many days before a key expires
    snapshot_timeout_s: float = 5.0
    snapshot_max_age_ms: int = 1000  # a snapshot this fresh is reused if nothing happened since
    duplicate_probe_s: float = 1.0  # how long a live session has to answer before a newcomer wins
    send_buffer_limit: int = 4 * 1024 * 1024  # bytes queued to one EA before it is dropped
    # A master's event whose price is further than this fraction from the symbol's last known
    # quote is refused, not copied (a fat-finger collar; 0: none). See values.py.
    price_band: float = 0.2
    compression: bool = False  # permessage-deflate; off by measurement (docs/performance.md)
    ssl_context: ssl.SSLContext | None = None  # required when listening beyond loopback
    allow_ips: tuple[str, ...] = ()  # addresses and CIDR ranges allowed (empty: any)
    remote: RemoteListener | None = None  # the opt-in TLS listener for EAs on other machines

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
            problems.append(
                f"plain ws on {self.host} is refused: listening beyond loopback needs TLS (wss) "
                "— keep the bridge on 127.0.0.1 and enable the remote listener "
                "(copier run --remote-host ADDRESS --self-signed --allow RANGE)"
            )
        if not self.is_loopback and not self.allow_ips:
            problems.append(f"listening on {self.host} needs an IP allow list")
        problems.extend(_allow_list_problems(self.allow_ips))
        if self.auth_delay_base_s < 0 or self.auth_delay_cap_s < self.auth_delay_base_s:
            problems.append("the failed-hello delay must be positive and below its cap")
        if not 0 <= self.price_band < 1:
            problems.append("the price band must be a fraction from 0 (off) to below 1")
        if self.pending_per_source < 1 or self.pending_total < self.pending_per_source:
            problems.append("the waiting-connection caps must be positive, the total the larger")
        if self.key_recheck_s <= 0:
            problems.append("the key re-check interval must be positive")
        if self.remote is not None:
            problems.extend(self.remote.problems())
        if problems:
            raise BridgeConfigError("; ".join(problems))

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    def allows(self, address: str) -> bool:
        """Whether an address may connect to the main listener (an empty list allows any)."""
        return AllowList(self.allow_ips).allows(address)
