"""IP allow lists and remote-listener settings: addresses, CIDR ranges, TLS required beyond
loopback, TLS 1.2 or newer."""

from __future__ import annotations

import ssl

import pytest

from copier.bridge.allowlist import AllowList, AllowListError
from copier.bridge.config import BridgeConfig, BridgeConfigError, RemoteListener


def test_single_addresses_and_cidr_ranges_are_allowed_and_nothing_else() -> None:
    allow = AllowList(["127.0.0.1", "192.168.1.0/24", "2001:db8::/32"])

    assert allow.allows("127.0.0.1") and allow.allows("192.168.1.254")
    assert allow.allows("2001:db8::5")
    assert not allow.allows("127.0.0.2") and not allow.allows("192.168.2.1")
    assert not allow.allows("not an address")


def test_an_ipv4_peer_seen_through_a_dual_stack_socket_is_matched() -> None:
    assert AllowList(["10.0.0.0/8"]).allows("::ffff:10.1.2.3")


def test_an_empty_allow_list_allows_any_address() -> None:
    assert AllowList([]).allows("203.0.113.9")


def test_a_bad_entry_is_refused_with_its_text() -> None:
    with pytest.raises(AllowListError, match=r"'10\.0\.0\.300'"):
        AllowList(["10.0.0.300"])


def _tls(minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = minimum
    return context


def test_plain_ws_on_a_public_address_is_refused_at_start_up_with_a_clear_message() -> None:
    with pytest.raises(BridgeConfigError, match=r"plain ws on 0\.0\.0\.0 is refused"):
        BridgeConfig(host="0.0.0.0", allow_ips=("10.0.0.0/8",)).validate()


def test_a_remote_listener_without_tls_is_refused() -> None:
    remote = RemoteListener("0.0.0.0", 8443, None, ("10.0.0.0/8",))

    with pytest.raises(BridgeConfigError, match="accepts only TLS"):
        BridgeConfig(remote=remote).validate()


def test_a_remote_listener_that_would_accept_tls_older_than_1_2_is_refused() -> None:
    remote = RemoteListener(
        "0.0.0.0", 8443, _tls(ssl.TLSVersion.MINIMUM_SUPPORTED), ("10.0.0.0/8",)
    )

    with pytest.raises(BridgeConfigError, match=r"older than 1\.2"):
        BridgeConfig(remote=remote).validate()


def test_a_public_remote_listener_needs_an_allow_list() -> None:
    remote = RemoteListener("0.0.0.0", 8443, _tls())

    with pytest.raises(BridgeConfigError, match="needs an IP allow list"):
        BridgeConfig(remote=remote).validate()


def test_a_remote_listener_with_tls_and_an_allow_list_is_accepted() -> None:
    BridgeConfig(remote=RemoteListener("0.0.0.0", 8443, _tls(), ("192.168.1.0/24",))).validate()


def test_a_bad_allow_list_entry_is_refused_at_start_up() -> None:
    with pytest.raises(BridgeConfigError, match="allow list"):
        BridgeConfig(allow_ips=("example.com",)).validate()
