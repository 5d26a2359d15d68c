"""The app's remote-listener settings: a self-signed pair made once in the data folder with its
fingerprint shown, and settings that cannot be safe refused at start-up with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bridge_security_support import ACCOUNT, RawEa, pinning_client_context

from copier.app import AppConfig, CopierApp
from copier.bridge import BridgeConfigError
from copier.bridge.tls import CERT_FILE, KEY_FILE, self_signed_material

pytestmark = pytest.mark.timeout(20)


def _config(tmp_path: Path, **fields: object) -> AppConfig:
    return AppConfig(database=tmp_path / "tradecopier.db", bridge_port=0, **fields)  # type: ignore[arg-type]


async def test_a_self_signed_remote_listener_serves_wss_with_a_stable_fingerprint(
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path,
        remote_host="127.0.0.1",
        remote_port=0,
        self_signed=True,
        remote_allow=("127.0.0.1",),
    )
    app = CopierApp(config)
    app.store.save_account(ACCOUNT)
    key = app.store.create_api_key(ACCOUNT.id)
    await app.start()
    try:
        assert app.bridge is not None and app.bridge.remote_url is not None
        ea = await RawEa.open(app.bridge.remote_url, tls=pinning_client_context())
        pinned = ea.peer_fingerprint == app.bridge.tls_fingerprint
        outcome = await ea.hello(key)
        await ea.close()
        first_fingerprint = app.bridge.tls_fingerprint
    finally:
        await app.stop()
    again = CopierApp(config)
    await again.stop()

    assert pinned and outcome.welcome is not None
    assert (tmp_path / CERT_FILE).exists() and (tmp_path / KEY_FILE).exists()
    assert again.bridge is not None and again.bridge.tls_fingerprint == first_fingerprint


@pytest.mark.posix_only(reason="POSIX mode bits: Windows reports 0o666 for every file whatever "
                               "its ACL says")
def test_the_self_signed_private_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    material = self_signed_material(tmp_path, "127.0.0.1")

    assert material.key_file.stat().st_mode & 0o077 == 0


def test_plain_ws_on_a_public_address_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(BridgeConfigError, match=r"plain ws on 0\.0\.0\.0 is refused"):
        CopierApp(_config(tmp_path, bridge_host="0.0.0.0"))


def test_a_remote_listener_without_a_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BridgeConfigError, match="--cert and --key, or --self-signed"):
        CopierApp(_config(tmp_path, remote_host="0.0.0.0", remote_allow=("10.0.0.0/8",)))


def test_a_public_remote_listener_without_an_allow_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BridgeConfigError, match="needs an IP allow list"):
        CopierApp(_config(tmp_path, remote_host="0.0.0.0", self_signed=True))
