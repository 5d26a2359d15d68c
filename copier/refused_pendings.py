"""Pending copies the broker refused for their price: the market reached it on their way.

The engine decides a pending copy on the slave's quote, asked for when older than a quarter of
a second (``copier.terminals.ea.terminal.QUOTES_MAX_AGE_MS``), and places it only where that
quote has not reached its price. A market that moves faster gets there before the order does,
and the broker refuses it (``copier.engine.results.refused_for_its_price``: MT5 10015, MT4 129
or 130). A trader expects what the link says for a price already reached — open at market or
skip, by ``pending_reached`` — not a failed copy. So ``RefusedPendings`` decides such a refusal
again, once, as at placement, on a quote asked for after it: opened at market or skipped where
the price is reached, placed again where the market has gone back. A move of the master's order
meanwhile is decided at its new price; the refusal stands, reported as a failed copy, when the
order is deleted (or fills under another ticket) first, when the result does not come from an
event decided in this run (a resend after a restart), or when the ticket link has moved on.

The new decision is stored before it is sent, as a sweep is (``CopyService.commit``), under the
master's lock and the next leg's command id: a crash before it is stored leaves the refusal a
failed copy; after, the outbox resends the same id. A refusal of the new decision is not decided
again (it comes from no master event). What is held here lives from a refusal to its new
decision — one quote asked for — so it stays as small as the refusals in flight.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from copier.domain import Command, EventKind, ExecutionResult, MasterEvent
from copier.engine.results import refused_for_its_price
from copier.engine.state import TicketLink, TicketState
from copier.events import CopyFailed

if TYPE_CHECKING:
    from copier.service import CopyService

log = logging.getLogger(__name__)


class RefusedPendings:
    """Decides again the pending copies refused for their price (one new decision each)."""

    def __init__(self, service: CopyService) -> None:
        self._service = service
        # (master account, master ticket) → the refused copies waiting for their new decision
        self.waiting: dict[tuple[str, int], Waiting] = {}

    @property
    def count(self) -> int:
        """Refusals waiting for their new decision."""
        return sum(len(w.ids) for w in self.waiting.values()) if self.waiting else 0

    def take(
        self,
        command: Command,
        result: ExecutionResult,
        event: MasterEvent | None,
        ticket: TicketLink | None,
    ) -> bool:
        """True when the refusal will be decided again (its failure is then not reported now);
        False when it stands."""
        if not refused_for_its_price(command, result) or event is None \
                or event.kind is not EventKind.PENDING_PLACED or ticket is None \
                or ticket.state is not TicketState.FAILED or ticket.last_command_id != command.id:
            return False
        key = (event.account_id, event.ticket)
        waiting = self.waiting.setdefault(key, Waiting(event))
        waiting.ids.add(command.id)
        self._service.track(self._decide_again(key, command, result))
        return True

    def event_came(self, event: MasterEvent) -> None:
        """A master event is being decided; one about a refused order comes first. A move of
        the order (PENDING_MODIFIED) is decided as its placement at the new price and stops;
        a fill under the same ticket changes nothing (the new decision opens the copy at market
        or skips it); anything else — the order deleted, a fill under another ticket — ends
        what the copy was for, and the refusal stands."""
        waiting = self.waiting.get((event.account_id, event.ticket))
        if waiting is None or waiting.event is None:
            return
        if event.kind is EventKind.PENDING_MODIFIED:
            waiting.event = replace(event, kind=EventKind.PENDING_PLACED)
        elif event.kind is not EventKind.PENDING_FILLED or event.new_ticket not in (None,
                                                                                    event.ticket):
            waiting.event = None

    async def _decide_again(
        self, key: tuple[str, int], command: Command, result: ExecutionResult
    ) -> None:
        service, master_id = self._service, key[0]
        done = 0
        try:
            await service.views.refresh_quotes([command.slave_id], max_age_ms=0)
            async with service.master_lock(master_id):
                event = self.waiting[key].event  # the master's events so far are decided
                outcome = None if event is None else service.route_one(event, command.link_id)
                if outcome is not None:
                    log.info("%s: %s — decided again on a fresh quote", command.id,
                             result.message)  # fmt: skip
                    done = 1 + await service.commit(master_id, outcome)
        except Exception:
            log.exception("%s: the refused pending copy could not be decided again", command.id)
        finally:
            waiting = self.waiting[key]
            waiting.ids.discard(command.id)
            if not waiting.ids:
                del self.waiting[key]
            if not done:
                service.bus.publish(CopyFailed(command, result))


@dataclass(slots=True)
class Waiting:
    """The refused copies of one master order, and the event their new decision is made from
    (the placement, or the order's last move; None: the order is gone, the refusals stand)."""

    event: MasterEvent | None
    ids: set[str] = field(default_factory=set)
