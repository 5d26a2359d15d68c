"""No stranger can lock a trader's EAs out (issue #15): failed hellos — from one loopback
address or from hundreds — are slowed and blocked, yet a hello whose key verifies is welcomed
at once; and an unknown account is answered exactly like a wrong key."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from pathlib import Path

import pytest
from test_bridge_security_support import ACCOUNT, QUICK, Outcome, RawEa, store_bridge

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier
from copier.bridge.protocol import Role

pytestmark = pytest.mark.timeout(60)

# The shipped throttle (0.5 s doubling to 8 s; 5 failures per account, 20 per source).
SHIPPED = replace(
    QUICK,
    auth_delay_base_s=BridgeConfig().auth_delay_base_s,
    auth_delay_cap_s=BridgeConfig().auth_delay_cap_s,
)


def _keys() -> tuple[MemoryKeyVerifier, str]:
    keys = MemoryKeyVerifier()
    return keys, keys.issue(ACCOUNT.id, ACCOUNT.login, ACCOUNT.server)


async def _bad_hello(url: str, source: str, login: int, n: int) -> Outcome:
    ea = await RawEa.open(url, source=source)
    return await ea.hello(f"tc1.{n:012x}.guess", login=login)


async def _timed_hello(url: str, key: str, role: Role) -> tuple[Outcome, float]:
    ea = await RawEa.open(url)
    started = time.perf_counter()
    outcome = await ea.hello(key, role=role)
    took = time.perf_counter() - started
    await ea.close()
    return outcome, took


async def test_25_bad_hellos_naming_the_account_do_not_keep_its_real_key_out() -> None:
    keys, key = _keys()
    async with BridgeServer(keys, SHIPPED) as server:
        bad = [
            asyncio.create_task(_bad_hello(server.url, "127.0.0.1", ACCOUNT.login, n))
            for n in range(25)
        ]
        await asyncio.sleep(0.3)  # every guess is in: the account and source are blocked
        monitor, monitor_s = await _timed_hello(server.url, key, Role.MONITOR)
        executor, executor_s = await _timed_hello(server.url, key, Role.EXECUTOR)
        guesses = await asyncio.gather(*bad)

    assert monitor.welcome is not None and executor.welcome is not None
    assert monitor_s < 1.0 and executor_s < 1.0
    codes = [g.code for g in guesses]
    assert set(codes) <= {4401, 4430} and codes.count(4430) >= 20  # blocked after 5


async def test_300_loopback_addresses_count_as_one_source_and_a_good_key_still_gets_in() -> None:
    keys, key = _keys()
    sources = [f"127.{n // 250}.{n % 250 // 10}.{n % 10 + 2}" for n in range(300)]
    config = replace(QUICK, auth_fail_per_account=10**6)  # every guess names another account
    async with BridgeServer(keys, config) as server:
        guesses = await asyncio.gather(
            *(_bad_hello(server.url, s, 5000 + n, n) for n, s in enumerate(sources))
        )
        welcomed, took = await _timed_hello(server.url, key, Role.MONITOR)

    assert len(set(sources)) == 300
    codes = [g.code for g in guesses]
    # one bucket, not 300: at most 20 were checked and refused as bad keys; the others were
    # blocked (4430) or, over the cap of waiting connections per source, dropped (1006)
    assert codes.count(4401) <= config.auth_fail_per_address
    assert set(codes) <= {4401, 4430, 1006}
    assert welcomed.welcome is not None and took < 1.0


async def test_a_stranger_cannot_tell_an_existing_account_from_an_unknown_one(
    tmp_path: Path,
) -> None:
    config = replace(  # no waits or blocks: only the check itself is timed
        QUICK,
        auth_delay_base_s=0.0,
        auth_delay_cap_s=0.0,
        auth_fail_per_account=10**6,
        auth_fail_per_address=10**6,
    )
    times: dict[int, list[float]] = {ACCOUNT.login: [], 4242: []}
    answers: dict[int, set[tuple[int | None, str]]] = {ACCOUNT.login: set(), 4242: set()}
    async with store_bridge(tmp_path, config) as world:
        world.store.create_api_key(ACCOUNT.id)
        for n in range(8):  # alternating, so both see the same load; under the block limits
            for login in (ACCOUNT.login, 4242):
                ea = await RawEa.open(world.server.url)
                started = time.perf_counter()
                outcome = await ea.hello(f"tc1.{n:016x}.guess", login=login)
                times[login].append(time.perf_counter() - started)
                answers[login].add((outcome.code, outcome.reason.replace(str(login), "LOGIN")))

    assert answers[ACCOUNT.login] == answers[4242]
    assert answers[4242] == {(4401, "API key not valid for account LOGIN@Sec-Demo")}
    known, unknown = statistics.median(times[ACCOUNT.login]), statistics.median(times[4242])
    assert abs(known - unknown) < 0.02, (known, unknown)
