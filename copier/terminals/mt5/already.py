"""How the MT5 executor sees that a command was already carried out when nobody remembers its id
(protocol §14 steps 4 and 5): its own copies found by comment, and the copy's state set against
the command's before-state (``Command.before``, the ``was_*`` fields).

* **Step 4**, hedging accounts (and pending orders on netting ones): an OPEN, PLACE_PENDING or
  FILL_PENDING whose copy the account already holds — the ``leg``-th, by ticket, of the positions
  (orders) carrying its comment and magic that this executor did not create since it started.
  Only the tickets its own OPEN, PLACE_PENDING and FILL_PENDING results named are in that set
  (``made``); a ticket it only changed is an older copy a resend must still find.
* **Step 5**, commands with a before-state: a CLOSE whose copy holds no more than the volume it
  leaves (a full close: whose copy is gone), a MODIFY whose position already has its stops, a
  MODIFY_PENDING whose order already has its price and stops, a DELETE_PENDING whose order is
  gone. On a netting account a copy is a share of the symbol's one position, so an OPEN, CLOSE
  or FILL_PENDING is measured by the deals in the account's history that carry its comment and
  magic: buys plus, sells minus, on the command's side.

Each answers 19003 (already done) with the copy's ticket, and nothing is traded again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    Retcode,
    already_done_text,
    leg_copy,
)
from copier.terminals.mt5.session import Session, side_of
from copier.terminals.mt5.steps import TradeSteps, normalise_volume, snap, stops_from

_EPS = 1e-9
DEAL_TYPE_BUY = 0
DEAL_TYPE_SELL = 1
CREATING = frozenset({CommandKind.OPEN, CommandKind.PLACE_PENDING, CommandKind.FILL_PENDING})
RELIST_S = 60  # deals read again from this long before the newest counted
_DEALS = frozenset({CommandKind.OPEN, CommandKind.CLOSE, CommandKind.FILL_PENDING})


class AlreadyDone(TradeSteps):
    """The checks of §14 steps 4 and 5, shared by the market and pending-order handlers."""

    def __init__(
        self, session: Session, clock: Callable[[], int], shared: AlreadyDone | None = None
    ) -> None:
        super().__init__(session, clock)
        # The tickets this executor's own OPEN, PLACE_PENDING and FILL_PENDING results named
        # since it started (shared by the handlers; forgotten with the process).
        self.made: set[int] = set() if shared is None else shared.made
        self.tally: DealTally = DealTally(session) if shared is None else shared.tally

    def note(self, command: Command, result: ExecutionResult) -> None:
        """Keep the ticket a creating command's own result named (not a duplicate's)."""
        if (
            command.kind in CREATING
            and result.slave_ticket
            and result.ok
            and result.retcode != Retcode.DUPLICATE
        ):
            self.made.add(result.slave_ticket)

    def done(
        self,
        command: Command,
        what: str,
        ticket: int | None,
        volume: float = 0.0,
        price: float = 0.0,
        *,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> ExecutionResult:
        return self.result(
            command,
            Retcode.DUPLICATE,
            already_done_text(command, what),
            ticket,
            volume,
            price,
            sl=sl,
            tp=tp,
        )

    # --- step 4 ---------------------------------------------------------------------------------

    def held(self, command: Command, *, orders: bool) -> ExecutionResult | None:
        """DUPLICATE when the account already holds this command's copy from before a restart
        (hedging positions; with ``orders`` also pending orders, on any account)."""
        found: list[Any] = []
        if self.session.hedging:
            found += self.session.call("positions_get", symbol=command.symbol) or ()
        if orders:
            found += [
                o
                for o in self.session.call("orders_get", symbol=command.symbol) or ()
                if 2 <= o.type <= 5
            ]
        copy = leg_copy(command, [f for f in found if f.ticket not in self.made and self._named(
            command, f.comment)])  # fmt: skip
        if copy is None:
            return None
        pending = hasattr(copy, "volume_current")
        volume = copy.volume_current if pending else copy.volume
        return self.result(
            command,
            Retcode.DUPLICATE,
            f"{command.symbol}: master #{command.comment_ticket} is already copied as "
            f"#{copy.ticket} — not opened twice",
            copy.ticket,
            volume,
            copy.price_open,
            sl=copy.sl,
            tp=copy.tp,
        )

    def _named(self, command: Command, comment: str) -> bool:
        return not command.comment or comment == self._comment(command)

    # --- step 5 ---------------------------------------------------------------------------------

    def closed(self, command: Command, position: Any) -> ExecutionResult | None:
        """A hedging CLOSE whose copy (``position``, None when gone) already holds no more than
        the volume the close leaves: a full close whose copy is gone, or a partial close whose
        copy is down to the remainder. The volume reported is ``was_vol`` less what is left. A
        partial close whose copy is gone altogether is not this close (it answers 10036 as
        before)."""
        if command.before is None:
            return None
        was, after = command.before.volume, command.volume_after
        if position is None:
            if after > _EPS:
                return None
            gone = f"#{command.slave_ticket}" if command.slave_ticket else "the copy"
            return self.done(command, f"{gone} is already closed", command.slave_ticket, was)
        if position.volume > after + _EPS:
            return None
        took = round(max(was - position.volume, 0.0), 8)
        return self.done(
            command,
            f"#{position.ticket} already holds {position.volume:g} of the {was:g} lots it had "
            f"before closing {was - after:g}",
            position.ticket,
            took,
            sl=position.sl,
            tp=position.tp,
        )

    def stops_set(self, command: Command, position: Any, info: Any) -> ExecutionResult | None:
        """A MODIFY whose position already has the stops it sets (to within half a point)."""
        if command.before is None:
            return None
        sl, tp = stops_from(command, info, side_of(position.type), position.price_open)
        if not _same(info, (position.sl, position.tp), (sl, tp)):
            return None
        return self.done(
            command,
            f"#{position.ticket} already has SL {sl:.{info.digits}f} TP {tp:.{info.digits}f}",
            position.ticket,
            sl=sl,
            tp=tp,
        )

    def order_set(
        self, command: Command, order: Any, info: Any, wanted: tuple[float, float, float]
    ) -> ExecutionResult | None:
        """A MODIFY_PENDING whose order already has the price and stops it sets."""
        have = (order.price_open, order.sl, order.tp)
        if command.before is None or not _same(info, have, wanted):
            return None
        return self.done(
            command,
            f"order #{order.ticket} is already at {wanted[0]:.{info.digits}f}",
            order.ticket,
            order.volume_current,
            wanted[0],
            sl=wanted[1],
            tp=wanted[2],
        )

    def dealt(self, command: Command) -> ExecutionResult | None:
        """Netting: an OPEN or FILL_PENDING (adds on its side) or CLOSE (takes away) whose copy's
        deals already come to the volume after it."""
        if command.before is None or self.session.hedging or command.kind not in _DEALS:
            return None
        info = self.session.spec(command.symbol)
        asked = normalise_volume(command.volume, info) if command.volume > 0 else 0.0
        now = self.deal_sum(command)
        if command.kind is CommandKind.CLOSE:
            asked = asked or command.before.volume
            finished = now <= command.before.volume - asked + _EPS
        else:
            finished = now >= command.before.volume + asked - _EPS
        if not finished:
            return None
        held = self.session.call("positions_get", symbol=command.symbol) or ()
        return self.done(
            command,
            f"the deals of this copy of master #{command.comment_ticket} already come to "
            f"{now:g} lots {command.order_type.side}, {command.before.volume:g} before this "
            f"{command.kind.value} of {asked:g}",
            held[0].ticket if held else None,
            asked,
        )

    def deal_sum(self, command: Command) -> float:
        """The net volume of the account's deals on the command's symbol that carry its copy's
        comment and magic, counted on the command's side."""
        net = self.tally.net(command.symbol, self._comment(command), command.magic)
        return round(net * command.order_type.side.sign, 8)

    def gone(self, command: Command, what: str) -> ExecutionResult:
        """A DELETE_PENDING with nothing left to delete: done before when it said the order was
        there (DUPLICATE), else there was nothing to do (DONE)."""
        if command.before is not None:
            return self.done(command, what, command.slave_ticket)
        return self.result(command, Retcode.DONE, f"{command.symbol}: {what}",
                           command.slave_ticket)  # fmt: skip


