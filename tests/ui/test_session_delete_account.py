"""Removing an account from the window goes through the shared action (``copier.app.accounts``) the
command line uses, then stops its links live: no second copy of the cascade in the window."""

from __future__ import annotations

from pathlib import Path

from copier.app import AppConfig, CopierApp
from copier.domain import Platform
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole
from copier.ui.session import AppCore, CoreSession
from copier.vault import PasswordVault
from tests.ui.conftest import MemoryKeyring

MASTER = AccountRecord.new(Platform.MT4, 1, "A", role=AccountRole.MASTER)
SLAVE = AccountRecord.new(Platform.MT5, 2, "A", settings={"connection": "ea"})


async def test_deleting_an_account_takes_its_links_keys_and_password_live_and_stored(
    tmp_path: Path,
) -> None:
    keyring = MemoryKeyring()
    session = CoreSession(lambda: AppCore(CopierApp(AppConfig(data_dir=tmp_path, bridge=False))),
                          vault=PasswordVault(keyring))
    await session.start()
    try:
        await session.save_account(MASTER)
        await session.save_account(SLAVE, password="secret")
        await session.create_api_key(SLAVE.id)
        kept = await session.save_link(Link(0, MASTER.id, "mt4:3@A", name="kept"))
        await session.save_link(Link(0, MASTER.id, SLAVE.id, name="goes"))

        await session.delete_account(SLAVE.id)

        live = await session.load_links()
        store = session.app.store
        assert [link.name for link in live] == ["kept"] and live[0].id == kept.id
        assert [link.name for link in store.load_links()] == ["kept"]
        assert store.get_account(SLAVE.id) is None and store.list_api_keys(SLAVE.id) == []
        assert keyring.passwords == {}
    finally:
        await session.stop()
