"""Remote EAs over wss:// (issue #11, item 6). The MT5 EAs make the TLS handshake with
SocketTlsHandshake, compare SocketTlsCertificate's thumbprint (SHA-1 of the whole certificate,
https://www.mql5.com/en/docs/network/sockettlscertificate) with their CertFingerprint input before
one byte of the WebSocket upgrade is sent, and stop for good with a sentence on the chart when it
differs. The harness runs MQL5's SocketTls* over OpenSSL (runtime/tls_openssl.cpp); the copier's
side is its real TLS remote listener with its self-signed certificate. MT4 has no TLS: its EAs
refuse wss:// and say what to do."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from harness.build import OPENSSL_MISSING
from harness.run import EaProcess
from harness.world import copier_world, until

from copier.app import AppConfig, CopierApp
from copier.bridge.config import RemoteListener
from copier.bridge.tls import (
    CERT_FILE,
    TlsMaterial,
    certificate_fingerprint,
    self_signed_material,
    server_context,
)
from copier.run_summary import startup_summary

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(bool(OPENSSL_MISSING), reason=OPENSSL_MISSING or "n/a")]


def _remote(material: TlsMaterial) -> RemoteListener:
    context = server_context(material.cert_file, material.key_file)
    return RemoteListener("127.0.0.1", 0, context, ("127.0.0.0/8",), material.fingerprint,
                          material.fingerprint_sha1)


async def test_mt5_eas_copy_through_the_tls_listener_pinned_to_the_sha1_the_copier_shows(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5",
                            remote=_remote(material), pin=material.fingerprint_sha1) as world:
        assert world.master.env["MQL_INPUT_BridgeUrl"].startswith("wss://127.0.0.1:")
        ticket = await world.master.control("open EURUSD buy 0.10")

        async def copied() -> bool:
            return [(p["sym"], p["vol"], p["comment"]) for p in await world.slave.positions()] \
                == [("EURUSD.m", 0.2, f"TC|{ticket}")]
        await until(copied, "the copy opened through wss")
        await world.master.control(f"close {ticket}")

        async def flat() -> bool:
            return await world.slave.positions() == []
        await until(flat, "the copy closed through wss")

    assert "CRITICAL" not in "\n".join(world.master.lines + world.slave.lines)


@contextlib.asynccontextmanager
async def _tls_listener(material: TlsMaterial) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A TLS server with the copier's certificate that keeps every byte each client sends after
    the handshake, so a test sees whether an upgrade request was sent at all."""
    received: list[bytes] = []

    async def keep(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            received.append(await reader.read(4096))
        writer.close()

    context = server_context(material.cert_file, material.key_file)
    server = await asyncio.start_server(keep, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"wss://127.0.0.1:{port}/ea/v1", received
    finally:
        server.close()
        await server.wait_closed()


async def _stopped_with(ea: EaProcess, words: str) -> str:
    async def said() -> bool:
        return words in await ea.chart_comment()
    await until(said, f"the chart says {words!r}")
    return await ea.chart_comment()


async def _run(binary: Path, tmp_path: Path, url: str, pin: str) -> EaProcess:
    return await EaProcess(binary, tmp_path / "files", key="tc1.x.y", url=url, login=2002,
                           env={"MQL_INPUT_CertFingerprint": pin}).start()


@pytest.mark.parametrize("name", ["executor5", "monitor5"])
async def test_a_wrong_fingerprint_stops_the_mt5_ea_before_the_upgrade_is_sent(
        ea_binaries: dict[str, Path], tmp_path: Path, name: str) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    other = self_signed_material(tmp_path / "other", "127.0.0.1")
    async with _tls_listener(material) as (url, received):
        ea = await _run(ea_binaries[name], tmp_path, url, other.fingerprint_sha1)
        try:
            comment = await _stopped_with(ea, "certificate fingerprint does not match")
            await asyncio.sleep(1.0)  # a reconnect (0.5 s backoff) would have come by now
            alert = await ea.wait_output("ALERT")
        finally:
            await ea.stop()

    assert "STOPPED" in comment and material.fingerprint_sha1.replace(":", "") in comment
    assert "certificate fingerprint does not match" in alert
    assert received == [b""]  # one handshake, then not a byte: no upgrade, no hello, no retry


async def test_the_right_fingerprint_in_any_case_and_separators_sends_the_upgrade(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    pin = material.fingerprint_sha1.lower().replace(":", " ")
    async with _tls_listener(material) as (url, received):
        ea = await _run(ea_binaries["executor5"], tmp_path, url, pin)
        try:
            async def upgraded() -> bool:
                await asyncio.sleep(0.02)
                return any(r.startswith(b"GET /ea/v1 HTTP/1.1\r\n") for r in received)
            await until(upgraded, "the upgrade request sent over TLS")
        finally:
            await ea.stop()


@pytest.mark.parametrize(("pin", "words"), [
    ("", "enter CertFingerprint"),
    ("SHA-256", "CertFingerprint holds the SHA-256 fingerprint"),
])
async def test_a_missing_or_sha256_fingerprint_is_refused_with_what_to_paste(
        ea_binaries: dict[str, Path], tmp_path: Path, pin: str, words: str) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    async with _tls_listener(material) as (url, received):
        ea = await _run(ea_binaries["executor5"], tmp_path, url,
                        material.fingerprint if pin == "SHA-256" else pin)
        try:
            await _stopped_with(ea, words)
        finally:
            await ea.stop()

    assert received == []  # not even connected: nothing to compare with


@pytest.mark.parametrize("name", ["monitor4", "executor4"])
async def test_mt4_eas_refuse_wss_and_say_to_use_a_tls_tunnel(
        ea_binaries: dict[str, Path], tmp_path: Path, name: str) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    async with _tls_listener(material) as (url, received):
        ea = await _run(ea_binaries[name], tmp_path, url, material.fingerprint_sha1)
        try:
            comment = await _stopped_with(ea, "MetaTrader 4 cannot open wss://")
        finally:
            await ea.stop()

    assert "stunnel" in comment and "ws://127.0.0.1:port/ea/v1" in comment
    assert received == []


async def test_copier_run_shows_the_sha1_an_mt5_ea_pins_beside_the_sha256(tmp_path: Path) -> None:
    config = AppConfig(database=tmp_path / "tradecopier.db", bridge_port=0,
                       remote_host="127.0.0.1", remote_port=0, self_signed=True,
                       remote_allow=("127.0.0.1",))
    app = CopierApp(config)
    await app.start()
    try:
        lines = await asyncio.to_thread(startup_summary, app)
    finally:
        await app.stop()
    cert = tmp_path / CERT_FILE

    assert f"TLS certificate SHA-256 (pin it in the EA): {certificate_fingerprint(cert)}" in lines
    assert ("TLS certificate SHA-1 (the CertFingerprint input of MT5 EAs): "
            f"{certificate_fingerprint(cert, 'sha1')}") in lines


@contextlib.asynccontextmanager
async def _tls_tunnel(
        cert_file: Path) -> AsyncIterator[tuple[Callable[[str], Awaitable[str]], list[str]]]:
    """What ea/README.md tells MT4 users to run (stunnel, ``client = yes``, ``verifyPeer = yes``,
    ``CAfile`` = the copier's certificate): plain TCP on 127.0.0.1 in, TLS to the copier out,
    accepting only that certificate. Yields the map from the copier's wss:// address to the
    tunnel's ws:// one, and the TLS version of each connection it made to the copier."""
    context = ssl.create_default_context(cafile=str(cert_file))
    context.check_hostname = False  # stunnel checks no host name unless checkHost is given
    target: list[tuple[str, int]] = []
    tls_versions: list[str] = []
    pipes: set[asyncio.Task[None]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*target[0], ssl=context)
        tls_versions.append(str(up_writer.get_extra_info("ssl_object").version()))
        for task in (pipe(reader, up_writer), pipe(up_reader, writer)):
            pipes.add(asyncio.create_task(task))

    server = await asyncio.start_server(serve, "127.0.0.1", 0)

    async def through(wss_url: str) -> str:
        host_port = wss_url.removeprefix("wss://").split("/")[0]
        host, port = host_port.rsplit(":", 1)
        target.append((host, int(port)))
        return f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ea/v1"
    try:
        yield through, tls_versions
    finally:
        server.close()
        for task in pipes:
            task.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)


async def test_mt4_eas_copy_through_a_tls_tunnel_pinned_to_the_copiers_certificate(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    material = self_signed_material(tmp_path / "tls", "127.0.0.1")
    async with _tls_tunnel(material.cert_file) as (through, tls_versions), copier_world(
            ea_binaries, tmp_path, "monitor4", "executor4", remote=_remote(material),
            ea_url=through) as world:
        ticket = await world.master.control("open EURUSD buy 0.10")

        async def copied() -> bool:
            return [(p["sym"], p["vol"]) for p in await world.slave.positions()] \
                == [("EURUSD.m", 0.2)]
        await until(copied, "the copy opened through the tunnel")
        await world.master.control(f"close {ticket}")

        async def flat() -> bool:
            return await world.slave.positions() == []
        await until(flat, "the copy closed through the tunnel")

    assert world.master.env["MQL_INPUT_BridgeUrl"].startswith("ws://127.0.0.1:")
    assert len(tls_versions) >= 2 and set(tls_versions) <= {"TLSv1.2", "TLSv1.3"}
