"""EaTerminal: the Terminal interface over one account's EA sessions (monitor in, executor out).

Events from the monitor session reach the sink in ``seq`` order and are acknowledged only after
``sink.on_event`` returned. They are handed to the sink by a task of the terminal's own, never by
the session's reader: a sink that waits (for the store, or for snapshots it asks of this very
session) must not stop the reader that brings those snapshots in. Frames may arrive duplicated or
out of order; an event above a gap is held, the acknowledgement covers only the contiguous prefix
handled, and a gap that stays open ends the session (1011) so the monitor resends from the ack.
Commands are written to the executor session at once, kept until
their result arrives, and written again to the next executor session after a reconnect; the
executor drops ids it has already executed. Snapshots are cached briefly because the copy
service refreshes every few hundred milliseconds and an EA need not rebuild one that often.

Memory per account is bounded: commands without a result are kept (they are the outbox's, and
go when their result comes); the results that came are remembered — to answer a repeat of the
same id with its first result, and to drop a second answer — for at most ``RESULT_MEMORY_MS``
and at most ``RESULT_MEMORY`` of them, the oldest forgotten first. A repeat comes within a
reconnect (seconds); a later one is still safe, because the executor itself answers a repeated
id with its first result (protocol §6) and the copy service drops a result it has settled.
Events held for the sink are bounded by ``BACKLOG_LIMIT``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from copier.clock import now_ms
from copier.bridge.convert import (
    account_from_hello,
    encode_command,
    event_to_domain,
    snapshot_to_domain,
)
from copier.bridge.protocol import (
    Account,
    CloseCode,
    Event,
    Role,
    Snapshot,
    SnapshotRequest,
)
from copier.domain import (
    Command,
    ExecutionResult,
    MasterEvent,
    Quote,
    ResultValues,
    TerminalSnapshot,
    TerminalStatus,
)
from copier.terminals.base import TerminalSink

if TYPE_CHECKING:
    from copier.bridge.session import Session

log = logging.getLogger(__name__)

RESULT_MEMORY = 1_000  # results remembered per account, at most ...
RESULT_MEMORY_MS = 600_000  # ... and for at most this long after they came
QUOTES_MAX_AGE_MS = 250  # ``snapshot(fresh_quotes=True)``: older quotes are asked for again
BACKLOG_LIMIT = 10_000  # events held (received, not yet handled) per account
RUN_LIMIT = 64  # events handed to the sink at once (decided together, stored in one commit)
GAP_WAIT_S = 2.0  # how long an event above a missing seq waits before the monitor must resend
# Read once: an Enum member read from its class costs a descriptor call.
_EXECUTOR = Role.EXECUTOR
_MONITOR = Role.MONITOR


class TerminalUnavailable(ConnectionError):
    """No EA session can answer for this account now."""


class EaTerminal:
    """One account served by EA sessions; ``kind == "ea"``."""

    def __init__(
        self,
        account_id: str,
        *,
        last_seq: int = 0,
        clock_ms: Callable[[], int] | None = None,
        snapshot_timeout_s: float = 5.0,
        snapshot_max_age_ms: int = 1000,
        symbols_max_age_ms: int = 60_000,
        gap_wait_s: float = GAP_WAIT_S,
    ) -> None:
        self._account_id = account_id
        self._clock_ms = clock_ms or now_ms
        self._snapshot_timeout_s = snapshot_timeout_s
        self._snapshot_max_age_ms = snapshot_max_age_ms
        self._symbols_max_age_ms = symbols_max_age_ms
        self._sink: TerminalSink | None = None
        self._last_seq = last_seq
        self._held: dict[int, MasterEvent] = {}  # received, not yet handled, by seq
        self._skipped: set[int] = set()  # seqs refused for their values: handled, not delivered
        self._arrived = asyncio.Event()
        self._delivering = 0  # the last seq of the run the sink is handling now (0: none)
        self._pump: asyncio.Task[None] | None = None
        self._gap_timer: asyncio.TimerHandle | None = None
        self._gap_wait_s = gap_wait_s
        self._sessions: dict[Role, Session] = {}
        self._ready: set[Role] = set()
        self._inflight: dict[str, bytes] = {}  # command id → encoded frame, in the order written
        # command id → (clock ms it came, *result as plain values), oldest first: up to a
        # thousand per account, none of them watched by the garbage collector (``plain``)
        self._results: OrderedDict[str, tuple[int, *ResultValues]] = OrderedDict()
        self._snapshot: TerminalSnapshot | None = None
        self._snapshot_at = 0  # clock ms when the cached snapshot arrived
        self._symbols_at = 0  # clock ms of the last snapshot that carried symbols
        self._sids = itertools.count(1)
        self._snapshot_waiters: dict[int, tuple[Session, asyncio.Future[TerminalSnapshot]]] = {}
        self._since_ms = self._clock_ms()

    # ----- Terminal -----------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def kind(self) -> str:
        return "ea"

    @property
    def connected(self) -> bool:
        return bool(self._ready)

    @property
    def last_seq(self) -> int:
        """The newest event seq the sink has handled for this account."""
        return self._last_seq

    async def start(self, sink: TerminalSink) -> None:
        """Deliver events to ``sink``, first those that arrived before it was set."""
        self._sink = sink
        if self._pump is None or self._pump.done():
            name = f"events {self._account_id}"
            self._pump = asyncio.create_task(self._deliver_loop(), name=name)
        self._arrived.set()
        monitor = self._sessions.get(Role.MONITOR)
        if monitor is not None and self._last_seq:
            monitor.ack_later(self._last_seq)
        sink.on_status(self.status())

    async def stop(self) -> None:
        self._sink = None
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
        self._cancel_gap_timer()

    def submit(self, command: Command) -> None:
        """Write the command to the executor now, or keep it for the next executor session."""
        known = self._results.get(command.id)
        if known is not None:
            sink = self._sink
            if sink is not None:  # a repeat: answered with the first result, never re-executed
                result = ExecutionResult(*known[1:])
                asyncio.get_running_loop().call_soon(sink.on_result, result)
            return
        if command.id in self._inflight:
            return  # written already, and written again on every executor reconnect
        frame = encode_command(command)
        self._inflight[command.id] = frame
        executor = self._sessions.get(_EXECUTOR)
        if executor is not None:
            executor.send(frame)

    async def snapshot(
        self, *, fresh_quotes: bool = False, quotes_max_age_ms: int | None = None
    ) -> TerminalSnapshot:
        """A snapshot no older than ``snapshot_max_age_ms``, asked of the EA when needed.
        Quotes come only with the symbol specs (protocol §7); ``fresh_quotes`` asks for them
        when they are older than ``quotes_max_age_ms`` (None: ``QUOTES_MAX_AGE_MS``; a pending
        copy is decided on them. 0 asks whatever their age: a pending the broker refused is
        decided again on them)."""
        now = self._clock_ms()
        cached = self._snapshot
        max_age = QUOTES_MAX_AGE_MS if quotes_max_age_ms is None else quotes_max_age_ms
        stale_quotes = fresh_quotes and now - self._symbols_at > max_age
        if cached is not None and now - self._snapshot_at <= self._snapshot_max_age_ms \
                and not stale_quotes:
            return cached
        session = self._sessions.get(Role.EXECUTOR) or self._sessions.get(Role.MONITOR)
        if session is None:
            if cached is not None:
                return cached
            raise TerminalUnavailable(f"{self._account_id}: no EA connected")
        with_symbols = (cached is None or stale_quotes
                        or now - self._symbols_at > self._symbols_max_age_ms)
        sid = next(self._sids)
        future: asyncio.Future[TerminalSnapshot] = asyncio.get_running_loop().create_future()
        self._snapshot_waiters[sid] = (session, future)
        if not session.send_message(SnapshotRequest(sid=sid, symbols=with_symbols)):
            # A closing session takes no more frames: no answer can come, so say so now
            # instead of waiting out the timeout (the bridge stopping, a session replaced).
            self._snapshot_waiters.pop(sid, None)
            if cached is not None:
                return cached
            raise TerminalUnavailable(f"{self._account_id}: EA session is closing")
        try:
            return await asyncio.wait_for(future, self._snapshot_timeout_s)
        except TimeoutError:
            raise TimeoutError(
                f"{self._account_id}: EA sent no snapshot within {self._snapshot_timeout_s:g} s"
            ) from None
        finally:
            self._snapshot_waiters.pop(sid, None)

    # ----- called by the bridge -----------------------------------------------------------
    def session(self, role: Role) -> Session | None:
        return self._sessions.get(role)

    def attach(self, session: Session) -> None:
        """A welcomed session takes over its role; an executor gets every unresulted command."""
        self._sessions[session.role] = session
        if session.role is Role.EXECUTOR:
            for frame in self._inflight.values():
                session.send(frame)

    def detach(self, session: Session) -> None:
        if self._sessions.get(session.role) is not session:
            return
        del self._sessions[session.role]
        self._ready.discard(session.role)
        for sid, (owner, future) in list(self._snapshot_waiters.items()):
            if owner is session and not future.done():
                future.set_exception(TerminalUnavailable(f"{self._account_id}: EA disconnected"))
                self._snapshot_waiters.pop(sid, None)
        self._since_ms = self._clock_ms()
        self._emit_status()

    def mark_ready(self, session: Session) -> None:
        """The session sent its first snapshot (or did not in time): the account is usable."""
        if self._sessions.get(session.role) is session and session.role not in self._ready:
            was_connected = self.connected
            self._ready.add(session.role)
            if not was_connected:
                self._since_ms = self._clock_ms()
            self._emit_status()

    def deliver_event(self, message: Event, session: Session) -> None:
        """Take an event in from the session as its frame is read: held for the delivery task,
        never handed to the sink here."""
        seq = message.seq
        if seq <= (self._delivering or self._last_seq):
            session.ack_later(self._last_seq)  # seen before: acknowledged again, not delivered
            return
        if seq not in self._held and len(self._held) < BACKLOG_LIMIT:
            # A full hold drops the event unacknowledged: it leaves a gap, and the gap a resend.
            self._held[seq] = event_to_domain(message, self._account_id, self._clock_ms())
        self._arrived.set()
        self._watch_gap()

    def skip_event(self, seq: int, session: Session) -> None:
        """An event the bridge refused for its values (``values.py``): its place in the
        sequence counts as handled — acknowledged, never delivered — so the events after it
        go on instead of waiting behind it for a resend that would be refused again."""
        if seq <= (self._delivering or self._last_seq):
            session.ack_later(self._last_seq)
            return
        if len(self._skipped) < BACKLOG_LIMIT:
            self._skipped.add(seq)
        self._arrived.set()
        self._watch_gap()

    def last_quote(self, symbol: str) -> Quote | None:
        """The symbol's quote in the last snapshot the EA sent, if any."""
        snap = self._snapshot
        return None if snap is None else snap.quotes.get(symbol)

    async def _deliver_loop(self) -> None:
        """Hand held events to the sink strictly in seq order, one at a time."""
        while True:
            skipped = self._last_seq + 1
            if self._skipped and skipped in self._skipped:
                self._skipped.discard(skipped)
                self._held.pop(skipped, None)
                self._last_seq = skipped
                monitor = self._sessions.get(_MONITOR)
                if monitor is not None:
                    monitor.ack_later(skipped)
                self._watch_gap()
                continue
            sink = self._sink
            run = self._next_run() if sink is not None else []
            if sink is None or not run:
                self._arrived.clear()
                await self._arrived.wait()
                continue
            last = run[-1].seq
            self._delivering = last
            # The event reports a change a cached snapshot may predate however young it is (on
            # a busy machine the welcome's snapshot and this event are read in one millisecond):
            # a snapshot the sink asks for while handling it is asked of the EA.
            self._snapshot_at = 0
            try:
                await sink.on_events(run)
            except Exception:
                first = run[0].seq
                seqs = f"event {first}" if first == last else f"events {first}–{last}"
                log.exception("%s: %s not taken in", self._account_id, seqs)
                self._resend_from_ack("copier could not store the event")
                continue
            finally:
                self._delivering = 0
            self._last_seq = last
            self._snapshot_at = 0  # positions changed: the next snapshot() asks the EA
            monitor = self._sessions.get(_MONITOR)
            if monitor is not None:
                monitor.ack_later(last)
            self._watch_gap()

    def _next_run(self) -> list[MasterEvent]:
        """The held events that follow the last one handled without a gap or a skipped seq
        between them (at most RUN_LIMIT), taken out of the hold: those that arrived together,
        decided together and stored in one transaction (``TerminalSink.on_events``)."""
        held = self._held
        run: list[MasterEvent] = []
        seq = self._last_seq + 1
        while len(run) < RUN_LIMIT and seq not in self._skipped:
            event = held.pop(seq, None)
            if event is None:
                break
            run.append(event)
            seq += 1
        return run

    def _watch_gap(self) -> None:
        """Start the gap timer while held events wait above a seq that has not arrived."""
        nxt = self._last_seq + 1
        held = self._held
        skipped = self._skipped
        if nxt in held or self._delivering or not (held or skipped) or nxt in skipped:
            if self._gap_timer is not None:  # no gap (the order of the tests: cheapest first)
                self._cancel_gap_timer()
        elif self._gap_timer is None:
            loop = asyncio.get_running_loop()
            self._gap_timer = loop.call_later(self._gap_wait_s, self._gap_expired)

    def _gap_expired(self) -> None:
        self._gap_timer = None
        if self._held and (self._last_seq + 1) not in self._held and not self._delivering:
            missing = self._last_seq + 1
            self._resend_from_ack(f"event {missing} never arrived: resend from the last ack")

    def _resend_from_ack(self, reason: str) -> None:
        """Forget what is held and make the monitor reconnect and resend every unacked event."""
        self._held.clear()
        self._skipped.clear()
        self._cancel_gap_timer()
        monitor = self._sessions.get(Role.MONITOR)
        if monitor is not None:
            monitor.close_soon(CloseCode.INTERNAL_ERROR, reason)

    def _cancel_gap_timer(self) -> None:
        if self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None

    @property
    def held_events(self) -> int:
        """Events received and not yet handled (waiting for the sink or for a missing seq)."""
        return len(self._held)

    def on_result(self, result: ExecutionResult) -> None:
        """An executor's result for one of this account's commands (``slave_id`` is this one)."""
        command_id = result.command_id
        if command_id in self._results:
            return  # the same result again (a resent command answered twice)
        self._inflight.pop(command_id, None)
        self._snapshot_at = 0  # the slave's positions changed: the next snapshot() asks the EA
        self._remember(command_id, result)
        sink = self._sink
        if sink is not None:
            sink.on_result(result)

    def _remember(self, command_id: str, result: ExecutionResult) -> None:
        """Keep the result; forget those past the memory's size or age, oldest first."""
        now = self._clock_ms()
        results = self._results
        results[command_id] = (now, *result.plain())
        while len(results) > RESULT_MEMORY:
            results.popitem(last=False)
        oldest = next(iter(results.values()))[0]
        while now - oldest > RESULT_MEMORY_MS:
            results.popitem(last=False)
            oldest = next(iter(results.values()))[0]

    @property
    def remembered_results(self) -> int:
        """Results kept to answer a repeated command id (at most RESULT_MEMORY)."""
        return len(self._results)

    def on_snapshot(self, sid: int, parts: Sequence[Snapshot], session: Session) -> None:
        snap = snapshot_to_domain(session.hello, self._account_id, parts)
        now = self._clock_ms()
        if snap.symbols:
            self._symbols_at = now
        elif self._snapshot is not None:
            snap = replace(snap, symbols=self._snapshot.symbols, quotes=self._snapshot.quotes)
        self._snapshot, self._snapshot_at = snap, now
        waiter = self._snapshot_waiters.pop(sid, None)
        if waiter is not None and not waiter[1].done():
            waiter[1].set_result(snap)
        if session.role not in self._ready:
            self.mark_ready(session)
        else:
            self._emit_status()

    def on_account(self, message: Account, session: Session) -> None:
        if self._snapshot is not None:
            account = account_from_hello(
                session.hello,
                self._account_id,
                balance=message.balance,
                equity=message.equity,
                margin=message.margin,
                free=message.free,
                trade=message.trade,
            )
            self._snapshot = replace(self._snapshot, account=account)
        self._emit_status()

    def on_heartbeat(self, session: Session) -> None:
        self._emit_status()

    @property
    def pending_commands(self) -> int:
        """Commands written (or waiting to be written) that have no result yet."""
        return len(self._inflight)

    def status(self) -> TerminalStatus:
        session = self._sessions.get(Role.EXECUTOR) or self._sessions.get(Role.MONITOR)
        roles = " and ".join(sorted(r.value for r in self._ready)) or "no EA"
        snap = self._snapshot
        return TerminalStatus(
            account_id=self._account_id,
            connected=self.connected,
            since_ms=self._since_ms,
            last_heartbeat_ms=session.last_rx_ms if session else 0,
            rtt_ms=session.rtt_ms if session else None,
            build=f"EA {session.hello.ea} / build {session.hello.build}" if session else "",
            trade_allowed=snap.account.trade_allowed
            if snap
            else bool(session and session.hello.trade),
            account=snap.account if snap else None,
            positions=len(snap.positions) if snap else 0,
            detail=f"{roles} connected" if self._ready else "no EA connected",
        )

    def _emit_status(self) -> None:
        sink = self._sink
        if sink is not None:
            sink.on_status(self.status())
