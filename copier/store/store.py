"""The Store: everything the copier remembers, behind one object the core and the UI share.

Hot-path writes (decisions, sends, results) return an asyncio future at once and are committed
by the writer thread in batches; the event loop never touches the disk. Start-up reads, the CLI
and configuration changes are synchronous: reads use their own pooled connections (WAL lets them
run beside the writer), configuration writes go through the writer and wait for their commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from copier.clock import now_ms
from copier.domain import Command, ExecutionResult, MasterEvent, SymbolSpec
from copier.engine.config import Link, check_overlap
from copier.engine.state import CopyAdjusted, CopyDenied, TicketLink
from copier.store import catalog, journal, keys, queries, retention, schema, specs, traderstate
from copier.store.catalog import AccountRecord
from copier.store.checkpoints import Checkpointer
from copier.store.journal import CopyOrigin, Decision, Journal
from copier.store.keys import ApiKeyInfo, KeyCheck
from copier.store.paths import database_path, default_data_dir, prepare_database_file
from copier.store.queries import AuditEntry, CopyFilter, CopyRecord
from copier.store.resultqueue import ResultQueue
from copier.store.retention import AuditRetention
from copier.store.writer import Writer, WriterStats

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], int]


class Store:
    def __init__(
        self,
        path: Path,
        write_engine: Engine,
        read_engine: Engine,
        clock: Clock,
        audit_retention: AuditRetention | None = None,
    ) -> None:
        self.path = path
        self._write_engine = write_engine
        self._read_engine = read_engine
        self._clock = clock
        self.audit_retention = audit_retention or AuditRetention()
        self._audits_since_prune = 0
        with write_engine.begin() as conn:
            schema.upgrade(conn)
            self._journal = Journal(journal.next_order_no(conn))
            pruned = retention.prune_audit(conn, clock(), self.audit_retention)
        if pruned:
            log.info("audit log: %d entries past the retention limits removed", pruned)
        self._checkpointer = Checkpointer(read_engine)
        self._writer = Writer(write_engine, after_commit=self._checkpointer.nudge)
        self._results = ResultQueue(self._writer)
        self._closed = False

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        path: Path | None = None,
        clock: Clock = now_ms,
        audit_retention: AuditRetention | None = None,
    ) -> Store:
        """Open (creating and migrating as needed) the database in ``data_dir`` — by default
        ``$TRADECOPIER_DATA_DIR`` or the user data folder — or the file ``path``. The audit
        log is kept within ``audit_retention`` (default ``AuditRetention()``)."""
        file = path if path is not None else database_path(data_dir or default_data_dir())
        prepare_database_file(file, own_folder=path is None)
        write_engine = schema.make_engine(file, writer=True)
        read_engine = schema.make_engine(file, writer=False)
        try:
            return cls(file, write_engine, read_engine, clock, audit_retention)
        except Exception:
            write_engine.dispose()
            read_engine.dispose()
            raise

    def close(self) -> None:
        """Commit everything queued, stop the writer and release the file. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._results.hand_over()
        self._writer.close()
        self._checkpointer.close()
        self._write_engine.dispose()
        self._read_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def writer_stats(self) -> WriterStats:
        return self._writer.stats

    # ----- the copy hot path (awaitables; call from the core loop) ----------------------------
    def persist_decision(
        self,
        event: MasterEvent,
        commands: Sequence[Command],
        denials: Sequence[CopyDenied],
        tickets: Sequence[TicketLink],
        decided_ms: int,
        *,
        retired: Sequence[tuple[int, int, int]] = (),
        adjustments: Sequence[CopyAdjusted] = (),
        sent: Sequence[str] = (),
        sent_ms: int | None = None,
    ) -> asyncio.Future[None]:
        """One transaction: the event, event_seen[account] = seq, denials and adjustments, ticket
        links (``retired`` keys — RouteOutcome.retired_keys — dropped, ``tickets`` upserted),
        one copy row per command (its trade-log entry and its outbox entry) — those of the
        commands already ``sent`` (ids) stamped sent at ``sent_ms``, the others pending. Await
        it before acknowledging the event."""
        return self.persist_decisions([Decision(
            event, tuple(commands), tuple(denials), tuple(tickets), decided_ms, tuple(retired),
            tuple(adjustments), frozenset(sent), sent_ms)])  # fmt: skip

    def persist_decisions(self, decisions: Sequence[Decision]) -> asyncio.Future[None]:
        """The decisions of one master's consecutive events (in seq order), as
        ``persist_decision`` writes one, in ONE transaction: all stored or none (a failing one
        takes the others with it). Await it before acknowledging the last event."""
        work = self._journal.persist_decisions
        batch = tuple(decisions)
        # The hot path: written on the caller's thread when the writer is idle (writer.py).
        self._results.hand_over_here()
        return self._writer.submit_now(lambda conn: work(conn, batch))

    def mark_sent(self, command_ids: Iterable[str], sent_ms: int) -> asyncio.Future[None]:
        """Stamp commands as sent (sweeps and resends: a decision writes its sent commands as
        sent); fire and forget (a failure is logged), or await it."""
        ids = tuple(command_ids)
        future = self._submit(lambda conn: Journal.mark_sent(conn, ids, sent_ms))
        future.add_done_callback(_log_failure)
        return future

    def persist_result(
        self,
        result: ExecutionResult,
        ticket: TicketLink | None,
        *,
        point: float | None = None,
        origin: CopyOrigin | None = None,
    ) -> asyncio.Future[None]:
        """Log the result on its copy row (which takes it out of the outbox), save the ticket
        link. ``point`` (the slave symbol's point) lets the store log slippage in points;
        ``origin`` (what the caller knows of the copy) saves reading the row back for it. The
        results of one turn of the loop are written together and share one future
        (``resultqueue.py``)."""
        return self._results.add((result, ticket, point, origin))

    def upsert_tickets(self, tickets: Iterable[TicketLink]) -> asyncio.Future[None]:
        batch = tuple(tickets)
        return self._submit(lambda conn: Journal.upsert_tickets(conn, batch))

    def audit(
        self,
        actor: str,
        action: str,
        detail: dict[str, Any] | None = None,
        *,
        time_ms: int | None = None,
    ) -> asyncio.Future[None]:
        """Record who did what (logins, refusals, switches); ``detail`` must be JSON data.
        Fire and forget (a failure is logged), or await it."""
        stamp = time_ms if time_ms is not None else self._clock()
        body = dict(detail or {})
        self._audits_since_prune += 1
        if self._audits_since_prune >= retention.PRUNE_EVERY:
            self._audits_since_prune = 0
            policy = self.audit_retention
            pruning = self._submit(lambda conn: retention.prune_audit(conn, stamp, policy))
            pruning.add_done_callback(_log_failure)
        future = self._submit(lambda conn: Journal.audit(conn, stamp, actor, action, body))
        future.add_done_callback(_log_failure)
        return future

    def save_symbol_specs(
        self, account_id: str, symbol_specs: Mapping[str, SymbolSpec]
    ) -> asyncio.Future[None]:
        """Upsert the specs an account's terminal reported; fire and forget (a failure is
        logged), or await it. Statistics price money with them (``load_symbol_specs``)."""
        batch, now = dict(symbol_specs), self._clock()
        future = self._submit(
            lambda conn: specs.save_symbol_specs(conn, account_id, batch, now)
        )
        future.add_done_callback(_log_failure)
        return future

    def persist_sweep(
        self,
        master_id: str,
        commands: Sequence[Command],
        denials: Sequence[CopyDenied],
        tickets: Sequence[TicketLink],
        decided_ms: int,
        state: traderstate.Changes | None = None,
        *,
        adjustments: Sequence[CopyAdjusted] = (),
        master_prices: Mapping[int, float] | None = None,
    ) -> asyncio.Future[None]:
        """One transaction: a decision no master event made (a risk stop's close-all, a close-all
        the trader asked for) — denials, ticket links, one pending copy row per command — with the
        trader-state changes that record it. Await it before sending the commands."""
        work = self._journal.persist_sweep
        batch = (tuple(commands), tuple(denials), tuple(tickets))
        changes = dict(state or {})
        extra = (tuple(adjustments), dict(master_prices or {}))

        def write(conn: Connection) -> None:
            work(conn, master_id, *batch, decided_ms, *extra)
            traderstate.save_state(conn, changes, decided_ms)

        return self._submit(write)

    def save_trader_state(self, changes: traderstate.Changes) -> asyncio.Future[None]:
        """Write trader-state keys (None removes one); fire and forget, or await it."""
        batch, now = dict(changes), self._clock()
        future = self._submit(lambda conn: traderstate.save_state(conn, batch, now))
        future.add_done_callback(_log_failure)
        return future

    def set_trader_state(self, changes: traderstate.Changes) -> None:
        """The same, waiting for the commit (the command line, with no event loop)."""
        batch = dict(changes)
        self._write(lambda conn, now: traderstate.save_state(conn, batch, now))

    def load_trader_state(self, prefix: str = "") -> traderstate.State:
        return self._read(lambda conn: traderstate.load_state(conn, prefix))

    def flush(self) -> asyncio.Future[None]:
        """Resolves when everything queued before it is committed."""
        return self._submit(_nothing)

    # ----- start-up reads -----------------------------------------------------------------
    def load_tickets(self, include_finished: bool = False) -> list[TicketLink]:
        """Ticket links; closed and failed ones only with ``include_finished``."""
        return self._read(lambda conn: journal.load_tickets(conn, include_finished))

    def load_outbox(self) -> list[Command]:
        """Commands without a result yet, in the order they were decided."""
        return self._read(journal.load_outbox)

    def last_seqs(self) -> dict[str, int]:
        """The last master event seq handled, per master account."""
        return self._read(journal.last_seqs)

    def load_symbol_specs(self) -> dict[str, dict[str, SymbolSpec]]:
        """The symbol specs each account's terminal last reported, by account and symbol."""
        return self._read(specs.load_symbol_specs)

    # ----- accounts and links -------------------------------------------------------------
    def save_account(self, account: AccountRecord, *, actor: str = "user") -> AccountRecord:
        return self._write(lambda conn, now: catalog.save_account(conn, account, actor, now))

    def delete_account(self, account_id: str, *, actor: str = "user") -> bool:
        return self._write(lambda conn, now: catalog.delete_account(conn, account_id, actor, now))

    def load_accounts(self) -> list[AccountRecord]:
        return self._read(catalog.load_accounts)

    def get_account(self, account_id: str) -> AccountRecord | None:
        return self._read(lambda conn: catalog.get_account(conn, account_id))

    def save_link(self, link: Link, *, actor: str = "user") -> Link:
        """Validate and save a link; a link with ``id <= 0`` gets a new id. Returns it saved.
        Raises RulesError (listing every problem) for rules that cannot work, LinkOverlap for
        a second link of the same master and slave the trader has not confirmed."""
        link.rules.validate()
        check_overlap(link, self.load_links())
        return self._write(lambda conn, now: catalog.save_link(conn, link, actor, now))

    def delete_link(self, link_id: int, *, actor: str = "user") -> bool:
        return self._write(lambda conn, now: catalog.delete_link(conn, link_id, actor, now))

    def load_links(self) -> list[Link]:
        return self._read(catalog.load_links)

    # ----- API keys -----------------------------------------------------------------------
    def create_api_key(
        self,
        account_id: str,
        days: int | None = None,
        *,
        actor: str = "user",
        roles: Collection[str] | None = None,
    ) -> str:
        """Issue a key for the account and return it — the only time it exists in clear.
        ``days`` None: the account's ``key_days`` setting (default 30). ``roles`` (monitor,
        executor) None: every EA role the account has."""
        return self._write(
            lambda conn, now: keys.create_api_key(conn, account_id, days, actor, now, roles)
        )

    def rotate_api_key(
        self,
        account_id: str,
        days: int | None = None,
        *,
        grace_ms: int | None = None,
        actor: str = "user",
        roles: Collection[str] | None = None,
    ) -> str:
        """Issue a new key; the old ones keep working for the grace period (``grace_ms`` None:
        the account's ``key_grace_hours``, default 24 h; 0: they stop at once)."""
        return self._write(
            lambda conn, now: keys.rotate_api_key(
                conn, account_id, days, actor, now, grace_ms, roles
            )
        )

    def revoke_api_keys(self, account_id: str, *, actor: str = "user") -> int:
        """Revoke every key of the account at once; returns how many were revoked."""
        return self._write(lambda conn, now: keys.revoke_api_keys(conn, account_id, actor, now))

    def check_api_key(self, key: str, account_id: str) -> KeyCheck:
        """Why a key is or is not accepted for ``account_id`` (for close reasons)."""
        return self._read(lambda conn: keys.check_api_key(conn, key, account_id, self._clock()))

    def verify_api_key(self, key: str, account_id: str) -> bool:
        return self.check_api_key(key, account_id).ok

    def api_key_states(self, key_ids: Collection[str]) -> dict[str, KeyCheck]:
        """The current status of already verified keys, by id (no hashing): live sessions'
        keys are re-checked with it so a revocation or an expiry ends them."""
        return self._read(lambda conn: keys.key_states(conn, key_ids, self._clock()))

    def list_api_keys(self, account_id: str) -> list[ApiKeyInfo]:
        return self._read(lambda conn: keys.list_api_keys(conn, account_id))

    def now_ms(self) -> int:
        """The store's clock (injectable), which key expiry is measured against."""
        return self._clock()

    # ----- trade log and audit queries ----------------------------------------------------
    def query_copies(
        self, filters: CopyFilter | None = None, limit: int = 200, offset: int = 0
    ) -> list[CopyRecord]:
        return self._read(lambda conn: queries.query_copies(conn, filters, limit, offset))

    def count_copies(self, filters: CopyFilter | None = None) -> int:
        return self._read(lambda conn: queries.count_copies(conn, filters))

    def stream_copies(self, filters: CopyFilter | None = None) -> Iterator[CopyRecord]:
        """Every matching copy, oldest first, in constant memory (for export)."""
        with self._read_engine.connect() as conn:
            yield from queries.iter_copies(conn, filters)

    def query_log(
        self, filters: CopyFilter | None = None, limit: int = 200, offset: int = 0
    ) -> list[CopyRecord]:
        """A page of the trade log, copies and refusals, newest first."""
        return self._read(lambda conn: queries.query_log(conn, filters, limit, offset))

    def stream_log(self, filters: CopyFilter | None = None) -> Iterator[CopyRecord]:
        """Every matching copy and refusal, oldest first, in constant memory (for export)."""
        with self._read_engine.connect() as conn:
            yield from queries.iter_log(conn, filters)

    def load_audit(
        self, limit: int = 200, offset: int = 0, *, since_ms: int | None = None
    ) -> list[AuditEntry]:
        return self._read(lambda conn: queries.load_audit(conn, limit, offset, since_ms))

    def read(self, query: Callable[[Connection], T]) -> T:
        """Run a function of ``copier.store.queries`` (or any read) on a read connection."""
        return self._read(query)

    def write(self, work: Callable[[Connection, int], T]) -> T:
        """Run ``work(conn, now_ms)`` in the writer, in one transaction, and wait for the commit
        (maintenance such as purges; never from the copy hot path)."""
        return self._write(work)

    # ----- plumbing -----------------------------------------------------------------------
    def _read(self, query: Callable[[Connection], T]) -> T:
        with self._read_engine.connect() as conn:
            return query(conn)

    def _submit(self, work: Callable[[Connection], T]) -> asyncio.Future[T]:
        """Queue ``work`` behind the results handed over before it (``resultqueue.py``)."""
        self._results.hand_over_here()
        return self._writer.submit(work)

    def _write(self, work: Callable[[Connection, int], T]) -> T:
        now = self._clock()
        self._results.hand_over_here()
        return self._writer.call(lambda conn: work(conn, now))


def _nothing(_conn: Connection) -> None:
    return None


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("store write failed: %s", future.exception())
