"""Exactly-once, read from the slaves: what each slave broker really traded for each master event.

Nothing here trusts the copier's own bookkeeping. Per slave and master event the executor's
``executed_counts`` (how often a command id really traded, across EA restarts) must be exactly
one; the broker's deal history must hold exactly one opening deal per copied master ticket and
one closing deal per closed one; the open positions must be exactly the copies of the master's
open positions, with its volume and stop loss; and the links the copier stored, set against the
terminals by its own reconciliation, must leave an empty report and an empty outbox.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from copier.domain import TerminalSnapshot, command_id, parse_copy_comment
from copier.engine.reconcile import LinkSide, reconcile_slave
from copier.store import Store
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.records import DealEntry
from copier.ticket_ledger import describe_report
from tests.fault.world import MASTER_ID, FaultWorld, Slave, StreamEvent


@dataclass
class Verdict:
    events: int = 0
    copies_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.problems)

    def describe(self) -> str:
        head = f"{self.lost} lost, {self.duplicated} duplicated of {self.copies_checked} copies"
        return "\n".join([head, *self.problems[:40]])


def expected_ids(world: FaultWorld, events: list[StreamEvent], slave: Slave) -> set[str]:
    return {command_id(slave.link_id, e.ticket, e.seq) for e in events}


def all_executed(world: FaultWorld, events: list[StreamEvent]) -> bool:
    """Every slave has traded every master event's command at least once."""
    for slave in world.slaves:
        done = slave.executor.executed_counts()
        if any(done.get(cid, 0) == 0 for cid in expected_ids(world, events, slave)):
            return False
    return True


def verify_slaves(world: FaultWorld, events: list[StreamEvent]) -> Verdict:
    verdict = Verdict(events=len(events))
    master_open = {p.ticket: p for p in world.master.positions()}
    opened = {e.ticket for e in events if e.kind == "opened"}
    closed = {e.ticket for e in events if e.kind == "closed"}
    for slave in world.slaves:
        _check_commands(slave, events, verdict)
        _check_deals(slave, opened, closed, verdict)
        _check_positions(slave, master_open, verdict)
    return verdict


def _check_commands(slave: Slave, events: list[StreamEvent], verdict: Verdict) -> None:
    counts = slave.executor.executed_counts()
    for event in events:
        verdict.copies_checked += 1
        times = counts.get(command_id(slave.link_id, event.ticket, event.seq), 0)
        if times == 0:
            verdict.lost += 1
            verdict.problems.append(f"{slave.account_id}: {event} never executed")
        elif times > 1:
            verdict.duplicated += times - 1
            verdict.problems.append(f"{slave.account_id}: {event} executed {times} times")


def _check_deals(slave: Slave, opened: set[int], closed: set[int], verdict: Verdict) -> None:
    deals = slave.broker.history_deals(0)
    entries = [
        d for d in deals if d.entry is DealEntry.IN and parse_copy_comment(d.comment) is not None
    ]
    ins = Counter(parse_copy_comment(d.comment) for d in entries)
    copy_of = {d.position_id: parse_copy_comment(d.comment) for d in entries}
    outs = Counter(
        copy_of.get(d.position_id)
        for d in deals
        if d.entry is not DealEntry.IN and d.position_id in copy_of
    )
    for ticket in opened:
        if ins[ticket] != 1:
            verdict.problems.append(f"{slave.account_id}: {ins[ticket]} opens of #{ticket}")
    for ticket in closed:
        if outs[ticket] != 1:
            verdict.problems.append(f"{slave.account_id}: {outs[ticket]} closes of #{ticket}")
    strangers = set(ins) - opened
    if strangers:
        verdict.problems.append(f"{slave.account_id}: deals for unknown tickets {strangers}")


def _check_positions(slave: Slave, master_open: dict[int, object], verdict: Verdict) -> None:
    copies: dict[int | None, list[object]] = {}
    for pos in slave.broker.positions():
        copies.setdefault(parse_copy_comment(pos.comment), []).append(pos)
    for ticket, held in copies.items():
        if ticket not in master_open:
            verdict.problems.append(f"{slave.account_id}: orphan copy of #{ticket}: {held}")
    for ticket, master in master_open.items():
        held = copies.get(ticket, [])
        if len(held) != 1:
            verdict.problems.append(f"{slave.account_id}: {len(held)} copies of open #{ticket}")
            continue
        copy, want = held[0], master
        if abs(copy.volume - want.volume) > 1e-9 or abs(copy.sl - want.sl) > 1e-9:  # type: ignore[attr-defined]
            verdict.problems.append(f"{slave.account_id}: copy {copy} differs from {want}")


def snapshot_of(broker: SimBroker, account_id: str) -> TerminalSnapshot:
    return TerminalSnapshot(
        account=broker.account_info(account_id),
        positions=tuple(p.to_domain() for p in broker.positions()),
        orders=tuple(o.to_domain() for o in broker.orders()),
        symbols=broker.symbols(),
        quotes=broker.quotes(),
        time_ms=broker.now_ms(),
    )


def verify_store(world: FaultWorld) -> list[str]:
    """After the copier stopped: what its outbox still holds and what its reconciliation of the
    stored ticket links against the terminals reports (both must be empty)."""
    problems: list[str] = []
    with Store.open(world.data_dir) as store:
        outbox = store.load_outbox()
        links = {link.id: link for link in store.load_links()}
        tickets = store.load_tickets()
    if outbox:
        problems.append(f"{len(outbox)} commands still in the outbox: {outbox[:3]}")
    master_snap = snapshot_of(world.master, MASTER_ID)
    for slave in world.slaves:
        link = links[slave.link_id]
        own = tuple(t for t in tickets if t.link_id == link.id)
        report = reconcile_slave(
            [LinkSide(link, own, master_snap)], snapshot_of(slave.broker, slave.account_id)
        )
        problems += [f"{slave.account_id}: {line}" for line in describe_report(report)]
    return problems
