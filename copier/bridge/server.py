"""BridgeServer: the WebSocket endpoint EAs connect to, inside the core's asyncio loop.

It admits a connection only after a valid ``hello`` (key, version, throttling, one live session
per account and role), hands it to that account's ``EaTerminal``, pings every session and drops
the silent ones. Terminals outlive sessions: commands and acknowledgements carry over reconnects.
"""

from __future__ import annotations

import asyncio
import http
import itertools
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Mapping

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from copier.bridge.auth import AuthRefusal, KeyVerifier
from copier.bridge.codec import FrameError, decode, encode
from copier.bridge.config import BridgeConfig
from copier.bridge.protocol import PROTOCOL_VERSION, CloseCode, Hello, Role, Welcome
from copier.bridge.ratelimit import AuthThrottle
from copier.bridge.session import Session, SessionInfo
from copier.bridge.terminal import EaTerminal

log = logging.getLogger(__name__)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class BridgeServer:
    """Serves ``ws://host:port/ea/v1``; one ``EaTerminal`` per account that connects."""

    def __init__(
        self,
        verifier: KeyVerifier,
        config: BridgeConfig | None = None,
        *,
        last_seqs: Mapping[str, int] | None = None,
        clock_ms: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.config = config or BridgeConfig()
        self.config.validate()
        self._verifier = verifier
        self._last_seqs = dict(last_seqs or {})
        self._clock_ms = clock_ms
        self._terminals: dict[str, EaTerminal] = {}
        self._sessions: set[Session] = set()
        self._admission: defaultdict[tuple[str, Role], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._throttle = AuthThrottle(
            self.config.auth_fail_per_account,
            self.config.auth_fail_per_address,
            self.config.auth_fail_window_s,
        )
        self._server: Server | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    # ----- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.config
        self._server = await serve(
            self._handle,
            cfg.host,
            cfg.port,
            process_request=self._check_request,
            max_size=cfg.max_frame,
            ping_interval=None,  # the protocol pings in JSON so MQL EAs can answer it
            compression="deflate" if cfg.compression else None,
            ssl=cfg.ssl_context,
            max_queue=64,
        )
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="bridge-heartbeat")
        log.info("EA bridge listening on %s", self.url)

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        if self._server is not None:
            for session in list(self._sessions):
                session.closing = True  # no more writes; the server closes with 1001
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> BridgeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("bridge not started")
        sockets = self._server.sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        scheme = "wss" if self.config.ssl_context else "ws"
        return f"{scheme}://{self.config.host}:{self.port}{self.config.path}"

    # ----- registry -----------------------------------------------------------------------
    def terminal(self, account_id: str) -> EaTerminal:
        """The account's EA terminal, made on first use (give it to the copy service)."""
        terminal = self._terminals.get(account_id)
        if terminal is None:
            terminal = EaTerminal(
                account_id,
                last_seq=self._last_seqs.get(account_id, 0),
                clock_ms=self._clock_ms,
                snapshot_timeout_s=self.config.snapshot_timeout_s,
                snapshot_max_age_ms=self.config.snapshot_max_age_ms,
            )
            self._terminals[account_id] = terminal
        return terminal

    def terminals(self) -> list[EaTerminal]:
        return list(self._terminals.values())

    def sessions(self) -> list[SessionInfo]:
        return [s.info() for s in self._sessions]

    # ----- admission ----------------------------------------------------------------------
    def _check_request(self, conn: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != self.config.path:
            return _http(http.HTTPStatus.NOT_FOUND, f"EA endpoint is {self.config.path}\n")
        address = str(conn.remote_address[0]) if conn.remote_address else ""
        if not self.config.allows(address):
            return _http(http.HTTPStatus.FORBIDDEN, "address not in the allow list\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        hello = await self._read_hello(ws)
        if hello is None:
            return
        account_id = await self._authenticate(ws, hello)
        if account_id is None:
            return
        terminal = self.terminal(account_id)
        async with self._admission[(account_id, hello.role)]:
            if not await self._make_room(ws, terminal, hello.role):
                return
            session = Session(
                ws,
                hello,
                account_id,
                f"s{next(self._ids)}",
                terminal,
                self.config,
                self._clock_ms,
            )
            welcome = self._welcome(session, terminal)
            if not session.send(encode(welcome)):
                return
            self._sessions.add(session)
            terminal.attach(session)
        ready_timer = asyncio.get_running_loop().call_later(
            self.config.snapshot_timeout_s, terminal.mark_ready, session
        )
        try:
            await session.run()
        finally:
            ready_timer.cancel()
            self._sessions.discard(session)
            terminal.detach(session)

    async def _read_hello(self, ws: ServerConnection) -> Hello | None:
        cfg = self.config
        try:
            raw = await asyncio.wait_for(ws.recv(), cfg.hello_timeout_s)
        except TimeoutError:
            await _close(ws, CloseCode.HELLO_TIMEOUT, f"no hello within {cfg.hello_timeout_s:g} s")
            return None
        except ConnectionClosed:
            return None
        if type(raw) is not str:
            await _close(ws, CloseCode.BINARY_FRAME, "binary frames are not accepted")
            return None
        try:
            message = decode(raw)
        except FrameError as exc:
            await _close(ws, CloseCode.MALFORMED, f"bad hello: {exc.reason}")
            return None
        if not isinstance(message, Hello):
            await _close(ws, CloseCode.MALFORMED, "the first frame must be hello")
            return None
        if message.v != PROTOCOL_VERSION:
            text = f"protocol v{message.v} not supported; this copier speaks v{PROTOCOL_VERSION}"
            await _close(ws, CloseCode.UNSUPPORTED_VERSION, text)
            return None
        return message

    async def _authenticate(self, ws: ServerConnection, hello: Hello) -> str | None:
        address = str(ws.remote_address[0]) if ws.remote_address else ""
        wait = self._throttle.retry_after(address, hello.login, hello.server, time.monotonic())
        if wait > 0:
            text = f"too many failed hellos; retry in {wait:.0f} s"
            await _close(ws, CloseCode.AUTH_THROTTLED, text)
            return None
        try:
            outcome = await asyncio.to_thread(
                self._verifier.verify, hello.key, hello.login, hello.server
            )
        except Exception:  # the key book failing must not look like a bad key to the EA
            log.exception("checking the API key of %s@%s failed", hello.login, hello.server)
            await _close(ws, CloseCode.INTERNAL_ERROR, "the copier could not check the key")
            return None
        if isinstance(outcome, AuthRefusal):
            self._throttle.failed(address, hello.login, hello.server, time.monotonic())
            log.warning("EA hello refused for %s@%s: %s", hello.login, hello.server, outcome.reason)
            await _close(ws, outcome.code, outcome.reason)
            return None
        self._throttle.succeeded(address, hello.login, hello.server)
        return outcome

    async def _make_room(self, ws: ServerConnection, terminal: EaTerminal, role: Role) -> bool:
        """One session per account and role: a live one keeps its place, a silent one yields."""
        existing = terminal.session(role)
        if existing is None or existing.closing:
            return True
        if await existing.probe(self.config.duplicate_probe_s):
            text = f"a {role.value} EA is already connected for this account"
            await _close(ws, CloseCode.DUPLICATE_SESSION, text)
            return False
        await existing.close(CloseCode.HEARTBEAT_TIMEOUT, "no answer; replaced by a new session")
        terminal.detach(existing)
        return True

    def _welcome(self, session: Session, terminal: EaTerminal) -> Welcome:
        cfg = self.config
        return Welcome(
            v=PROTOCOL_VERSION,
            session=f"{session.session_id}-{secrets.token_hex(4)}",
            account=session.account_id,
            ack=terminal.last_seq,
            ping=int(cfg.ping_interval_s * 1000),
            timeout=int(cfg.silence_timeout_s * 1000),
            max_frame=cfg.max_frame,
            rate=int(cfg.rate_per_s),
            burst=cfg.rate_burst,
            time=self._clock_ms(),
        )

    # ----- heartbeats ---------------------------------------------------------------------
    async def _heartbeat_loop(self) -> None:
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.heartbeat_tick_s)
            now = time.perf_counter()
            for session in list(self._sessions):
                if session.closing:
                    continue
                if now - session.last_rx > cfg.silence_timeout_s:
                    session.close_soon(
                        CloseCode.HEARTBEAT_TIMEOUT,
                        f"nothing received for {cfg.silence_timeout_s:g} s",
                    )
                elif now - session.last_ping >= cfg.ping_interval_s:
                    session.ping()


async def _close(ws: ServerConnection, code: CloseCode, reason: str) -> None:
    log.info("refusing EA connection: %d %s", code, reason)
    await ws.close(int(code), reason[:120])


def _http(status: http.HTTPStatus, body: str) -> Response:
    headers = Headers([("Content-Type", "text/plain; charset=utf-8")])
    return Response(status.value, status.phrase, headers, body.encode())
