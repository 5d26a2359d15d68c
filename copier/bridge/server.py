"""BridgeServer: the WebSocket endpoints EAs connect to, inside the core's asyncio loop.

It listens on loopback and, when the user enables it, on a second TLS-only listener for EAs on
other machines. It admits a connection only from an allowed address and after a valid ``hello``
(version, throttling, the account's allow list, key, one live session per account and role),
hands it to that account's ``EaTerminal``, pings every session and drops the silent ones, and
re-checks the sessions' keys so a revoked key ends its sessions. Terminals outlive sessions:
commands and acknowledgements carry over reconnects.
"""

from __future__ import annotations

import asyncio
import functools
import http
import itertools
import logging
import secrets
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Mapping

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

# The module, not its names: the terminal imports this package (convert, protocol), so when the
# terminal is imported first this line meets it half-built. Its names are read when a server runs.
import copier.terminals.ea.terminal as ea
from copier import logsafe
from copier.bridge.admission import Gate, Listener
from copier.bridge.allowlist import AllowList
from copier.bridge.audit import AuditSink, AuditTrail
from copier.bridge.auth import AuthRefusal, KeyGrant, KeyVerifier
from copier.bridge.codec import FrameError, decode, encode_bytes
from copier.bridge.config import SESSION_SLICE, BridgeConfig
from copier.bridge.idle import keep_quiet
from copier.bridge.keywatch import KeyNotice, KeyWatch
from copier.bridge.metered import MeteredConnection
from copier.bridge.protocol import PROTOCOL_VERSION, CloseCode, Hello, Role, Welcome
from copier.bridge.session import Session, SessionInfo
from copier.clock import now_ms as wall_clock_ms

log = logging.getLogger(__name__)



