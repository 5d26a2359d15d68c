"""The composition root serves the saved accounts: EA accounts through its bridge, headless."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.bridge import Role
from copier.domain import Platform
from copier.store import AccountRecord, Store
from copier.testbed.broker.profiles import build_broker
from copier.testbed.refea.client import EaSettings, ReferenceEa


async def test_a_saved_ea_account_is_served_by_the_apps_bridge(tmp_path: Path) -> None:
    broker = build_broker("slave-mt5", seed=1)
    account = AccountRecord("acct-1", Platform.MT5, broker.account.login, broker.account.server)
    with Store.open(path=tmp_path / "tc.db") as store:
        store.save_account(account)
        key = store.create_api_key("acct-1")
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))
    await app.start()
    assert app.bridge is not None
    ea = ReferenceEa(broker, EaSettings(url=app.bridge.url, key=key, role=Role.EXECUTOR))
    runner = asyncio.create_task(ea.run())
    try:
        await asyncio.wait_for(ea.welcomed.wait(), 10)

        terminal = app.service.terminals["acct-1"]

        assert terminal.kind == "ea"
        assert terminal.connected
    finally:
        await ea.stop()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await app.stop()


async def test_a_disabled_account_gets_no_terminal(tmp_path: Path) -> None:
    with Store.open(path=tmp_path / "tc.db") as store:
        store.save_account(AccountRecord("off", Platform.MT4, 7, "Broker-Demo", enabled=False))

    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))

    assert "off" not in app.service.terminals
    await app.stop()


async def test_an_account_added_while_running_is_served_at_once(tmp_path: Path) -> None:
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))
    await app.start()
    try:
        record = AccountRecord("late", Platform.MT4, 8, "Broker-Demo")
        app.store.save_account(record)

        await app.apply_account(record)
        served = app.service.terminals["late"].kind
        await app.remove_account("late")

        assert served == "ea"
        assert "late" not in app.service.terminals
    finally:
        await app.stop()


async def test_stopping_the_copier_does_not_log_its_accounts_as_disconnected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`copier run` said "acct-1 disconnected" for every account when the trader pressed Ctrl+C:
    the copier letting its terminals go is not a connection lost."""
    broker = build_broker("slave-mt5", seed=1)
    account = AccountRecord("acct-1", Platform.MT5, broker.account.login, broker.account.server)
    with Store.open(path=tmp_path / "tc.db") as store:
        store.save_account(account)
        key = store.create_api_key("acct-1")
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))
    await app.start()
    assert app.bridge is not None
    ea = ReferenceEa(broker, EaSettings(url=app.bridge.url, key=key, role=Role.EXECUTOR))
    runner = asyncio.create_task(ea.run())
    try:
        with caplog.at_level(logging.INFO, logger="copier.run"):
            await asyncio.wait_for(ea.welcomed.wait(), 10)
            await app.stop()
    finally:
        await ea.stop()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

    lines = [r.getMessage() for r in caplog.records if r.name == "copier.run"]
    assert "acct-1 connected" in lines
    assert not [line for line in lines if "disconnected" in line]
