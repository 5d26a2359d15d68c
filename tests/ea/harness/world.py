"""A copier world for the end-to-end EA tests: the real bridge and copy service on 127.0.0.1, a
link master → slave (×2 lots, ".m" suffix) and two compiled EAs on their own harness terminals."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from copier.app import AppConfig, CopierApp
from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier, Role, account_id_for
from copier.bridge.config import RemoteListener
from copier.domain import Platform
from copier.engine.config import Link, LinkRules, LotMode
from harness.run import EaProcess

SERVER = "Harness-Demo"


@dataclass
class Copier:
    server: BridgeServer
    app: CopierApp
    master: EaProcess
    slave: EaProcess
    master_id: str
    slave_id: str


@contextlib.asynccontextmanager
async def copier_world(binaries: dict[str, Path], tmp: Path, master: str, slave: str,
                       slave_margin: str = "hedging",
                       key_days: float = 30,
                       slave_env: dict[str, str] | None = None,
                       remote: RemoteListener | None = None,
                       pin: str = "",
                       ea_url: Callable[[str], Awaitable[str]] | None = None,
                       ) -> AsyncIterator[Copier]:
    """Bridge + CopierApp on 127.0.0.1, a link master → slave (×2 lots, .m suffix), EAs live;
    both EAs' keys expire in ``key_days``; ``slave_env`` sets the slave terminal's harness
    variables (harness_main.hpp: TC_US500_TICK, TC_FAULT_SEED …). With ``remote`` the bridge also
    runs that TLS listener and both EAs connect to its ``wss://`` address with ``CertFingerprint``
    set to ``pin``; ``ea_url`` maps the copier's address to the one the EAs are given (a
    tunnel's)."""
    keys = MemoryKeyVerifier()
    platforms = {"4": Platform.MT4, "5": Platform.MT5}
    master_id = account_id_for(platforms[master[-1]], 1001, SERVER)
    slave_id = account_id_for(platforms[slave[-1]], 2002, SERVER)
    config = BridgeConfig(port=0, ping_interval_s=0.5, silence_timeout_s=3.0,
                          heartbeat_tick_s=0.1, duplicate_probe_s=0.3, snapshot_timeout_s=2.0,
                          remote=remote)
    server = BridgeServer(keys, config)
    await server.start()
    server.config = replace(config, port=server.port)  # a restart listens where the EAs look
    url = server.url if remote is None else server.remote_url or ""
    pinned = {} if remote is None else {"MQL_INPUT_CertFingerprint": pin}
    if ea_url is not None:
        url = await ea_url(url)
    app = CopierApp(AppConfig(database=tmp / "tc.db", bridge=False))  # the bridge above
    app.add_terminal(server.terminal(master_id))
    app.add_terminal(server.terminal(slave_id))
    rules = LinkRules(lot_mode=LotMode.MULTIPLIER, lot_value=2.0, add_suffix=".m")
    app.save_link(Link(0, master_id, slave_id, rules=rules, name="harness"))
    await app.start()
    master_key = keys.issue(master_id, 1001, SERVER, key_days)
    slave_key = keys.issue(slave_id, 2002, SERVER, key_days)
    monitor = EaProcess(binaries[master], tmp / "master", key=master_key, url=url,
                        login=1001, env=pinned)
    executor = EaProcess(binaries[slave], tmp / "slave", key=slave_key, url=url, login=2002,
                         margin=slave_margin, suffix=".m", env={**pinned, **(slave_env or {})})
    world = Copier(server, app, await monitor.start(), await executor.start(), master_id, slave_id)
    try:
        await until(lambda: _both_connected(world), "both EAs welcomed")
        yield world
    finally:
        codes = [await monitor.stop(), await executor.stop()]
        await app.stop()
        await server.stop()
        assert codes == [0, 0], "\n".join(monitor.lines[-20:] + executor.lines[-20:])


async def _both_connected(world: Copier) -> bool:
    master = world.server.terminal(world.master_id).session(Role.MONITOR)
    slave = world.server.terminal(world.slave_id)
    return master is not None and slave.connected


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not within {timeout:g} s: {what}") from None


async def open_and_close_with_the_slave_frozen(world: Copier, opens: str) -> str:
    """The master opens and closes at once while the slave's terminal does not answer, so the
    copier routes the close while the open has no result: the close has no slave ticket."""
    slave_terminal = world.server.terminal(world.slave_id)
    world.slave.pause()
    try:
        ticket = await world.master.control(opens)
        await world.master.control(f"close {ticket}")

        async def both_routed() -> bool:
            return slave_terminal.pending_commands == 2
        await until(both_routed, "open and close routed before any result", 5)
    finally:
        world.slave.resume()
    return ticket