class BridgeServer:
    """Serves ``ws://host:port/ea/v1`` (and ``wss://`` on the remote listener when enabled);
    one ``EaTerminal`` per account that connects."""

    def __init__(
        self,
        verifier: KeyVerifier,
        config: BridgeConfig | None = None,
        *,
        last_seqs: Mapping[str, int] | None = None,
        clock_ms: Callable[[], int] = wall_clock_ms,
        audit: AuditSink | None = None,
        on_key_expiring: KeyNotice | None = None,
    ) -> None:
        self.config = config or BridgeConfig()
        self.config.validate()
        self._verifier = verifier
        self._last_seqs = dict(last_seqs or {})
        self._clock_ms = clock_ms
        self._terminals: dict[str, ea.EaTerminal] = {}
        self._sessions: set[Session] = set()
        self._opened = 0  # sessions admitted so far
        self._closed = 0  # of them, sessions ended so far
        self._admission: defaultdict[tuple[str, Role], asyncio.Lock] = defaultdict(asyncio.Lock)
        logsafe.install()  # EAs' text reaches log lines: no newline in it may forge one
        self._trail = AuditTrail(audit, clock_ms=clock_ms)
        self._gate = Gate(verifier, self.config, self._trail)
        self._keys = KeyWatch(
            verifier, self.config.key_warn_days, clock_ms, self._trail, on_key_expiring
        )
        self._server: Server | None = None
        self._remote: Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ids = itertools.count(1)

    # ----- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.config
        local = Listener("local", AllowList(cfg.allow_ips))
        self._server = await self._serve(local, cfg.host, cfg.port, cfg.ssl_context)
        try:
            if cfg.remote is not None:
                remote = Listener("remote", AllowList(cfg.remote.allow_ips))
                self._remote = await self._serve(
                    remote, cfg.remote.host, cfg.remote.port, cfg.remote.ssl_context
                )
        except BaseException:
            await self._close_servers()
            raise
        self._tasks = [
            asyncio.create_task(self._heartbeat_loop(), name="bridge-heartbeat"),
            asyncio.create_task(self._key_loop(), name="bridge-keys"),
        ]
        log.info("EA bridge listening on %s", self.url)
        if self._remote is not None and cfg.remote is not None:
            log.info(
                "remote EAs: %s (TLS certificate SHA-256 %s, SHA-1 %s)",
                self.remote_url,
                cfg.remote.fingerprint or "not given",
                cfg.remote.fingerprint_sha1 or "not given",
            )

    async def _serve(
        self, listener: Listener, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> Server:
        cfg = self.config
        return await serve(
            functools.partial(self._handle, listener),
            host,
            port,
            process_request=self._check_request,
            max_size=cfg.max_frame,
            ping_interval=None,  # the protocol pings in JSON so MQL EAs can answer it
            compression="deflate" if cfg.compression else None,
            ssl=ssl_context,
            max_queue=64,
            open_timeout=cfg.hello_timeout_s,  # an upgrade that never comes holds no socket long
            create_connection=MeteredConnection,  # frames charged as they arrive
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._trail.flush(everything=True)
        for session in list(self._sessions):
            session.closing = True  # no more writes; the server closes with 1001
        await self._close_servers()

    async def _close_servers(self) -> None:
        for server in (self._server, self._remote):
            if server is not None:
                server.close(close_connections=True)
                await server.wait_closed()
        self._server = self._remote = None

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

    @property
    def remote_port(self) -> int | None:
        """The remote (TLS) listener's port; None when remote EAs are not enabled."""
        if self._remote is None:
            return None
        return int(self._remote.sockets[0].getsockname()[1])

    @property
    def remote_url(self) -> str | None:
        remote = self.config.remote
        if remote is None or self.remote_port is None:
            return None
        return f"wss://{remote.host}:{self.remote_port}{self.config.path}"

    @property
    def tls_fingerprint(self) -> str | None:
        """SHA-256 of the remote listener's certificate, for the EA to pin (None: no remote)."""
        remote = self.config.remote
        return remote.fingerprint if remote is not None and remote.fingerprint else None

    @property
    def tls_fingerprint_sha1(self) -> str | None:
        """SHA-1 of the same certificate: what an MT5 EA's CertFingerprint compares (None: none)."""
        remote = self.config.remote
        return remote.fingerprint_sha1 if remote is not None and remote.fingerprint_sha1 else None

    # ----- registry -----------------------------------------------------------------------
    def terminal(self, account_id: str) -> ea.EaTerminal:
        """The account's EA terminal, made on first use (give it to the copy service)."""
        terminal = self._terminals.get(account_id)
        if terminal is None:
            terminal = ea.EaTerminal(
                account_id,
                last_seq=self._last_seqs.get(account_id, 0),
                clock_ms=self._clock_ms,
                snapshot_timeout_s=self.config.snapshot_timeout_s,
                snapshot_max_age_ms=self.config.snapshot_max_age_ms,
            )
            self._terminals[account_id] = terminal
        return terminal

    def terminals(self) -> list[ea.EaTerminal]:
        return list(self._terminals.values())

    def session_totals(self) -> tuple[int, int]:
        """Sessions admitted and sessions ended since the start (copier.gc_policy watches them)."""
        return self._opened, self._closed

    def sessions(self) -> list[SessionInfo]:
        return [s.info() for s in self._sessions]

    async def recheck_keys(self) -> int:
        """Re-check every live session's key now; sessions of a revoked, expired or replaced
        key are closed (4401). Call after revoking keys in this process. Returns how many."""
        return await self._keys.recheck(list(self._sessions))

    # ----- admission ----------------------------------------------------------------------
    def _check_request(self, conn: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != self.config.path:
            return _http(http.HTTPStatus.NOT_FOUND, f"EA endpoint is {self.config.path}\n")
        return None

    async def _handle(self, listener: Listener, ws: ServerConnection) -> None:
        refusal = self._gate.before_hello(listener, _address(ws))
        if refusal is not None:
            await _close(ws, refusal.code, refusal.reason)
            return
        with self._gate.waiting(ws, _address(ws)):  # capped until the hello is answered
            hello = await self._read_hello(ws)
            grant = None if hello is None else await self._authenticate(ws, hello)
        if hello is None or grant is None:
            return
        terminal = self.terminal(grant.account_id)
        async with self._admission[(grant.account_id, hello.role)]:
            if not await self._make_room(ws, terminal, hello.role):
                return
            session = Session(
                ws,
                hello,
                grant.account_id,
                f"s{next(self._ids)}",
                terminal,
                self.config,
                self._clock_ms,
                key_id=grant.key_id,
                key_expires_ms=grant.expires_ms,
            )
            welcome = self._welcome(session, terminal, grant)
            if not session.send(encode_bytes(welcome)):
                return
            self._sessions.add(session)
            self._opened += 1
            terminal.attach(session)
        keep_quiet(ws.protocol)  # idle for seconds at a time: nothing young left per frame
        self._keys.note(grant)
        ready_timer = asyncio.get_running_loop().call_later(
            self.config.snapshot_timeout_s, terminal.mark_ready, session
        )
        try:
            await session.run()
        finally:
            ready_timer.cancel()
            self._sessions.discard(session)
            self._closed += 1
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

    async def _authenticate(self, ws: ServerConnection, hello: Hello) -> KeyGrant | None:
        outcome = await self._gate.admit(ws, hello, _address(ws))
        if isinstance(outcome, AuthRefusal):
            await _close(ws, outcome.code, outcome.reason)
            return None
        return outcome

    async def _make_room(self, ws: ServerConnection, terminal: ea.EaTerminal, role: Role) -> bool:
        """One session per account and role: a live one keeps its place, a silent one yields."""
        existing = terminal.session(role)
        if existing is None or existing.closing:
            return True
        if await existing.probe(self.config.duplicate_probe_s):
            text = f"a {role.value} EA is already connected for this account"
            await _close(ws, CloseCode.DUPLICATE_SESSION, text)
            return False
        existing.abort(CloseCode.HEARTBEAT_TIMEOUT, "no answer; replaced by a new session")
        terminal.detach(existing)
        return True

    def _welcome(self, session: Session, terminal: ea.EaTerminal, grant: KeyGrant) -> Welcome:
        cfg = self.config
        key_days, warn = self._keys.welcome_fields(grant)
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
            key_days=key_days,
            warn=warn,
        )

    # ----- heartbeats ---------------------------------------------------------------------
    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_tick_s)
            await self.heartbeat_pass()

    async def heartbeat_pass(self) -> None:
        """Ping the sessions due and close the silent ones. With thousands of sessions one pass
        pings hundreds at once (~50 µs each): it gives way to other work (a copy) every
        SESSION_SLICE sessions instead of holding the loop for the whole pass."""
        cfg = self.config
        for n, session in enumerate(list(self._sessions), start=1):
            if n % SESSION_SLICE == 0:
                await asyncio.sleep(0)
            now = time.perf_counter()
            if session.closing:
                continue
            if now - session.last_rx > cfg.silence_timeout_s:
                session.close_soon(
                    CloseCode.HEARTBEAT_TIMEOUT,
                    f"nothing received for {cfg.silence_timeout_s:g} s",
                )
            elif now - session.last_ping >= cfg.ping_interval_s:
                session.ping()

    async def _key_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.key_recheck_s)
            self._trail.flush()  # folded refusals of the windows that have ended
            try:
                await self._keys.recheck(list(self._sessions))
            except Exception:  # a failing key book must not stop the loop; next tick retries
                log.exception("re-checking the keys of live EA sessions failed")


def _address(ws: ServerConnection) -> str:
    remote = ws.remote_address
    return str(remote[0]) if remote else ""


async def _close(ws: ServerConnection, code: CloseCode, reason: str) -> None:
    log.info("refusing EA connection: %d %s", code, reason)
    await ws.close(int(code), reason[:120])


def _http(status: http.HTTPStatus, body: str) -> Response:
    headers = Headers([("Content-Type", "text/plain; charset=utf-8")])
    return Response(status.value, status.phrase, headers, body.encode())
