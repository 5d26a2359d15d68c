"""The reference EA: a Python client of protocol v1 that behaves exactly as the MQL EAs must.

It drives a ``SimBroker`` as its terminal. As a monitor it polls the account, numbers every
detected change and keeps it until acknowledged; as an executor it runs each command through the
simulator's ``SimExecutor`` — the executor semantics every adapter shares (at most once per id,
own copies recognised by comment after a restart). Both roles send a snapshot after welcome and
on request, account figures when they change, answer pings, drop a silent connection and
reconnect with exponential backoff and jitter. A welcome's ``warn`` (the API key ends soon) is
logged once per distinct text, as the MQL EAs ``Alert()`` it, and kept as ``notice``, the line
their chart comment shows. docs/protocol.md describes the same steps for the MQL EAs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from copier.bridge import protocol as p
from copier.bridge.codec import FrameError, decode, encode
from copier.bridge.convert import command_from_wire, result_from_domain, snapshot_parts
from copier.domain import Position, TerminalSnapshot
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.records import DealEntry
from copier.testbed.refea.detect import Change, Look, diff, quote_close_price

log = logging.getLogger(__name__)

HISTORY_WINDOW_MS = 60_000  # how far back the monitor looks for a closing deal


@dataclass(frozen=True, slots=True)
class EaSettings:
    url: str
    key: str
    role: p.Role
    ea_version: str = "ref-1.0"
    terminal_build: int = 4000
    poll_ms: int = 10  # monitor: how often the account is compared with the previous look
    account_every_s: float = p.ACCOUNT_MIN_INTERVAL_S
    welcome_timeout_s: float = p.HELLO_TIMEOUT_S
    backoff_base_s: float = p.BACKOFF_BASE_S
    backoff_cap_s: float = p.BACKOFF_CAP_S
    backoff_reset_after_s: float = p.BACKOFF_RESET_AFTER_S
    seed: int | None = None  # fixes the backoff jitter (tests)


def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (0, 1, 2, ...)."""
    low, high = p.BACKOFF_JITTER
    return min(cap_s, base_s * 2.0**attempt) * rng.uniform(low, high)


@dataclass
class EventOutbox:
    """Numbered events not yet acknowledged; the MQL Monitor keeps this in a file."""

    seq: int = 0
    unacked: deque[p.Event] = field(default_factory=deque)

    def add(self, change: Change, time_ms: int) -> p.Event:
        self.seq += 1
        event = p.Event(
            seq=self.seq, kind=change.kind, ticket=change.ticket, sym=change.symbol,
            type=change.order_type, vol=change.volume, price=change.price, time=time_ms,
            sl=change.sl, tp=change.tp, closed=change.closed, new_ticket=change.new_ticket,
            magic=change.magic, comment=change.comment,
        )  # fmt: skip
        self.unacked.append(event)
        return event

    def acked(self, seq: int) -> None:
        while self.unacked and self.unacked[0].seq <= seq:
            self.unacked.popleft()
        self.seq = max(self.seq, seq)  # a fresh install continues after what the copier has


