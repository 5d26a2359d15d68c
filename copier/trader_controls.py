"""The trader's controls that act without a master event, and what of them survives a restart.

``TraderControls`` belongs to the copy service. It owns:

* the global stop switch and the trading clock, stored (``copier.store.traderstate``) and
  restored, so a trader who stopped copying finds it stopped after a reboot;
* risk stops: on every account update of a slave (a snapshot, an EA ``account`` frame, an MT5
  poll, the simulated terminal's status) each link into it is checked against its daily loss,
  drawdown, equity floor and daily profit target (``protection.risk_breach``). A breach sets a
  ``RiskStop`` that holds for the rest of the trading day (or until the trader lifts it); with
  the close_all action every copy of the link is closed in that same update. The stop is stored
  with the sweep's commands in one transaction, logged in the trade log as a denial with its
  reason, and published on the bus (the window's notifications);
* "close all copies now" of a link or a slave, asked for from the window or from the command
  line (``copier close-all``, which stores a request the running copier takes within a second);
* copying what a master already holds when a link is created or enabled again
  (``copier.engine.existing``): stored as a request, decided as one batch stored in one
  transaction with the request marked done — a restart in between redoes the whole batch with
  the same command ids, never a second copy — and, for pending copies of master positions, a
  watch that follows their fill and deletes them at their expiry.

Sweeps go through the outbox like every command. Their ids are stable: ``L<link>-T<ticket>-
S<n>`` with ``n`` the stop's start time or the request's number (milliseconds, far above any
master event's seq), so a sweep redone after a crash resends the same ids and executors drop
the repeats; a copy already CLOSING is never swept twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from copier.engine.book import legs_of, live
from copier.engine.config import CopyExisting, DrawdownAction, Link, LinkRules
from copier.engine.copies import close_all_copies
from copier.engine.existing import copy_existing, follow_existing_pending
from copier.engine.protection import risk_breach
from copier.engine.router import merge
from copier.engine.state import CopyDenied, RiskStop, RouteOutcome
from copier.engine.tradingday import TradingClock
from copier.store import traderstate as ts

if TYPE_CHECKING:
    from copier.service import CopyService

log = logging.getLogger(__name__)
KEEP_DONE_MS = 86_400_000  # a done close-all request is forgotten a day later
MARKS_EVERY_MS = 5_000  # a rising equity peak is stored at most this often per account


@dataclass(frozen=True, slots=True)
class CloseAllRequest:
    """"Close all copies" of one link or of every link into one slave."""

    number: int  # unique, in milliseconds: the sweep's command ids are made from it
    link_id: int | None = None
    slave_id: str | None = None
    actor: str = "user"

    @property
    def key(self) -> str:
        return f"{ts.CLOSE_ALL}{self.number}"

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "link_id": self.link_id, "slave_id": self.slave_id,
                "actor": self.actor}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CloseAllRequest:
        link_id = data.get("link_id")
        return cls(int(data["number"]), None if link_id is None else int(link_id),
                   data.get("slave_id"), str(data.get("actor", "user")))  # fmt: skip

    def describe(self) -> str:
        return f"link #{self.link_id}" if self.link_id is not None else f"slave {self.slave_id}"


class TraderControls:
    def __init__(self, service: CopyService) -> None:
        self._service = service
        self.stops: dict[int, RiskStop] = {}
        self._saved: dict[str, tuple[int | None, int]] = {}  # account → (day, when) last stored
        self._unsaved: dict[str, dict[str, Any]] = {}  # account → marks not stored yet
        self._watched: dict[str, list[Link]] | None = None  # slave id → links watching equity

    # ----- restart ------------------------------------------------------------------------
    def restore(self) -> None:
        """Put back what the trader set before the restart (call before terminals start)."""
        service = self._service
        state = service.store.load_trader_state()
        copying = state.get(ts.COPYING)
        if copying is not None:
            service.copying_enabled = bool(copying.get("enabled", True))
        clock = state.get(ts.TRADING_CLOCK)
        if clock is not None:
            service.views.clock = TradingClock.from_dict(clock)
        marks = {key.removeprefix(ts.EQUITY_MARKS): value for key, value in state.items()
                 if key.startswith(ts.EQUITY_MARKS)}  # fmt: skip
        service.views.restore_marks(marks)
        for key, value in state.items():
            if key.startswith(ts.RISK_STOP):
                stop = RiskStop.from_dict(value)
                self.stops[stop.link_id] = stop

    def save_copying(self, enabled: bool) -> None:
        self._service.store.save_trader_state({ts.COPYING: {"enabled": enabled}})

    def set_clock(self, clock: TradingClock) -> None:
        self._service.views.clock = clock
        self._service.store.save_trader_state({ts.TRADING_CLOCK: clock.to_dict()})

    def save_marks(self, account_id: str, marks: dict[str, Any]) -> None:
        """Store an account's new equity marks: a new trading day at once, a new peak at most
        every ``MARKS_EVERY_MS`` (the rest waits in ``_unsaved`` for the next look or the stop)."""
        now = self._service.clock()
        saved_day, saved_ms = self._saved.get(account_id, (None, 0))
        if marks["day"] == saved_day and now - saved_ms < MARKS_EVERY_MS:
            self._unsaved[account_id] = marks
            return
        self._unsaved.pop(account_id, None)
        self._saved[account_id] = (marks["day"], now)
        self._service.store.save_trader_state({f"{ts.EQUITY_MARKS}{account_id}": marks})

    def flush_marks(self, *, all_of_them: bool = False) -> None:
        now = self._service.clock()
        for account_id, marks in list(self._unsaved.items()):
            if all_of_them or now - self._saved.get(account_id, (None, 0))[1] >= MARKS_EVERY_MS:
                self._saved[account_id] = (marks["day"], 0)  # due: written below
                self.save_marks(account_id, marks)

    # ----- risk stops ---------------------------------------------------------------------
    def stops_of(self, slave_id: str, now_ms: int) -> dict[int, RiskStop]:
        """The stops in force today on the links into ``slave_id``, by link id."""
        if not self.stops:
            return {}  # the usual case, asked for every link of every event
        today = self._service.views.clock.trading_day(now_ms)
        links = self._service.links
        return {link_id: stop for link_id, stop in self.stops.items()
                if stop.trading_day == today and link_id in links
                and links[link_id].slave_id == slave_id}  # fmt: skip

    def lift(self, link_id: int) -> bool:
        """The trader lifts a link's risk stop (copying resumes by its rules)."""
        stop = self.stops.pop(link_id, None)
        if stop is None:
            return False
        self._service.store.save_trader_state({f"{ts.RISK_STOP}{link_id}": None})
        self._service.store.audit("user", "risk_stop.lifted", {"link_id": link_id,
                                                               "rule": stop.rule})  # fmt: skip
        return True

    def watched(self, slave_id: str) -> list[Link]:
        """The enabled links into ``slave_id`` that have a risk limit to watch (an index kept
        until the links change: every EA heartbeat asks)."""
        if self._watched is None:
            index: dict[str, list[Link]] = {}
            for link in self._service.links.values():
                if link.enabled and watches_equity(link.rules):
                    index.setdefault(link.slave_id, []).append(link)
            self._watched = index
        return self._watched.get(slave_id, [])

    def links_changed(self) -> None:
        self._watched = None

    async def on_account(self, slave_id: str) -> None:
        """An account update of ``slave_id``: set the stops its links' limits call for."""
        for link in self.watched(slave_id):
            async with self._service.master_lock(link.master_id):
                await self._check(link)

    async def _check(self, link: Link) -> None:
        service = self._service
        now = service.clock()
        today = service.views.clock.trading_day(now)
        current = self.stops.get(link.id)
        if current is not None and current.trading_day == today:
            return  # already stopped today: the sweep, if any, was done when it was set
        slave = service.views.slave_view(link.slave_id)
        if slave is None or slave.day_start_equity <= 0:
            return
        breach = risk_breach(link.rules, slave)
        if breach is None:
            return
        rule, why, action = breach
        words = {DrawdownAction.STOP_OPENING: "opening stopped",
                 DrawdownAction.CLOSE_ONLY: "link is close-only",
                 DrawdownAction.CLOSE_ALL: "closing all copies"}[action]  # fmt: skip
        stop = RiskStop(link.id, rule, why, action, today, now)
        denial = CopyDenied(link.id, link.slave_id, 0, 0, rule, f"{why} — {words}")
        sweep = [link] if action is DrawdownAction.CLOSE_ALL else []
        self.stops[link.id] = stop
        log.warning("link #%d (%s → %s): %s", link.id, link.master_id, link.slave_id,
                    denial.reason)
        await self.sweep(sweep, stop.since_ms, (denial,),
                            {f"{ts.RISK_STOP}{link.id}": stop.to_dict()})  # fmt: skip

    async def after_refresh(self, *, take_requests: bool) -> None:
        """Every snapshot refresh is an account update of every slave; now and then, also look
        for close-all requests the command line stored."""
        for slave_id in {link.slave_id for link in self._service.links.values()}:
            await self.on_account(slave_id)
        self.flush_marks()
        if take_requests:
            try:
                await self.follow_existing()
                await self.take_requests()
            except Exception:  # a request that cannot be done now is tried again
                log.exception("close-all requests not taken")

    async def sweep(
        self,
        links: list[Link],
        number: int,
        denials: tuple[CopyDenied, ...],
        state: ts.Changes,
    ) -> int:
        """Close every copy of ``links`` (ids made from ``number``) with ``denials`` and the
        trader-state changes (``CopyService.commit``); call it holding the master's lock."""
        service = self._service
        outcome = merge(*sweep_outcomes(service, links, number))
        master_id = next((lk.master_id for lk in links), "")
        if not master_id and denials:
            master_id = service.links[denials[0].link_id].master_id
        return await service.commit(master_id, outcome, denials, state)

    # ----- close all copies now -----------------------------------------------------------
    async def take_requests(self) -> None:
        """Do the close-all requests stored (by the window or the command line), each once;
        forget those done more than a day ago."""
        service = self._service
        requests = service.store.load_trader_state(ts.CLOSE_ALL)
        old = service.clock() - KEEP_DONE_MS
        stale = {key: None for key, value in requests.items() if 0 < value.get("done_ms", 0) < old}
        if stale:
            service.store.save_trader_state(stale)
        for key, value in sorted(requests.items()):
            if not value.get("done_ms"):
                await self.close_all(CloseAllRequest.from_dict(value), key=key)
        existing = service.store.load_trader_state(ts.COPY_EXISTING)
        for key, value in sorted(existing.items()):
            if not value.get("done_ms"):
                await self.copy_existing(key, value)

    async def close_all(self, request: CloseAllRequest, *, key: str | None = None) -> int:
        """Close every copy of the request's link(s); returns how many commands went out. The
        request is marked done in the transaction that stores the last link's commands — unless
        a slave has no view yet (its terminal is not connected): then it stays stored, and the
        copies of that slave are closed once it is back (swept copies are never swept again)."""
        service = self._service
        links = self._links_of(request)
        waiting = [lk for lk in links if service.views.slave_view(lk.slave_id) is None]
        ready = [lk for lk in links if lk not in waiting]
        done = {key or request.key: {**request.to_dict(), "done_ms": service.clock()}}
        sent = 0
        for index, link in enumerate(ready):
            last = index == len(ready) - 1 and not waiting
            async with service.master_lock(link.master_id):
                sent += await self.sweep([link], request.number, (), done if last else {})
        if not ready and not waiting:
            await service.store.save_trader_state(done)
        if waiting:
            slaves = ", ".join(sorted({lk.slave_id for lk in waiting}))
            log.warning("close all copies of %s: %s not connected; closed when it is back",
                        request.describe(), slaves)
        log.info("close all copies of %s: %d commands sent", request.describe(), sent)
        service.store.audit(request.actor, "copies.close_all",
                            {**request.to_dict(), "commands": sent})  # fmt: skip
        return sent

    # ----- copy what the master already holds -----------------------------------------------
    async def link_enabled(self, link: Link) -> None:
        """A link was created or enabled again: copy what its master holds, as it says."""
        if link.rules.copy_existing is CopyExisting.IGNORE:
            return
        number = self._service.clock()
        request = {"link_id": link.id, "number": number}
        await self._service.store.save_trader_state({f"{ts.COPY_EXISTING}{number}": request})
        await self.copy_existing(f"{ts.COPY_EXISTING}{number}", request)

    async def copy_existing(self, key: str, request: Mapping[str, Any]) -> int:
        """Decide and send one copy-existing batch; returns how many commands went out. The
        request waits while the master or the slave has no view (not connected)."""
        service = self._service
        link = service.links.get(int(request["link_id"]))
        done = {key: {**request, "done_ms": service.clock()}}
        if link is None or not link.enabled:
            await service.store.save_trader_state(done)
            return 0
        await service.views.refresh([link.master_id])
        await service.views.refresh_quotes([link.slave_id])
        async with service.master_lock(link.master_id):
            master = service.views.master_view(link.master_id)
            snap = service.views.snapshot(link.master_id)
            now = service.clock()
            slave = service.views.slave_view(link.slave_id, self.stops_of(link.slave_id, now))
            if master is None or snap is None or slave is None:
                log.warning("link #%d: what the master holds is copied once both accounts are "
                            "connected", link.id)  # fmt: skip
                return 0
            number = int(request["number"])
            outcome = copy_existing(link, service.ledger_book(link.id), master,
                                    (snap.positions, snap.orders), slave, now, number)  # fmt: skip
            held = {p.ticket for p in snap.positions}
            expires = now + link.rules.copy_existing_expiry_min * 60_000
            watches: dict[str, dict[str, Any] | None] = {
                f"{ts.EXISTING_PENDING}{link.id}:{t.master_ticket}":
                    {"link_id": link.id, "ticket": t.master_ticket, "number": number,
                     "expires_ms": expires}
                for t in outcome.tickets if t.is_pending and t.master_ticket in held
            }  # fmt: skip
            prices = {p.ticket: p.open_price for p in snap.positions}
            prices.update({o.ticket: o.price for o in snap.orders})
            sent = await service.commit(link.master_id, outcome, state={**done, **watches},
                                        master_prices=prices)  # fmt: skip
        log.info("link #%d: %d copies of what the master holds sent (%s)", link.id, sent,
                 link.rules.copy_existing.value)  # fmt: skip
        return sent

    async def follow_existing(self) -> None:
        """Pending copies of master positions: follow their fill, delete them at expiry."""
        service = self._service
        watched = service.store.load_trader_state(ts.EXISTING_PENDING)
        for key, watch in watched.items():
            link = service.links.get(int(watch["link_id"]))
            ticket = int(watch["ticket"])
            legs = legs_of(service.ledger_book(link.id), ticket) if link is not None else ()
            if link is None or not live(legs):
                await service.store.save_trader_state({key: None})
                continue
            snap = service.views.snapshot(link.master_id)
            slave = service.views.slave_view(link.slave_id)
            if snap is None or slave is None:
                continue
            position = next((p for p in snap.positions if p.ticket == ticket), None)
            now = service.clock()
            async with service.master_lock(link.master_id):
                outcome = follow_existing_pending(link, legs, position, slave,
                                                  now >= int(watch["expires_ms"]), now,
                                                  int(watch["number"]))  # fmt: skip
                if outcome.commands:
                    await service.commit(link.master_id, outcome, state={key: None})

    def _links_of(self, request: CloseAllRequest) -> list[Link]:
        links = self._service.links.values()
        if request.link_id is not None:
            return [lk for lk in links if lk.id == request.link_id]
        return [lk for lk in links if lk.slave_id == request.slave_id]


def watches_equity(rules: LinkRules) -> bool:
    """Whether a link has a limit an account update can reach."""
    return bool(rules.max_daily_loss_money or rules.max_daily_loss_pct or rules.max_drawdown_pct
                or rules.equity_floor or rules.daily_profit_target_money
                or rules.daily_profit_target_pct)  # fmt: skip


def sweep_outcomes(
    service: CopyService, links: Iterable[Link], number: int
) -> Iterator[RouteOutcome]:
    """Close every live copy of each link (see ``copies.close_all_copies``)."""
    now = service.clock()
    for link in links:
        slave = service.views.slave_view(link.slave_id)
        if slave is None:
            log.warning("%s: no view of the slave yet; its copies are closed when it is back",
                        link.slave_id)
            continue
        yield close_all_copies(link, service.ledger_book(link.id), slave, now, number)
