"""A burst of junk connections — upgraded, never a hello — is capped while it lasts, and bursts
leave the copier's memory where it was (issue #15: 2,000 were all held, RSS 56 → 92 MB). The
allocator keeps some of what a first burst touched; a second burst of the same size adds
nothing, which is what "back near the baseline" means for a long-running copier."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time

import psutil
import pytest
from test_bridge_security_support import ACCOUNT, RawEa

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier
from copier.bridge.protocol import Role

pytestmark = pytest.mark.timeout(120)
JUNK = 2000

JUNK_SCRIPT = """
import asyncio, sys
from websockets.asyncio.client import connect

async def one(url, held):
    try:
        held.append(await connect(url, ping_interval=None, open_timeout=10))
    except Exception:
        pass

async def main(url, count):
    held = []
    for start in range(0, count, 100):
        await asyncio.gather(*(one(url, held) for _ in range(min(100, count - start))))
    print(len(held), flush=True)
    await asyncio.sleep(1.0)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


async def _burst(server: BridgeServer) -> tuple[float, int]:
    """2,000 junk connections from another process; the peak RSS here and the most waiting."""
    junk = subprocess.Popen(
        [sys.executable, "-c", JUNK_SCRIPT, server.url, str(JUNK)], stdout=subprocess.PIPE
    )
    peak, most = 0.0, 0
    while junk.poll() is None:
        peak, most = max(peak, _rss_mb()), max(most, len(server._gate.room))
        await asyncio.sleep(0.02)
    deadline = time.monotonic() + 10
    while len(server._gate.room) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    gc.collect()
    return peak, most


async def test_junk_connections_are_capped_and_repeated_bursts_leave_memory_where_it_was() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT.id, ACCOUNT.login, ACCOUNT.server)
    config = BridgeConfig(port=0)  # the shipped caps and hello timeout (5 s)
    async with BridgeServer(keys, config) as server:
        warm = await RawEa.open(server.url)
        assert (await warm.hello(key)).welcome is not None
        await warm.close()
        gc.collect()
        start = _rss_mb()
        first_peak, first_most = await _burst(server)
        settled = _rss_mb()  # what the allocator keeps after a first burst of this size
        second_peak, second_most = await _burst(server)
        after = _rss_mb()
        welcomed = await (await RawEa.open(server.url)).hello(key, role=Role.EXECUTOR)
        evicted = server._gate.room.evicted

    figures = f"start {start:.1f}, peaks {first_peak:.1f} / {second_peak:.1f}, "
    figures += f"after {settled:.1f} / {after:.1f} MB"
    print("RSS " + figures)
    assert max(first_most, second_most) <= config.pending_per_source  # 2,000 were held before
    assert evicted >= 2 * (JUNK - config.pending_per_source) * 0.9
    assert first_peak - start < 25.0, figures  # +38 MB when all 2,000 were held
    assert after - settled < 5.0, figures  # a second burst leaves nothing more behind
    assert welcomed.welcome is not None