class ReferenceEa:
    def __init__(
        self,
        broker: SimBroker,
        settings: EaSettings,
        *,
        executor: SimExecutor | None = None,
        outbox: EventOutbox | None = None,
    ) -> None:
        """``executor`` and ``outbox`` stand for what the MQL EAs keep in their files: pass the
        previous instance's to model an EA restart that kept them, new ones for a lost file."""
        self.broker = broker
        self.settings = settings
        self.executor = executor if executor is not None else SimExecutor(broker, "ea")
        self.outbox = outbox if outbox is not None else EventOutbox()
        self.account_id = ""
        self.welcomes = 0
        self.snapshots_sent = 0  # snapshots answered to requests (sid > 0)
        self.close_codes: list[int] = []
        self.errors: list[p.Error] = []
        self.fatal: tuple[int, str] | None = None
        self.notice = ""  # the welcome's warning, shown on the MQL EA's chart comment
        self.welcomed = asyncio.Event()
        self._alerted = ""  # the last warning alerted: the same text again is not repeated
        self._rng = random.Random(settings.seed)
        self._ws: ClientConnection | None = None
        self._sent_seq = 0
        self._send_lock = asyncio.Lock()
        self._stopping = False
        self._look: Look | None = None
        self._account_sent: tuple[object, ...] = ()

    # ----- life cycle -----------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, serve, reconnect — until ``stop()`` or a close code that needs the user."""
        poller = None
        if self.settings.role is p.Role.MONITOR:
            self._look = self._look_now()
            poller = asyncio.create_task(self._poll_loop(), name="refea-monitor")
        attempt = 0
        try:
            while not self._stopping:
                session_start = await self._connect_once()
                if self.fatal is not None or self._stopping:
                    break
                lasted = time.monotonic() - session_start if session_start else 0.0
                if lasted >= self.settings.backoff_reset_after_s:
                    attempt = 0
                s = self.settings
                delay = backoff_delay(attempt, s.backoff_base_s, s.backoff_cap_s, self._rng)
                attempt += 1
                await asyncio.sleep(delay)
        finally:
            if poller is not None:
                poller.cancel()
                await asyncio.gather(poller, return_exceptions=True)

    async def stop(self) -> None:
        self._stopping = True
        ws = self._ws
        if ws is not None:
            await ws.close(1000, "EA stopped")

    def drop_connection(self) -> None:
        """Cut the TCP connection without a close frame (a crashed terminal, a cable pulled)."""
        ws = self._ws
        if ws is not None:
            ws.transport.abort()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    # ----- one connection -------------------------------------------------------------------
    async def _connect_once(self) -> float:
        """One connection from hello to close; returns when welcome came (monotonic), or 0."""
        welcomed_at = 0.0
        try:
            async with connect(
                self.settings.url, max_size=p.MAX_FRAME, ping_interval=None, compression=None,
                open_timeout=self.settings.welcome_timeout_s, close_timeout=2,
            ) as ws:  # fmt: skip
                welcome = await self._handshake(ws)
                if welcome is None:
                    return 0.0
                welcomed_at = time.monotonic()
                await self._serve(ws, welcome)
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            log.debug("EA connect failed: %s", exc)
        except ConnectionClosed as exc:
            self._closed(exc)
        finally:
            self._ws = None
            self.welcomed.clear()
        return welcomed_at

    async def _handshake(self, ws: ClientConnection) -> p.Welcome | None:
        await ws.send(encode(self._hello()))
        try:
            raw = await asyncio.wait_for(ws.recv(), self.settings.welcome_timeout_s)
        except TimeoutError:
            await ws.close(1000, "no welcome")
            return None
        message = decode(raw)
        if not isinstance(message, p.Welcome):
            await ws.close(int(p.CloseCode.MALFORMED), "expected welcome")
            return None
        return message

    async def _serve(self, ws: ClientConnection, welcome: p.Welcome) -> None:
        self.account_id = welcome.account
        self.welcomes += 1
        self._show_warning(welcome.warn)
        self.outbox.acked(welcome.ack)
        self._sent_seq = welcome.ack
        silence_s = welcome.timeout / 1000.0
        self._ws = ws
        for part in self._snapshot_parts(0, with_symbols=True):
            await ws.send(encode(part))
        self._account_sent = ()
        await self._flush_events()
        self.welcomed.set()
        account_task = asyncio.create_task(self._account_loop(ws))
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), silence_s)
                except TimeoutError:
                    await ws.close(int(p.CloseCode.HEARTBEAT_TIMEOUT), "bridge silent")
                    return
                await self._on_frame(ws, raw)
        finally:
            account_task.cancel()
            await asyncio.gather(account_task, return_exceptions=True)

    async def _on_frame(self, ws: ClientConnection, raw: str | bytes) -> None:
        try:
            message = decode(raw)
        except FrameError as exc:
            log.warning("EA got a bad frame: %s", exc.reason)
            return
        if isinstance(message, p.Ack):
            self.outbox.acked(message.seq)
        elif isinstance(message, p.CommandMsg):
            result = self.executor.execute(command_from_wire(message, self.account_id))
            await ws.send(encode(result_from_domain(result)))
        elif isinstance(message, p.Ping):
            await ws.send(encode(p.Pong(id=message.id)))
        elif isinstance(message, p.SnapshotRequest):
            self.snapshots_sent += 1
            for part in self._snapshot_parts(message.sid, with_symbols=message.symbols):
                await ws.send(encode(part))
        elif isinstance(message, p.Error):
            self.errors.append(message)
            log.warning("bridge refused a frame: %s %s", message.code, message.msg)

    def _show_warning(self, warn: str) -> None:
        """Keep the welcome's warning as the notice (cleared by a welcome without one); alert it
        once per distinct text, not again at every reconnect."""
        self.notice = warn
        if warn and warn != self._alerted:
            self._alerted = warn
            log.warning("TradeCopy %s: %s", self.settings.role.value, warn)

    def _closed(self, exc: ConnectionClosed) -> None:
        frame = exc.rcvd
        if frame is None:
            return
        self.close_codes.append(frame.code)
        if frame.code in p.FATAL_CLOSE_CODES:
            self.fatal = (frame.code, frame.reason)
            log.error("bridge refused this EA: %d %s", frame.code, frame.reason)

    # ----- frames out -----------------------------------------------------------------------
    def _hello(self) -> p.Hello:
        account = self.broker.account
        return p.Hello(
            v=p.PROTOCOL_VERSION, key=self.settings.key, role=self.settings.role,
            platform=account.platform, login=account.login, server=account.server,
            currency=account.currency, margin=account.margin_mode, ea=self.settings.ea_version,
            build=self.settings.terminal_build, trade=self.broker.trade_allowed,
            company=account.company,
        )  # fmt: skip

    def _snapshot_parts(self, sid: int, with_symbols: bool) -> list[p.Snapshot]:
        broker = self.broker
        snap = TerminalSnapshot(
            account=broker.account_info(self.account_id),
            positions=tuple(pos.to_domain() for pos in broker.positions()),
            orders=tuple(order.to_domain() for order in broker.orders()),
            symbols=broker.symbols() if with_symbols else {},
            quotes=broker.quotes() if with_symbols else {},
            time_ms=broker.now_ms(),
        )
        return snapshot_parts(snap, sid)

    async def _flush_events(self) -> None:
        """Send every queued event not yet sent on this connection, in seq order."""
        async with self._send_lock:
            ws = self._ws
            for event in list(self.outbox.unacked):
                if ws is None or self._ws is not ws:
                    return
                if event.seq > self._sent_seq:
                    await ws.send(encode(event))
                    self._sent_seq = event.seq

    async def _account_loop(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.settings.account_every_s)
            info = self.broker.account_info(self.account_id)
            figures = (info.balance, info.equity, info.margin, info.margin_free, info.trade_allowed,
                       len(self.broker.positions()))  # fmt: skip
            if figures == self._account_sent:
                continue
            self._account_sent = figures
            await ws.send(encode(p.Account(
                time=self.broker.now_ms(), balance=info.balance, equity=info.equity,
                margin=info.margin, free=info.margin_free, trade=info.trade_allowed,
                positions=len(self.broker.positions()),
            )))  # fmt: skip

    # ----- monitor --------------------------------------------------------------------------
    def _look_now(self) -> Look:
        broker = self.broker
        return Look.of((x.to_domain() for x in broker.positions()),
                       (o.to_domain() for o in broker.orders()))  # fmt: skip

    def detect(self) -> list[p.Event]:
        """Compare the account with the previous look; queue and return the new events."""
        if self._look is None:
            self._look = self._look_now()
            return []
        look = self._look_now()
        changes = diff(self._look, look, self._close_price)
        self._look = look
        now = self.broker.now_ms()
        return [self.outbox.add(change, now) for change in changes]

    def _close_price(self, pos: Position) -> float:
        """The price of the newest deal out of the position (as ``OrderClosePrice`` reads
        history), or the current quote if history has none yet."""
        since = self.broker.now_ms() - HISTORY_WINDOW_MS
        exits = [
            d for d in self.broker.history_deals(since)
            if d.position_id == pos.ticket and d.entry is not DealEntry.IN
        ]  # fmt: skip
        if exits:
            return max(exits, key=lambda d: d.time_msc).price
        return quote_close_price(self._bid_ask)(pos)

    def _bid_ask(self, symbol: str) -> tuple[float, float]:
        quote = self.broker.quote(symbol)
        return quote.bid, quote.ask

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll_ms / 1000.0)
            if self.detect() and self._ws is not None:
                with contextlib.suppress(ConnectionClosed):
                    await self._flush_events()
