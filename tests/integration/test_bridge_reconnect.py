"""Delivery across failures: executor killed, monitor cut off, bridge restarted, storage slow or
failing — every event reaches the copier once and every command is executed exactly once."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections import Counter
from dataclasses import replace

import pytest
from test_bridge_support import FAST, World, bridge_world
from websockets.asyncio.client import connect

from copier.bridge import BridgeConfig, BridgeServer, Role
from copier.bridge.codec import encode
from copier.bridge.protocol import Hello
from copier.domain import Retcode, Side
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.records import TradeChange
from copier.testbed.refea import ReferenceEa

pytestmark = pytest.mark.timeout(30)

SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")


async def _open_stream(
    world: World, count: int, tickets: list[int], pause_s: float = 0.004
) -> None:
    for n in range(count):
        result = world.master.broker.open_market(SYMBOLS[n % 3], Side.BUY, 0.01)
        assert result.ok, result.comment
        tickets.append(result.position)
        await asyncio.sleep(pause_s)


def _copies_per_master_ticket(world: World) -> Counter[str]:
    return Counter(p.comment for p in world.slave.broker.positions())


def _kill_executor_on_nth_fill(world: World, ea: ReferenceEa, n: int) -> None:
    """Cut the executor's connection right after its n-th fill, before it can send the result."""
    fills = 0

    def listener(change: TradeChange) -> None:
        nonlocal fills
        if change.kind.value == "opened":
            fills += 1
            if fills == n:
                ea.drop_connection()

    world.slave.broker.subscribe(listener)


@pytest.mark.parametrize("memory_kept", [True, False], ids=["id memory kept", "memory lost"])
async def test_an_executor_killed_mid_stream_executes_every_command_exactly_once(
    memory_kept: bool,
) -> None:
    async with bridge_world() as world:
        sink, tickets = world.sink, []
        old = world.eas[1]
        _kill_executor_on_nth_fill(world, old, 10)
        stream = asyncio.create_task(_open_stream(world, 30, tickets))
        await sink.wait_for(lambda: not old.connected and len(sink.events) >= 10)
        await old.stop()
        executor = old.executor if memory_kept else SimExecutor(world.slave.broker, "ea")
        world.start_ea(
            ReferenceEa(
                world.slave.broker, world.settings(world.slave, Role.EXECUTOR), executor=executor
            )
        )
        await stream
        await sink.wait_for(lambda: len(sink.events) == 30 and not sink.inflight, timeout=10)

    copies = _copies_per_master_ticket(world)
    assert copies == Counter({f"TC|{t}": 1 for t in tickets})
    assert len(sink.results) == 30
    assert all(r.ok for r in sink.results)
    if not memory_kept:
        assert any(r.retcode == Retcode.DUPLICATE for r in sink.results)


async def test_a_monitor_cut_off_mid_stream_resends_and_nothing_is_lost_or_doubled() -> None:
    async with bridge_world() as world:
        sink, tickets = world.sink, []
        monitor = world.eas[0]
        stream = asyncio.create_task(_open_stream(world, 30, tickets))
        await sink.wait_for(lambda: len(sink.events) >= 8)
        monitor.drop_connection()
        await stream
        await sink.wait_for(lambda: len(sink.events) == 30 and not sink.inflight, timeout=10)

    assert monitor.welcomes >= 2
    assert [e.seq for e in sink.events] == list(range(1, 31))
    assert [e.ticket for e in sink.events] == tickets
    assert _copies_per_master_ticket(world) == Counter({f"TC|{t}": 1 for t in tickets})


async def test_the_bridge_restarted_mid_stream_loses_nothing_and_doubles_nothing() -> None:
    async with bridge_world() as world:
        sink, tickets = world.sink, []
        stream = asyncio.create_task(_open_stream(world, 30, tickets, pause_s=0.006))
        await sink.wait_for(lambda: len(sink.events) >= 10)
        port = world.server.port
        await world.server.stop()
        restarted = BridgeServer(
            world.keys, replace(FAST, port=port), last_seqs={world.master.account_id: sink.last_seq}
        )
        world.server = restarted
        await restarted.start()
        sink.slave = restarted.terminal(world.slave.account_id)
        await restarted.terminal(world.master.account_id).start(sink)
        await sink.slave.start(sink)
        await stream
        await sink.wait_for(lambda: len(sink.events) == 30 and not sink.inflight, timeout=10)

    assert [e.seq for e in sink.events] == list(range(1, 31))
    assert _copies_per_master_ticket(world) == Counter({f"TC|{t}": 1 for t in tickets})
    assert all(ea.welcomes >= 2 for ea in world.eas)


