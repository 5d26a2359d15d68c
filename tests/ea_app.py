"""The whole product with two reference EAs: the app (its bridge on a free port, the copy service,
the engine, the store in a temporary folder), a master account watched by a Monitor and a slave
account served by an Executor, linked — what a trader's machine runs, in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from copier.app import AppConfig, CopierApp
from copier.bridge import Role
from copier.engine.config import Link, LinkRules
from copier.store import AccountRecord, AccountRole
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.refea.client import EaSettings, ReferenceEa


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def app_with_eas(
    tmp_path: Path,
    master: SimBroker,
    slave: SimBroker,
    rules: LinkRules | None = None,
    *,
    executor: SimExecutor | None = None,
    ea_settings: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[CopierApp, list[ReferenceEa]]]:
    """The app with accounts "master" and "slave" linked by ``rules``, both EAs connected and the
    first snapshots taken; yields the app and the EAs (Monitor, Executor). ``executor``: the
    slave EA's own (a fault injector, say); ``ea_settings``: more ``EaSettings`` fields."""
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0, load_accounts=False))
    assert app.bridge is not None
    keys = {}
    for name, broker in (("master", master), ("slave", slave)):
        account = broker.account
        role = AccountRole.MASTER if name == "master" else AccountRole.SLAVE
        app.store.save_account(AccountRecord(name, account.platform, account.login,
                                             account.server, role=role))  # fmt: skip
        keys[name] = app.store.create_api_key(name)
        app.add_terminal(app.bridge.terminal(name))
    app.save_link(Link(0, "master", "slave", rules=rules or LinkRules()))
    await app.start()
    more = ea_settings or {}
    eas = [ReferenceEa(master, EaSettings(app.bridge.url, keys["master"], Role.MONITOR, **more)),
           ReferenceEa(slave, EaSettings(app.bridge.url, keys["slave"], Role.EXECUTOR, **more),
                       executor=executor)]  # fmt: skip
    runners = [asyncio.create_task(ea.run()) for ea in eas]
    try:
        await until(lambda: all(t.connected for t in app.service.terminals.values()))
        await app.service.refresh_snapshots()
        yield app, eas
    finally:
        for ea in eas:
            await ea.stop()
        for task in runners:
            task.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
        await app.stop()