def _same(info: Any, have: tuple[float, ...], want: tuple[float, ...]) -> bool:
    """Prices equal to within half a point (what the trade server would round them to);
    ``want`` is put on the symbol's tick grid first, as a request would be."""
    return all(abs(h - snap(w, info)) < info.point / 2 for h, w in zip(have, want, strict=True))


class DealTally:
    """The account's deal history summed per (symbol, comment, magic), buys plus and sells
    minus, read as it grows: all of it once, then only what is new (a long run's netting slave
    would otherwise read its whole history for every command). Deals are read again from a
    minute before the newest one counted, as a terminal may list a deal a moment late, and each
    is counted once, by ticket."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._net: defaultdict[tuple[str, str, int], float] = defaultdict(float)
        self._counted: set[int] = set()
        self._newest_s: dict[str, int] = {}  # per symbol: the newest deal counted, server time

    def net(self, symbol: str, comment: str, magic: int) -> float:
        since = max(0, self._newest_s.get(symbol, 0) - RELIST_S)
        # The group mask narrows the read to the symbol, unless its name holds mask characters
        # (https://www.mql5.com/en/docs/python_metatrader5/mt5historydealsget_py, ``group``).
        mask = {} if any(c in symbol for c in ",!*?[") else {"group": symbol}
        deals = self.session.call(
            "history_deals_get", since, self.session.mt5_time_horizon(), **mask
        )
        for deal in deals or ():
            if deal.symbol != symbol or deal.ticket in self._counted:
                continue
            self._counted.add(deal.ticket)
            self._newest_s[symbol] = max(self._newest_s.get(symbol, 0), int(deal.time))
            if deal.type in (DEAL_TYPE_BUY, DEAL_TYPE_SELL):
                sign = 1.0 if deal.type == DEAL_TYPE_BUY else -1.0
                self._net[(symbol, deal.comment, deal.magic)] += sign * deal.volume
        return self._net.get((symbol, comment, magic), 0.0)
