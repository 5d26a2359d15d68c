"""Flow limits: the per-connection token bucket, failed-hello throttling and the settings check."""

from __future__ import annotations

import ssl

import pytest

from copier.bridge.allowlist import source_of
from copier.bridge.config import BridgeConfig, BridgeConfigError
from copier.bridge.ratelimit import AuthThrottle, Bucket, TokenBucket, hello_buckets


def test_a_bucket_lets_a_burst_through_then_refuses_until_it_refills() -> None:
    bucket = TokenBucket(rate=10.0, capacity=5, now=0.0)

    burst = [bucket.take(0.0) for _ in range(6)]
    after_a_tenth = bucket.take(0.1)

    assert burst == [True] * 5 + [False]
    assert after_a_tenth is True
    assert bucket.take(0.1) is False


def test_a_bucket_never_holds_more_than_its_capacity() -> None:
    bucket = TokenBucket(rate=1000.0, capacity=3, now=0.0)

    taken = [bucket.take(100.0) for _ in range(4)]

    assert taken == [True, True, True, False]


def _buckets(source: str, login: int, key_id: str = "") -> tuple[Bucket, ...]:
    return hello_buckets(source, login, "Demo", key_id)


def test_failures_for_one_account_block_its_failures_from_every_address() -> None:
    throttle = AuthThrottle(per_account=3, per_address=10, window_s=60.0)

    for t, source in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3")):
        throttle.failed(_buckets(source, 1001), now=float(t))

    assert throttle.retry_after(_buckets("10.0.0.4", 1001), now=3.0) == pytest.approx(57.0)
    assert throttle.retry_after(_buckets("10.0.0.4", 2002), now=3.0) == 0.0
    assert throttle.retry_after(_buckets("10.0.0.4", 1001), now=60.5) == 0.0


def test_failures_naming_one_key_id_block_it_whatever_account_they_claim() -> None:
    throttle = AuthThrottle(per_account=50, per_address=50, per_key=2)

    throttle.failed(_buckets("10.0.0.1", 1, "k1"), now=0.0)
    throttle.failed(_buckets("10.0.0.2", 2, "k1"), now=0.0)

    assert throttle.retry_after(_buckets("10.0.0.3", 3, "k1"), now=1.0) > 0
    throttle.succeeded("k1")  # the key verified: those were someone else's guesses
    assert throttle.retry_after(_buckets("10.0.0.3", 3, "k1"), now=1.0) == 0.0


def test_a_source_guessing_for_many_accounts_is_blocked_as_a_whole() -> None:
    throttle = AuthThrottle(per_account=3, per_address=4, window_s=60.0)

    for login in range(4):
        throttle.failed(_buckets("10.0.0.9", login), now=1.0)

    assert throttle.retry_after(_buckets("10.0.0.9", 999), now=2.0) > 0
    assert throttle.retry_after(_buckets("10.0.0.8", 999), now=2.0) == 0.0


def test_every_loopback_address_is_one_source_and_an_ipv6_host_is_its_slash_64() -> None:
    assert {source_of(a) for a in ("127.0.0.1", "127.0.3.7", "::1", "::ffff:127.9.9.9")} == {
        "loopback"
    }
    assert source_of("2001:db8::1") == source_of("2001:db8::ffff:1") == "2001:db8::/64"
    assert source_of("10.0.0.9") == "10.0.0.9"


def test_each_failure_doubles_the_wait_before_the_next_failure_is_answered() -> None:
    throttle = AuthThrottle(per_account=50, per_address=50, delay_base_s=0.5, delay_cap_s=4.0)

    waits = []
    for login in range(6):
        throttle.failed(_buckets("10.0.0.9", login), now=1.0)
        waits.append(throttle.delay(_buckets("10.0.0.9", login), now=1.0))

    assert waits == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert throttle.delay(_buckets("10.0.0.8", 99), now=1.0) == 0.0
    assert throttle.delay(_buckets("10.0.0.9", 99), now=61.0) == 0.0


def test_the_buckets_stay_bounded_when_every_failure_names_a_new_key_id() -> None:
    throttle = AuthThrottle(per_account=5, per_address=10**6)

    for n in range(30_000):
        throttle.failed(_buckets("10.0.0.9", n % 7, f"id{n}"), now=1.0)

    assert len(throttle._windows) <= 10_000
    assert throttle.failures(_buckets("10.0.0.9", 0), now=1.0) == 30_000


def test_a_full_table_counts_a_new_key_id_again_once_its_oldest_buckets_are_idle() -> None:
    throttle = AuthThrottle(per_account=5, per_address=10**6, window_s=60.0)
    for n in range(12_000):  # full after about 10,000: later key ids are not counted
        throttle.failed(_buckets("10.0.0.9", n % 7, f"id{n}"), now=1.0 + n / 1_000)
    assert ("key", "id11999") not in throttle._windows

    throttle.failed(_buckets("10.0.0.9", 0, "early"), now=60.5)  # nothing idle yet
    throttle.failed(_buckets("10.0.0.9", 0, "late"), now=61.5)  # the first 500 are idle

    assert ("key", "early") not in throttle._windows
    assert len(throttle._windows[("key", "late")].times) == 1
    assert len(throttle._windows) <= 10_000


def test_the_default_settings_are_valid_and_listen_on_loopback_8080() -> None:
    config = BridgeConfig()

    config.validate()

    assert (config.host, config.port, config.path) == ("127.0.0.1", 8080, "/ea/v1")


def test_listening_beyond_loopback_without_tls_and_an_allow_list_is_refused() -> None:
    with pytest.raises(BridgeConfigError) as refused:
        BridgeConfig(host="0.0.0.0").validate()

    assert "needs TLS" in str(refused.value) and "allow list" in str(refused.value)


def test_remote_listening_with_tls_admits_only_allowed_addresses() -> None:
    config = BridgeConfig(
        host="0.0.0.0", ssl_context=ssl.create_default_context(), allow_ips=("192.168.1.20",)
    )

    config.validate()

    assert config.allows("192.168.1.20") and not config.allows("192.168.1.21")


def test_a_silence_timeout_shorter_than_the_ping_interval_is_refused() -> None:
    with pytest.raises(BridgeConfigError, match="silence timeout"):
        BridgeConfig(ping_interval_s=5, silence_timeout_s=4).validate()
