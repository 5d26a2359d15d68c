"""Flow limits: the per-connection token bucket, failed-hello throttling and the settings check."""

from __future__ import annotations

import ssl

import pytest

from copier.bridge.config import BridgeConfig, BridgeConfigError
from copier.bridge.ratelimit import AuthThrottle, TokenBucket


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


def test_failed_hellos_for_one_account_lock_out_that_account_only() -> None:
    throttle = AuthThrottle(per_account=3, per_address=10, window_s=60.0)

    for t in range(3):
        throttle.failed("127.0.0.1", 1001, "Demo", now=float(t))

    assert throttle.retry_after("127.0.0.1", 1001, "Demo", now=3.0) == pytest.approx(57.0)
    assert throttle.retry_after("127.0.0.1", 2002, "Demo", now=3.0) == 0.0
    assert throttle.retry_after("127.0.0.1", 1001, "Demo", now=60.5) == 0.0


def test_an_address_guessing_for_many_accounts_is_locked_out_as_a_whole() -> None:
    throttle = AuthThrottle(per_account=3, per_address=4, window_s=60.0)

    for login in range(4):
        throttle.failed("10.0.0.9", login, "Demo", now=1.0)

    assert throttle.retry_after("10.0.0.9", 999, "Demo", now=2.0) > 0
    assert throttle.retry_after("10.0.0.8", 999, "Demo", now=2.0) == 0.0


def test_a_successful_hello_clears_the_accounts_failures() -> None:
    throttle = AuthThrottle(per_account=2, per_address=10, window_s=60.0)
    throttle.failed("127.0.0.1", 1, "S", now=0.0)

    throttle.succeeded("127.0.0.1", 1, "S")
    throttle.failed("127.0.0.1", 1, "S", now=1.0)

    assert throttle.retry_after("127.0.0.1", 1, "S", now=1.0) == 0.0


def test_each_failure_from_an_address_doubles_the_wait_before_its_next_hello() -> None:
    throttle = AuthThrottle(per_account=50, per_address=50, delay_base_s=0.5, delay_cap_s=4.0)

    waits = []
    for login in range(6):
        waits.append(throttle.delay("10.0.0.9", now=1.0))
        throttle.failed("10.0.0.9", login, "Demo", now=1.0)

    assert waits == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert throttle.delay("10.0.0.8", now=1.0) == 0.0
    assert throttle.delay("10.0.0.9", now=61.0) == 0.0


def test_an_address_past_its_limit_is_blocked_before_its_hello_is_read() -> None:
    throttle = AuthThrottle(per_account=50, per_address=3, window_s=60.0)
    for login in range(3):
        throttle.failed("10.0.0.9", login, "Demo", now=float(login))

    assert throttle.address_retry_after("10.0.0.9", now=3.0) == pytest.approx(57.0)
    assert throttle.address_retry_after("10.0.0.8", now=3.0) == 0.0
    assert throttle.address_retry_after("10.0.0.9", now=60.5) == 0.0


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
