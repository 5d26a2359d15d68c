"""The copy service: the one TerminalSink that turns master events into slave commands.

It owns the live state (links, ticket links, commands in flight, the last seq per master) and the
order of side effects that makes copies exactly-once:

1. an event whose ``seq`` was already handled is dropped (resends after reconnects);
2. the engine decides (pure);
3. the commands are submitted to the slave terminals, each with its stable id;
4. the decision — event, denials, ticket links and the copy rows, already marked sent — is
   written in one transaction (with those of the master's events that arrived together), and
   only then does ``on_events`` return (so the adapter may acknowledge the events); results
   update the ticket links.

A crash between 3 and 4 leaves the event unacknowledged: the master resends it, the engine
decides the same commands with the same ids, and the executors drop the repeats (docs/store.md,
"Send before the commit"). After a crash the copies still pending or sent (the outbox) are
resubmitted with the same command ids. A pending copy the broker refused for its price is
decided again on a fresh quote (``copier.refused_pendings``).
What the trader set (stop switch, equity marks, risk stops, trading clock) and the sweeps that
act without a master event (risk stops, close all copies) live in ``copier.trader_controls``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from copier import failpoints
from copier.account_views import AccountViews
from copier.clock import now_ms as wall_clock_ms
from copier.domain import (
    Command,
    EventKind,
    ExecutionResult,
    MasterEvent,
    TerminalSnapshot,
    TerminalStatus,
)
from copier.engine.book import TicketBook
from copier.engine.config import Link, LinkMode
from copier.engine.reconcile import LinkSide, ReconcileReport, reconcile_slave
from copier.engine.results import apply_result, settle_already_closed
from copier.engine.router import route
from copier.engine.state import CopyAdjusted, CopyDenied, MasterView, RouteOutcome, TicketLink
from copier.events import (
    Bus,
    CopyExecuted,
    CopyFailed,
    CopyingSwitched,
    CopySent,
    CopyWasAdjusted,
    CopyWasDenied,
    MasterEventReceived,
    ReconciliationReported,
    TerminalStatusChanged,
)
from copier.gc_policy import CollectionsHeld
from copier.refused_pendings import RefusedPendings
from copier.store import CopyOrigin, Decision, Store
from copier.store.traderstate import Changes
from copier.terminals.base import Terminal
from copier.ticket_ledger import TicketLedger, describe_report
from copier.trader_controls import TraderControls

log = logging.getLogger(__name__)

Clock = Callable[[], int]
# What booking a decision replaced in the ticket ledger, by ticket key (None: nothing there)
Booked = dict[tuple[int, int, int], TicketLink | None]
SNAPSHOT_REFRESH_S = 0.25
PENDING_PRICED = frozenset({EventKind.PENDING_PLACED, EventKind.PENDING_MODIFIED})
REQUESTS_EVERY = 4  # snapshot refreshes between looks for close-all requests (about 1 s)



class CopyService:
    """Routes every master event of every link to its slaves, exactly once."""

    def __init__(self, store: Store, bus: Bus, clock: Clock = wall_clock_ms) -> None:
        self.store = store
        self.bus = bus
        self.clock = clock
        self.terminals: dict[str, Terminal] = {}
        self.links: dict[int, Link] = {}
        self.copying_enabled = True
        self._tickets: dict[int, TicketLedger] = defaultdict(TicketLedger)
        self._inflight: dict[str, Command] = {}
        self._handling = 0  # master events taken but not yet decided and sent
        self._decided_from: dict[str, MasterEvent] = {}  # command id → its master event
        self._last_seq: dict[str, int] = {}
        self.controls = TraderControls(self)
        self.refused = RefusedPendings(self)
        self.views = AccountViews(self.terminals, clock, on_new_specs=store.save_symbol_specs,
                                  on_marks=lambda a, m: self.controls.save_marks(a, m))
        self._master_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._refresher: asyncio.Task[None] | None = None
        self._running = False
        self._startup_done = asyncio.Event()  # set once start() has adopted what was lost

    # ----- set-up -------------------------------------------------------------------------
    def add_terminal(self, terminal: Terminal) -> None:
        self.terminals[terminal.account_id] = terminal

    async def attach_terminal(self, terminal: Terminal) -> None:
        """Add a terminal while running (an account added or edited in the window)."""
        await self.detach_terminal(terminal.account_id)
        self.terminals[terminal.account_id] = terminal
        if self._running:
            await terminal.start(self)

    async def detach_terminal(self, account_id: str) -> None:
        """Stop and forget an account's terminal; its links stay and wait for it."""
        terminal = self.terminals.pop(account_id, None)
        if terminal is not None:
            await terminal.stop()
        self.views.forget(account_id)

    def set_link(self, link: Link) -> None:
        """Add or change a link live; rules apply from the next event on. A link created or
        enabled again copies what its master holds, as its ``copy_existing`` says."""
        before = self.links.get(link.id)
        self.links[link.id] = link
        self.controls.links_changed()
        if link.enabled and (before is None or not before.enabled) and self._running:
            self.track(self.controls.link_enabled(link))

    def remove_link(self, link_id: int) -> None:
        self.links.pop(link_id, None)
        self.controls.links_changed()

    def set_copying(self, enabled: bool) -> None:
        """The global switch: off means no new copies; closes and SL/TP changes of copies that
        already exist still follow their masters (every link acts as close-only)."""
        self.copying_enabled = enabled
        self.controls.save_copying(enabled)
        self.bus.publish(CopyingSwitched(enabled))

    async def start(self) -> None:
        """Load state from the store, start every terminal, resend what was never acknowledged,
        and reconcile each link against the terminals' real positions. What the trader set (the
        stop switch, equity marks, risk stops, trading clock) comes back first."""
        self.controls.restore()
        for link in self.store.load_links():
            self.links.setdefault(link.id, link)
        self.controls.links_changed()
        for ticket in self.store.load_tickets():
            self._tickets[ticket.link_id].put(ticket)
        self._last_seq.update(self.store.last_seqs())
        self._running = True
        for terminal in self.terminals.values():
            await terminal.start(self)
        await self.refresh_snapshots()
        for command in self.store.load_outbox():
            self._send(command)
        # Before any master event is routed: adopt copies the link table lost, so a close that
        # happened while the copier was away still finds the copy it must close.
        for slave_id in {link.slave_id for link in self.links.values()}:
            await self._reconcile_quietly(slave_id)
        self._startup_done.set()
        await self.controls.take_requests()
        self._refresher = asyncio.create_task(self._refresh_loop(), name="snapshot-refresh")

    async def stop(self) -> None:
        self._running = False
        if self._refresher:
            self._refresher.cancel()
            await asyncio.gather(self._refresher, return_exceptions=True)
        for terminal in self.terminals.values():
            await terminal.stop()
        if self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
        self.controls.flush_marks(all_of_them=True)
        await self.store.flush()

    # ----- TerminalSink -------------------------------------------------------------------
    async def on_event(self, event: MasterEvent) -> None:
        await self.on_events((event,))

    async def on_events(self, events: Sequence[MasterEvent]) -> None:
        """Consecutive events of one master, in seq order (those that arrived together): each
        is decided and its commands written in turn, then every decision is stored in ONE
        transaction, and only then does this return — the adapter acknowledges the last. A
        burst (a master closing ten positions at once) waits for one commit, not one per event
        (docs/store.md, "Events that arrive together")."""
        if not events:
            return
        now = self.clock()
        events = [e if e.received_ms else replace(e, received_ms=now) for e in events]
        master_id = events[0].account_id
        self._handling += len(events)
        try:
            if not self._startup_done.is_set():
                await self._startup_done.wait()
            async with self._master_locks[master_id]:
                handled = self._last_seq.get(master_id, 0)
                # Seen before: a resend after a reconnect or restart.
                fresh = [e for e in events if e.seq > handled]
                if fresh:
                    await self._handle_events(master_id, fresh)
        finally:
            self._handling -= len(events)

    async def _handle_events(self, master_id: str, events: list[MasterEvent]) -> None:
        decisions: list[tuple[Decision, Booked]] = []
        try:
            for n, event in enumerate(events, start=1):
                decisions.append(await self._decide(event))
                if n < len(events):  # sent; later events of the run not yet decided; no commit
                    failpoints.reach("inside_run")
            await self.store.persist_decisions([decision for decision, _ in decisions])
        except BaseException:
            # The commands are out: their results settle them, and the events, unacknowledged,
            # are decided again to the same ids (answered by the executors' memory). Each
            # decision was booked on top of the one before: taken back newest first.
            for decision, before in reversed(decisions):
                self._unbook_decision(before, decision.tickets, decision.retired)
            raise
        self._last_seq[master_id] = events[-1].seq
        for decision, _ in decisions:
            for denial in decision.denials:
                self.bus.publish(CopyWasDenied(denial))
            for adjustment in decision.adjustments:
                self.bus.publish(CopyWasAdjusted(adjustment))

    async def _decide(self, event: MasterEvent) -> tuple[Decision, Booked]:
        """Route ``event`` over its master's links, write its commands and book the decision in
        the ledger; return it as the store will write it, with what the booking replaced."""
        self.bus.publish(MasterEventReceived(event))
        links = self._links_of_master(event.account_id)
        await self.views.first_views([event.account_id, *(link.slave_id for link in links)])
        if event.kind in PENDING_PRICED:  # decided on the slaves' current quotes (reached?)
            await self.views.refresh_quotes(lk.slave_id for lk in links if lk.rules.copy_pendings)
        # The routes and the writes are the copy path: no automatic garbage collection starts
        # in them; one that comes due waits for the store's write below (copier.gc_policy).
        with CollectionsHeld():
            now = self.clock()
            master = self.views.master_view(event.account_id)
            commands: list[Command] = []
            denials: list[CopyDenied] = []
            changed: list[TicketLink] = []
            retired: list[tuple[int, int, int]] = []
            adjustments: list[CopyAdjusted] = []
            if self.refused.waiting:
                self.refused.event_came(event)
            for link in links:
                outcome = self._route(event, link, master, now)
                if outcome is None:
                    continue
                commands.extend(outcome.commands)
                denials.extend(outcome.denials)
                changed.extend(outcome.tickets)
                retired.extend(outcome.retired_keys)
                adjustments.extend(outcome.adjustments)
            decided = self.clock()
            # The ledger takes the decision before the write is awaited: a result that comes back
            # meanwhile (say, the open's, while its close is being stored) must be applied on top of
            # the decision. Applied to the ticket as it was before, its write — queued after the
            # decision's — would put the pre-decision state back in the store, and a resent close
            # answered after a restart would then find an OPEN link and leave it open for good.
            # Sent before the decision is committed, acknowledged only after (docs/store.md, "Send
            # before the commit"): a crash in between leaves the event unacknowledged, so it comes
            # again and is decided again to the same command ids, which executors remember, and a
            # command whose id they lost finds its copy already in the after-state (protocol §14).
            # Written first, booked and counted right after: nothing in between gives the loop way
            # and no result comes from inside ``submit`` (terminals/base.py), so every result is
            # still applied on top of the booked decision, and the last slave's frame goes out
            # without waiting for the bookkeeping of all the others.
            sent_ms = self.clock()
            written = [c for c in commands if self._write(c, event)]
        before = self._book_decision(changed, retired)
        self._count_sent(written)
        if written:
            failpoints.reach("after_send")
        sent = frozenset(c.id for c in written)
        decision = Decision(event, commands, denials, changed, decided, retired, adjustments,
                            sent, sent_ms)  # fmt: skip
        return decision, before

    def _route(
        self, event: MasterEvent, link: Link, master: MasterView | None, now: int
    ) -> RouteOutcome | None:
        """The engine's decision for one link on the views now; None without them."""
        slave = self.views.slave_view(link.slave_id, self.controls.stops_of(link.slave_id, now))
        if master is None or slave is None:
            return None
        if not self.copying_enabled and link.mode is LinkMode.NORMAL:
            # Stopped copying still follows closes and SL/TP changes of existing copies, so a
            # stop never strands a slave in a position its master has left.
            link = replace(link, mode=LinkMode.CLOSE_ONLY)
        return route(event, link, self._tickets[link.id].book, master, slave, now)

    def route_one(self, event: MasterEvent, link_id: int) -> RouteOutcome | None:
        """``event`` decided for one enabled link now, outside an event's own decision (a
        refused pending copy decided again); None when the link or a view is missing."""
        link = self.links.get(link_id)
        if link is None or not link.enabled:
            return None
        return self._route(event, link, self.views.master_view(event.account_id), self.clock())

    def _book_decision(
        self, changed: Sequence[TicketLink], retired: Sequence[tuple[int, int, int]]
    ) -> Booked:
        """Apply a decision's ticket links to the ledger; return what they replaced."""
        before: Booked = {}
        for link_id, master_ticket, leg in retired:
            before.setdefault((link_id, master_ticket, leg),
                              self._tickets[link_id].find(master_ticket, leg))  # fmt: skip
            self._tickets[link_id].drop(master_ticket, leg)
        for ticket in changed:
            ledger = self._tickets[ticket.link_id]
            before.setdefault(ticket.key, ledger.find(ticket.master_ticket, ticket.leg))
            ledger.put(ticket)
        return before

    def _unbook_decision(
        self,
        before: Booked,
        changed: Sequence[TicketLink],
        retired: Sequence[tuple[int, int, int]],
    ) -> None:
        """The decision was not stored (its event stays unacknowledged and comes again): put
        back what it replaced, except where a result has moved a ticket link since."""
        booked = {t.key: t for t in changed}
        for key, previous in before.items():
            link_id, master_ticket, leg = key
            ledger = self._tickets[link_id]
            if ledger.find(master_ticket, leg) is not booked.get(key):
                continue
            if previous is None:
                ledger.drop(master_ticket, leg)
            else:
                ledger.put(previous)

    def on_result(self, result: ExecutionResult) -> None:
        command = self._inflight.pop(result.command_id, None)
        if command is None:
            return  # a repeated result for a command already settled
        ledger = self._tickets[command.link_id]
        current = ledger.find(command.master_ticket, command.leg)
        updated = apply_result(current, command, result) if current else None
        if updated is not None:
            ledger.put(updated)
        result = settle_already_closed(command, result)
        point = self.views.point(command.slave_id, command.symbol)
        event = self._decided_from.pop(result.command_id, None)
        # None: not decided from a master event here (a sweep, a resend after a restart)
        origin = CopyOrigin.of(command, event) if event is not None else None
        self.track(self.store.persist_result(result, updated, point=point, origin=origin))
        detected = event.time_ms if event is not None else command.created_ms
        if result.ok:
            latency = float(max(0, result.executed_ms - detected)) if result.executed_ms else 0.0
            self.bus.publish(CopyExecuted(command, result, latency))
        elif not self.refused.take(command, result, event, updated):
            self.bus.publish(CopyFailed(command, result))

    def on_status(self, status: TerminalStatus) -> None:
        previous = self.views.set_status(status)
        self.bus.publish(TerminalStatusChanged(status))
        account = status.account
        if account is not None and account.account_id == status.account_id and self._running \
                and self._startup_done.is_set() \
                and self.views.account_update(account, self.clock()) \
                and self.controls.watched(status.account_id):
            self.track(self.controls.on_account(status.account_id))
        reconnected = status.connected and (previous is None or not previous.connected)
        if reconnected and self._running and self._startup_done.is_set():
            self.track(self._resync(status.account_id))

    # ----- queries for the UI, demo and tests ---------------------------------------------
    def tickets(self) -> list[TicketLink]:
        return [t for ledger in self._tickets.values() for t in ledger.all()]

    def snapshot(self, account_id: str) -> TerminalSnapshot | None:
        """The latest snapshot of an account (refreshed every SNAPSHOT_REFRESH_S), no I/O."""
        return self.views.snapshot(account_id)

    def last_seq(self, account_id: str) -> int:
        """The last master event seq handled for an account (0: none yet)."""
        return self._last_seq.get(account_id, 0)

    def status(self, account_id: str) -> TerminalStatus | None:
        return self.views.status(account_id)

    @property
    def inflight(self) -> int:
        """Commands sent and still waiting for their result."""
        return len(self._inflight)

    @property
    def busy(self) -> int:
        """Work not finished: events being decided, commands waiting for a result and refused
        pending copies waiting to be decided again."""
        return self._handling + len(self._inflight) + self.refused.count

    async def reconcile_report(self, slave_id: str) -> ReconcileReport:
        """Compare the slave terminal's real positions with the ticket links of every link into
        it, and return each difference as data (an empty report when there is no terminal for
        the slave). Reads the terminals; changes nothing."""
        slave_terminal = self.terminals.get(slave_id)
        if slave_terminal is None:
            return ReconcileReport()
        slave_snap = await slave_terminal.snapshot()
        sides: list[LinkSide] = []
        for link in self.links.values():
            master_terminal = self.terminals.get(link.master_id)
            if link.slave_id != slave_id or master_terminal is None:
                continue
            master_snap = await master_terminal.snapshot()
            sides.append(LinkSide(link, self._tickets[link.id].all(), master_snap))
        return reconcile_slave(sides, slave_snap)

    async def reconcile_slave(self, slave_id: str, *, adopt: bool = False) -> tuple[str, ...]:
        """``reconcile_report`` in words, one line per difference, also published on the bus.
        With ``adopt``, copies of live master trades that the link table lacks (found by their
        ``TC|<ticket>`` comment, e.g. after the database was lost) become ticket links again,
        so their master's closes reach them."""
        report = await self.reconcile_report(slave_id)
        problems = describe_report(report)
        if adopt and report.adoptable:
            fresh = [t for t in report.adoptable
                     if self._tickets[t.link_id].find(t.master_ticket, t.leg) is None]
            for ticket in fresh:
                self._tickets[ticket.link_id].put(ticket)
            await self.store.upsert_tickets(fresh)
        if problems:
            self.bus.publish(ReconciliationReported(slave_id, tuple(problems)))
        return tuple(problems)

    async def refresh_snapshots(self, account_ids: Iterable[str] | None = None) -> None:
        await self.views.refresh(account_ids)

    # ----- internals ----------------------------------------------------------------------
    def _send(self, command: Command) -> bool:
        """Hand a command to its slave's terminal and count it sent; False when there is no
        terminal (it stays in the outbox and goes when the terminal comes)."""
        if not self._write(command):
            return False
        self._count_sent((command,))
        return True

    def _write(self, command: Command, event: MasterEvent | None = None) -> bool:
        """``_send`` without the counting (``_count_sent`` does it). ``event``: the master
        event it was decided from, whose detection time and price its result is measured
        against."""
        if event is not None:
            self._decided_from[command.id] = event
        terminal = self.terminals.get(command.slave_id)
        self._inflight[command.id] = command
        if terminal is None:
            log.warning("%s: no terminal for command %s; kept in the outbox", command.slave_id,
                        command.id)
            return False
        terminal.submit(command)
        return True

    def _count_sent(self, commands: Iterable[Command]) -> None:
        """Commands handed to their terminals: the orders-per-minute rule and the bus learn."""
        sent = self.clock()
        for command in commands:
            self.views.order_sent(command.slave_id, sent)
            self.bus.publish(CopySent(command, sent))

    async def _resync(self, account_id: str) -> None:
        """After a (re)connect: refresh what we know, resend what is in flight to it, and
        reconcile it (adopting lost links, reporting the rest) once nothing is in flight."""
        await self.refresh_snapshots([account_id])
        in_flight = [c for c in self._inflight.values() if c.slave_id == account_id]
        terminal = self.terminals.get(account_id)
        if terminal is not None:
            for command in in_flight:
                terminal.submit(command)
        await self._reconcile_quietly(account_id)

    async def _reconcile_quietly(self, account_id: str) -> None:
        """Reconcile a slave and adopt what the table lost — unless commands to it are in
        flight (their results would show as differences) or a terminal cannot answer now."""
        if any(c.slave_id == account_id for c in self._inflight.values()):
            return
        if not any(link.slave_id == account_id for link in self.links.values()):
            return
        terminal = self.terminals.get(account_id)
        if terminal is None or not terminal.connected:
            return
        try:
            await self.reconcile_slave(account_id, adopt=True)
        except (ConnectionError, TimeoutError) as exc:
            log.info("%s: reconciliation postponed: %s", account_id, exc)

    async def _refresh_loop(self) -> None:
        rounds = 0
        while self._running:
            await asyncio.sleep(SNAPSHOT_REFRESH_S)
            await self.refresh_snapshots()
            rounds += 1
            await self.controls.after_refresh(take_requests=rounds % REQUESTS_EVERY == 0)

    # ----- sweeps without a master event (copier.trader_controls) --------------------------------
    def master_lock(self, master_id: str) -> asyncio.Lock:
        """Held while a master's event is decided: a sweep of its links waits for it."""
        return self._master_locks[master_id]

    def ledger_book(self, link_id: int) -> TicketBook:
        return self._tickets[link_id].book

    async def commit(
        self,
        master_id: str,
        outcome: RouteOutcome,
        denials: tuple[CopyDenied, ...] = (),
        state: Changes | None = None,
        master_prices: dict[int, float] | None = None,
    ) -> int:
        """Store a decision no master event made — its commands, ticket links, denials and
        adjustments, with trader-state changes — in one transaction, then send its commands;
        returns how many went out. Call it holding the master's lock."""
        denied = (*denials, *outcome.denials)
        changed, retired = list(outcome.tickets), list(outcome.retired_keys)
        before = self._book_decision(changed, retired)
        try:
            await self.store.persist_sweep(
                master_id, outcome.commands, denied, changed, self.clock(), state,
                adjustments=outcome.adjustments, master_prices=master_prices,
            )  # fmt: skip
        except BaseException:
            self._unbook_decision(before, changed, retired)
            raise
        for denial in denied:
            self.bus.publish(CopyWasDenied(denial))
        for adjustment in outcome.adjustments:
            self.bus.publish(CopyWasAdjusted(adjustment))
        for command in outcome.commands:
            self._send(command)
        if outcome.commands:
            self.store.mark_sent([c.id for c in outcome.commands], self.clock())
        return len(outcome.commands)

    def _links_of_master(self, master_id: str) -> list[Link]:
        return [lk for lk in self.links.values() if lk.master_id == master_id and lk.enabled]

    def track(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        if task in self._tasks:
            return  # a future several writes share (the results of one turn of the loop)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())
