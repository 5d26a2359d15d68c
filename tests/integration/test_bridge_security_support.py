"""Shared set-up of the bridge security tests (no tests here): a hand-driven EA connection that
can bind its source address and pin a TLS fingerprint, a store-backed bridge with a settable
clock, and an audit sink that keeps what it is given."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from copier.bridge import BridgeConfig, BridgeServer, StoreKeyVerifier
from copier.bridge.codec import decode, encode
from copier.bridge.protocol import Hello, MarginMode, Ping, Pong, Role, Welcome
from copier.bridge.tls import fingerprint_of_der
from copier.domain import Platform
from copier.events import ApiKeyExpiring
from copier.store import AccountRecord, AccountRole, Store

T0 = 1_795_000_000_000
DAY_MS = 86_400_000
ACCOUNT = AccountRecord.new(Platform.MT5, 1001, "Sec-Demo", role=AccountRole.BOTH)

QUICK = BridgeConfig(
    port=0,
    hello_timeout_s=1.0,
    ping_interval_s=0.2,
    silence_timeout_s=1.0,
    heartbeat_tick_s=0.05,
    duplicate_probe_s=0.2,
    snapshot_timeout_s=0.5,
    auth_delay_base_s=0.01,
    auth_delay_cap_s=0.05,
    key_recheck_s=0.1,
)


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


@dataclass
class Outcome:
    """What a hello got: the welcome, or the close code and reason."""

    welcome: Welcome | None
    code: int | None = None
    reason: str = ""


class RawEa:
    """One EA connection driven by hand: hello, then it answers pings and keeps the rest."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[Any] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, url: str, *, source: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> RawEa:
        ws = await connect(url, ssl=tls, local_addr=(source, 0), open_timeout=3, compression=None)
        return cls(ws)

    @property
    def peer_fingerprint(self) -> str:
        ssl_object = self.ws.transport.get_extra_info("ssl_object")
        return fingerprint_of_der(ssl_object.getpeercert(binary_form=True))

    @property
    def tls_version(self) -> str:
        return str(self.ws.transport.get_extra_info("ssl_object").version())

    async def hello(
        self, key: str, login: int = 1001, server: str = "Sec-Demo", role: Role = Role.MONITOR
    ) -> Outcome:
        await self.ws.send(encode(hello_for(key, login, server, role)))
        try:
            async with asyncio.timeout(5):
                first = decode(await self.ws.recv())
        except ConnectionClosed:
            return self.closed()
        assert isinstance(first, Welcome), first
        self._reader = asyncio.create_task(self._answer_pings())
        return Outcome(first)

    async def wait_closed(self, timeout: float = 3.0) -> Outcome:
        async with asyncio.timeout(timeout):
            await self.ws.wait_closed()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        return self.closed()

    def closed(self) -> Outcome:
        return Outcome(None, self.ws.close_code, self.ws.close_reason or "")

    async def _answer_pings(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = decode(raw)
                if isinstance(message, Ping):
                    await self.ws.send(encode(Pong(id=message.id)))
                else:
                    await self.frames.put(message)

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


def hello_for(key: str, login: int, server: str, role: Role = Role.MONITOR) -> Hello:
    return Hello(
        v=1,
        key=key,
        role=role,
        platform=Platform.MT5,
        login=login,
        server=server,
        currency="USD",
        margin=MarginMode.HEDGING,
        ea="sec-1",
        build=1,
        trade=True,
    )


def pinning_client_context() -> ssl.SSLContext:
    """What a pinning EA does: accept any certificate in the handshake, then compare the
    certificate's fingerprint with the pinned one (see ``RawEa.peer_fingerprint``)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class KeptAudit:
    entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, action: str, detail: dict[str, Any]) -> None:
        self.entries.append((action, detail))

    def actions(self) -> list[str]:
        return [action for action, _ in self.entries]


@dataclass
class StoreBridge:
    store: Store
    server: BridgeServer
    clock: Clock
    notices: list[ApiKeyExpiring]


@contextlib.asynccontextmanager
async def store_bridge(tmp_path: Path, config: BridgeConfig = QUICK) -> AsyncIterator[StoreBridge]:
    """A bridge whose keys are the store's, both on one settable clock; audit into the store."""
    clock = Clock()
    store = Store.open(path=tmp_path / "tradecopier.db", clock=clock)
    store.save_account(ACCOUNT)
    notices: list[ApiKeyExpiring] = []
    server = BridgeServer(
        StoreKeyVerifier(store),
        replace(config),
        clock_ms=clock,
        audit=lambda action, detail: store.audit("bridge", action, detail),
        on_key_expiring=notices.append,
    )
    await server.start()
    try:
        yield StoreBridge(store, server, clock, notices)
    finally:
        await server.stop()
        await store.flush()
        store.close()
