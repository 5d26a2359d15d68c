"""The audit log cannot be used to fill the disk or forge log lines (issue #15): refusals are
folded per source and kind per minute with a count, outside text is cut and escaped, and no
log record carries a raw newline from a hello."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from test_bridge_security_support import ACCOUNT, QUICK, RawEa, store_bridge

from copier.store import Store

pytestmark = pytest.mark.timeout(120)


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


async def _bad_hello(url: str, n: int, server: str) -> int | None:
    ea = await RawEa.open(url, source=f"127.0.{n // 200}.{n % 200 + 2}")
    return (await ea.hello(f"tc1.{n:016x}.guess", login=7000 + n, server=server)).code


async def test_1000_failed_hellos_with_30_kb_names_grow_the_database_by_under_1_mb(
    tmp_path: Path,
) -> None:
    name = "N" * 30_000
    config = replace(QUICK, auth_delay_base_s=0.0, auth_delay_cap_s=0.0)
    async with store_bridge(tmp_path, config) as world:
        await world.store.flush()
        before = _size(world.store.path)
        codes: list[int | None] = []
        for start in range(0, 1000, 50):
            codes += await asyncio.gather(
                *(_bad_hello(world.server.url, n, name) for n in range(start, start + 50))
            )
    grown = _size(world.store.path) - before  # the fixture closed the store: all is on disk
    with Store.open(path=world.store.path) as store:
        refused = [e for e in store.load_audit(limit=10_000) if e.action == "bridge.hello_refused"]

    assert len(codes) == 1000 and set(codes) <= {4401, 4430}
    assert grown < 1_000_000, grown
    assert len(refused) <= 4  # per kind: the first one, then one folded row with the count
    assert sum(e.detail["count"] for e in refused) == 1000
    folded = [e.detail for e in refused if e.detail.get("folded")]
    assert folded and all(d["first_ms"] <= d["last_ms"] and d["count"] > 1 for d in folded)
    assert all(len(e.detail["server"]) < 100 for e in refused)  # 64 characters and a cut mark


async def test_a_newline_in_a_hello_cannot_forge_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "Sec-Demo\n2026-01-01 00:00:00 INFO copier: account 1001 welcomed\x1b[2J"
    caplog.set_level(logging.INFO)
    async with store_bridge(tmp_path) as world:
        ea = await RawEa.open(world.server.url)
        outcome = await ea.hello("tc1.0000000000000000.guess", login=ACCOUNT.login, server=forged)
        await world.store.flush()
        entries = world.store.load_audit()

    lines = [caplog.handler.format(r) for r in caplog.records]
    refused = [line for line in lines if "refused" in line]
    assert outcome.code == 4401
    assert refused and all("\n" not in line and "\x1b" not in line for line in lines)
    assert any("Sec-Demo\\n2026-01-01" in line for line in refused)
    stored = next(e.detail for e in entries if e.action == "bridge.hello_refused")
    assert "\n" not in stored["server"] and "\\n" in stored["server"]