async def test_an_event_is_acknowledged_only_after_the_copier_stored_it() -> None:
    async with bridge_world() as world:
        sink, monitor = world.sink, world.eas[0]
        sink.block = asyncio.Event()
        world.master.broker.open_market("EURUSD", Side.BUY, 0.1)
        await sink.wait_for(lambda: monitor.outbox.seq == 1)
        await asyncio.sleep(0.1)
        unacked_while_storing = len(monitor.outbox.unacked)

        sink.block.set()
        await sink.wait_for(lambda: not monitor.outbox.unacked)

    assert unacked_while_storing == 1
    assert [e.seq for e in sink.events] == [1]


async def test_an_event_the_copier_failed_to_store_is_resent_after_a_reconnect() -> None:
    async with bridge_world() as world:
        sink, monitor = world.sink, world.eas[0]
        sink.fail_next = 1
        ticket = world.master.broker.open_market("EURUSD", Side.BUY, 0.1).position
        await sink.wait_for(lambda: len(sink.events) == 1 and not monitor.outbox.unacked)

    assert 1011 in monitor.close_codes
    assert [(e.seq, e.ticket) for e in sink.events] == [(1, ticket)]


async def test_a_half_open_session_gives_way_to_a_reconnecting_ea() -> None:
    async with bridge_world(with_eas=False) as world:
        slave = world.slave
        account = slave.broker.account
        hello = Hello(
            v=1,
            key=slave.key,
            role=Role.EXECUTOR,
            platform=account.platform,
            login=account.login,
            server=account.server,
            currency="USD",
            margin=account.margin_mode,
            ea="old",
            build=1,
            trade=True,
        )
        async with connect(world.server.url, ping_interval=None) as stale:
            await stale.send(encode(hello))
            await stale.recv()  # welcome; from now on it never answers (a dead terminal)

            fresh = world.start_ea(ReferenceEa(slave.broker, world.settings(slave, Role.EXECUTOR)))
            async with asyncio.timeout(3):
                await fresh.welcomed.wait()
                await stale.wait_closed()
            refusals = list(fresh.close_codes)

    assert stale.close_code == 4410
    assert refusals == []
    assert fresh.welcomes == 1


# --- a raw client: upgraded and welcomed, then it never reads again ------------------------------


async def _raw_upgrade(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """The opening handshake of RFC 6455 §4.1 by hand (https://www.rfc-editor.org/rfc/rfc6455)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    writer.write(request.encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


def _masked_text_frame(text: str) -> bytes:
    """A client's text frame: FIN + opcode 1, the mask bit and key, the payload XORed (§5.3)."""
    payload = text.encode()
    size = len(payload)
    head = bytes((0x81, 0x80 | size)) if size < 126 else struct.pack("!BBH", 0x81, 0x80 | 126, size)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def _read_text_frame(reader: asyncio.StreamReader) -> str:
    """One unmasked server text frame (§5.2), small enough for a 16-bit length."""
    first, second = await reader.readexactly(2)
    assert first == 0x81, first
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", await reader.readexactly(2))
    return (await reader.readexactly(size)).decode()


async def test_a_hello_replacing_an_unread_silent_session_is_welcomed_within_1_5_s() -> None:
    """The old socket completed its upgrade and hello, then stopped reading: it never answers
    the probe nor the close frame. Waiting for its closing handshake held the newcomer's welcome
    for the close timeout (~11 s, past the EA's 5 s wait); it is cut off instead."""
    promise = replace(FAST, duplicate_probe_s=BridgeConfig().duplicate_probe_s,
                      silence_timeout_s=30.0)  # fmt: skip
    async with bridge_world(config=promise, with_eas=False) as world:
        slave = world.slave
        account = slave.broker.account
        hello = Hello(v=1, key=slave.key, role=Role.EXECUTOR, platform=account.platform,
                      login=account.login, server=account.server, currency="USD",
                      margin=account.margin_mode, ea="old", build=1, trade=True)  # fmt: skip
        reader, writer = await _raw_upgrade(world.server.port, promise.path)
        try:
            writer.write(_masked_text_frame(encode(hello)))
            assert '"t":"welcome"' in await _read_text_frame(reader)
            # From here on the old socket is neither read nor closed: a hung terminal.
            loop = asyncio.get_running_loop()
            started = loop.time()
            fresh = world.start_ea(ReferenceEa(slave.broker, world.settings(slave, Role.EXECUTOR)))
            async with asyncio.timeout(5):
                await fresh.welcomed.wait()
            waited = loop.time() - started
            refusals = list(fresh.close_codes)
            cut = await asyncio.wait_for(reader.read(), 2)  # everything left, then its end
        finally:
            writer.transport.abort()

    assert waited < 1.5, f"the new session was welcomed after {waited:.2f} s"
    assert fresh.welcomes == 1 and refusals == []
    assert isinstance(cut, bytes)  # the old connection ended (EOF or reset), not left hanging
