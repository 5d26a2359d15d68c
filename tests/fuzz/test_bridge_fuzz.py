"""Generated and hostile frames against the live bridge while a healthy master copies to a slave:
no crash, no error logged by the copier, and every healthy event copied exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from copier.app import AppConfig, CopierApp
from copier.bridge import Role
from copier.domain import Platform, Side, command_id
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole, Store
from copier.testbed.broker.profiles import build_broker
from copier.testbed.refea.client import EaSettings, ReferenceEa
from tests.fault.tally import TALLY
from tests.fuzz.frames import BadText, Frame, generate

FRAMES = int(os.environ.get("TC_FUZZ_FRAMES", "3000"))  # scripts/fuzz_bridge.py runs 100,000
SEED = int(os.environ.get("TC_FUZZ_SEED", "7"))
pytestmark = pytest.mark.timeout(max(60, FRAMES // 200))


async def send_frame(ws: object, frame: Frame) -> None:
    if isinstance(frame, BadText):
        await ws.send(bytes(frame), text=True)  # type: ignore[attr-defined]  # not UTF-8
    else:
        await ws.send(frame)  # type: ignore[attr-defined]  # str: text, bytes: binary


async def feed(url: str, hello: str, frames: list[Frame]) -> int:
    """Send every frame after a welcome, reconnecting whenever the bridge closes the session;
    returns how many frames went out on an open session."""
    sent, index = 0, 0
    while index < len(frames):
        try:
            async with connect(url, ping_interval=None, max_size=2**20) as ws:
                await ws.send(hello)
                assert json.loads(await ws.recv())["t"] == "welcome"
                drain = asyncio.create_task(_drain(ws))
                while index < len(frames):
                    await send_frame(ws, frames[index])
                    index += 1
                    sent += 1
                    if sent % 20 == 0:
                        await asyncio.sleep(0)  # let the bridge answer and close when it must
                    if drain.done():
                        break
                drain.cancel()
        except (ConnectionClosed, InvalidHandshake, OSError):
            await asyncio.sleep(0.005)
    return sent


async def _drain(ws: object) -> None:
    try:
        async for _ in ws:  # type: ignore[attr-defined]
            pass
    except ConnectionClosed:
        pass


async def test_fuzzed_frames_crash_nothing_and_a_healthy_link_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="copier")
    master, slave = build_broker("master-mt5", seed=3), build_broker("slave-mt5", seed=4)
    fuzz = build_broker("slave-mt5", seed=5)
    with Store.open(path=tmp_path / "tc.db") as store:
        for name, broker in (("m", master), ("s", slave), ("f", fuzz)):
            acct = broker.account
            role = {"m": AccountRole.MASTER, "s": AccountRole.SLAVE}.get(name, AccountRole.BOTH)
            platform = Platform(acct.platform)
            record = AccountRecord(name, platform, acct.login, acct.server, role=role)
            store.save_account(record)
        keys = {name: store.create_api_key(name) for name in ("m", "s", "f")}
        link = store.save_link(Link(0, "m", "s"))
    # The last frame is over the frame limit.
    frames: list[Frame] = [*generate(FRAMES, SEED), "x" * 70_000]
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))
    await app.start()
    assert app.bridge is not None
    url = app.bridge.url
    monitor = ReferenceEa(master, EaSettings(url=url, key=keys["m"], role=Role.MONITOR))
    executor = ReferenceEa(slave, EaSettings(url=url, key=keys["s"], role=Role.EXECUTOR))
    tasks = [asyncio.create_task(monitor.run()), asyncio.create_task(executor.run())]
    acct = fuzz.account
    hello = json.dumps({"t": "hello", "v": 1, "key": keys["f"], "role": "executor",
                        "platform": "mt5", "login": acct.login, "server": acct.server,
                        "currency": "USD", "margin": "hedging", "ea": "fuzz", "build": 1,
                        "trade": True})  # fmt: skip
    tickets: list[int] = []
    try:
        welcomed = asyncio.gather(monitor.welcomed.wait(), executor.welcomed.wait())
        await asyncio.wait_for(welcomed, 10)
        feeding = asyncio.create_task(feed(url, hello, frames))
        for _ in range(40):
            tickets.append(master.open_market("EURUSD", Side.BUY, 0.01).position)
            await asyncio.sleep(0.02)
        sent = await feeding
        async with asyncio.timeout(15):
            while len(slave.positions()) < len(tickets) or monitor.outbox.unacked:
                await asyncio.sleep(0.02)
    finally:
        for ea in (monitor, executor):
            await ea.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.stop()

    counts = executor.executor.executed_counts()
    TALLY.frames_fuzzed += sent
    assert sent >= FRAMES
    assert sorted(counts.values()) == [1] * len(tickets)
    assert set(counts) == {command_id(link.id, t, n) for n, t in enumerate(tickets, start=1)}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors if r.name.startswith("copier")] == []
