"""How an executor recognises a command it already carried out when it has no memory of the id
(protocol §14 steps 4 and 5): its own copies found by comment after a restart, and the copy's
state set against the command's before-state — a close, SL/TP change, pending move or delete
whose copy is already as the command leaves it, and on netting accounts a deal whose copy's
deals already come to the volume after it."""

from __future__ import annotations

from collections import defaultdict

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    MarginMode,
    Retcode,
    SymbolSpec,
    already_done_text,
    leg_copy,
    parse_copy_comment,
)
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.execution import ExecutorBase
from copier.testbed.broker.records import DealType, OrderState, SimOrder, SimPosition
from copier.testbed.broker.validation import normalize_volume

_EPS = 1e-9
_MAX_RENUMBERS = 1000  # partial closes of one position followed, at most


class Recognition(ExecutorBase):
    """Finding copies and commands already carried out, for ``SimExecutor``'s handlers."""

    def __init__(
        self, broker: SimBroker, slave_id: str, *, max_retries: int = 3, memory: int = 100_000
    ) -> None:
        super().__init__(broker, slave_id, max_retries=max_retries, memory=memory)
        # The account's deal history summed per (symbol, comment, magic), buys positive, read
        # as it grows: what the terminal's history says, so a restart keeps it.
        self._deal_net: defaultdict[tuple[str, str, int], float] = defaultdict(float)
        self._deals_read = 0

    def _already_held(self, cmd: Command, *, orders: bool) -> ExecutionResult | None:
        """DUPLICATE if the account already holds this command's copy from before a restart."""
        hedging = self._broker.margin_mode is MarginMode.HEDGING
        found: list[tuple[int, float, float, float, float]] = []
        if hedging:
            found += [
                (p.ticket, p.volume, p.price_open, p.sl, p.tp)
                for p in self._broker.positions(cmd.symbol)
                if self._is_copy(cmd, p.comment, p.magic, p.ticket)
            ]
        if orders:
            found += [
                (o.ticket, o.volume_current, o.price_open, o.sl, o.tp)
                for o in self._broker.orders(cmd.symbol)
                if self._is_copy(cmd, o.comment, o.magic, o.ticket)
            ]
        found.sort()
        if len(found) <= cmd.leg:
            return None
        ticket, volume, price, sl, tp = found[cmd.leg]
        return self._result(
            cmd,
            Retcode.DUPLICATE,
            f"{cmd.symbol}: master #{cmd.comment_ticket} is already copied as #{ticket} — "
            "not opened twice",
            ticket=ticket,
            volume=volume,
            price=price,
            sl=sl,
            tp=tp,
        )

    def _pending_copy(self, cmd: Command) -> int | None:
        """The order a pending command acts on: ``slave_ticket``, or when the placement's result
        had not reached the copier, the copy found by its comment and leg among the symbol's
        pending orders and, on hedging accounts, the positions such copies filled into (they keep
        the order's ticket and comment). None: no such copy."""
        if cmd.slave_ticket is not None:
            return cmd.slave_ticket
        held: list[SimOrder | SimPosition] = list(self._broker.orders(cmd.symbol))
        if self._broker.margin_mode is MarginMode.HEDGING:
            held += self._broker.positions(cmd.symbol)
        copy = leg_copy(cmd, held)
        return copy.ticket if copy is not None else None

    # --- already done: the command's before-state (protocol §14 step 5) -------------------------

    def _already_done(
        self,
        cmd: Command,
        what: str,
        *,
        ticket: int | None,
        volume: float = 0.0,
        price: float = 0.0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> ExecutionResult:
        """DUPLICATE: the copy is already as ``cmd`` leaves it, so nothing is traded again."""
        return self._result(
            cmd,
            Retcode.DUPLICATE,
            already_done_text(cmd, what),
            ticket=ticket,
            volume=volume,
            price=price,
            sl=sl,
            tp=tp,
        )

    def _closed_already(
        self, cmd: Command, pos: SimPosition | ExecutionResult
    ) -> ExecutionResult | None:
        """A CLOSE whose copy holds no more than the volume it leaves (a full close: whose copy is
        gone) was already done. ``pos`` is the copy, or why none was found."""
        if cmd.before is None:
            return None
        after = cmd.volume_after
        took = cmd.before.volume - after
        if isinstance(pos, ExecutionResult):
            if after > _EPS:
                return None  # a partial close whose copy is gone altogether: not this close
            gone = f"#{cmd.slave_ticket}" if cmd.slave_ticket else "the copy"
            return self._already_done(
                cmd, f"{gone} is already closed", ticket=cmd.slave_ticket, volume=took
            )
        if pos.volume > after + _EPS:
            return None
        return self._already_done(
            cmd,
            f"#{pos.ticket} already holds {pos.volume:g} of the {cmd.before.volume:g} lots "
            f"it had before closing {took:g}",
            ticket=pos.ticket,
            volume=took,
            sl=pos.sl,
            tp=pos.tp,
        )

    def _dealt_already(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult | None:
        """Netting: an OPEN or FILL_PENDING (adds on its side) or CLOSE (takes away) whose copy's
        deals already come to the volume after it. A netting position is shared by every copy on
        the symbol, so a copy is measured by the deals that carry its comment and magic."""
        if cmd.before is None or self._broker.margin_mode is not MarginMode.NETTING:
            return None
        now = self._dealt(cmd)
        asked = normalize_volume(spec, cmd.volume) if cmd.volume > 0 else 0.0
        if cmd.kind is CommandKind.CLOSE:
            asked = asked or cmd.before.volume
            done = now <= cmd.before.volume - asked + _EPS
        else:
            done = now >= cmd.before.volume + asked - _EPS
        if not done:
            return None
        held = self._broker.positions(cmd.symbol)
        return self._already_done(
            cmd,
            f"the deals of this copy of master #{cmd.comment_ticket} already come to {now:g} "
            f"lots {cmd.order_type.side.value}, {cmd.before.volume:g} before this "
            f"{cmd.kind.value} of {asked:g}",
            ticket=held[0].ticket if held else None,
            volume=asked,
        )

    def _dealt(self, cmd: Command) -> float:
        """The net volume of the deals on the command's symbol carrying its copy's comment and
        magic, counted on the command's side: what the copy adds to a netting position."""
        fresh = self._broker.history_deals_from(self._deals_read)
        self._deals_read += len(fresh)
        for deal in fresh:
            if deal.deal_type in (DealType.BUY, DealType.SELL):
                sign = 1.0 if deal.deal_type is DealType.BUY else -1.0
                self._deal_net[(deal.symbol, deal.comment, deal.magic)] += sign * deal.volume
        if cmd.comment:
            net = self._deal_net.get((cmd.symbol, cmd.comment, cmd.magic), 0.0)
        else:
            net = sum(
                volume
                for (symbol, comment, magic), volume in self._deal_net.items()
                if symbol == cmd.symbol and _names_copy(cmd, comment, magic)
            )
        return net * cmd.order_type.side.sign

    def _rest_of(self, ticket: int) -> SimPosition | None:
        """The open remainder of position ``ticket`` after MT4 partial closes renumbered it: each
        closed part stays in history under its old ticket with the comment ``to #<new ticket>``
        (the remainder's says ``from #<old ticket>``), followed to the one still open."""
        for _ in range(_MAX_RENUMBERS):
            record = self._broker.history_order(ticket)
            if record is None or not record.comment.startswith("to #"):
                return None
            digits = record.comment[4:]
            if not digits.isdigit():
                return None
            ticket = int(digits)
            rest = self._broker.position(ticket)
            if rest is not None:
                return rest
        return None

    def _is_copy(self, cmd: Command, comment: str, magic: int, ticket: int) -> bool:
        return ticket not in self._made and _names_copy(cmd, comment, magic)

    def _netting_fill(self, cmd: Command, ticket: int) -> ExecutionResult | None:
        """On a netting account a filled copy went into the symbol's one position, which later
        deals may have reduced, reversed or closed: the fill is this copy's contribution either
        way, so it is adopted as done — opening again would double it."""
        record = self._broker.history_order(ticket)
        if record is None or record.state is not OrderState.FILLED:
            return None
        held = self._broker.positions(cmd.symbol)
        now = f"now #{held[0].ticket}" if held else "now flat"
        return self._result(
            cmd,
            Retcode.DONE,
            f"{cmd.symbol}: order #{ticket} had filled into the netting position ({now})",
            ticket=held[0].ticket if held else None,
            volume=record.volume_initial,
            price=record.price_open,
        )

    def _pending_gone(self, cmd: Command) -> ExecutionResult:
        """A change to a copy that is no longer pending. If the slave's market filled it first,
        there is nothing to change: the master's own fill (or deletion) will follow it."""
        record = self._broker.history_order(cmd.slave_ticket) if cmd.slave_ticket else None
        if record is not None and record.state is OrderState.FILLED:
            return self._result(
                cmd,
                Retcode.NO_CHANGES,
                f"{cmd.symbol}: order #{cmd.slave_ticket} has already filled on this account; "
                "the change of the master's pending order is not applied",
                ticket=cmd.slave_ticket,
            )
        return self._result(
            cmd,
            Retcode.INVALID_ORDER,
            f"{cmd.symbol}: order #{cmd.slave_ticket} is no longer pending (deleted or expired)",
            ticket=cmd.slave_ticket,
        )

    def _gone(self, cmd: Command, ticket: int | None, what: str) -> ExecutionResult:
        """A DELETE_PENDING with nothing left to delete: done before if it said the order was
        there (DUPLICATE), else nothing to do (DONE)."""
        if cmd.before is not None:
            return self._already_done(cmd, what, ticket=ticket)
        return self._result(cmd, Retcode.DONE, f"{cmd.symbol}: {what}", ticket=ticket)


def _names_copy(cmd: Command, comment: str, magic: int) -> bool:
    """Whether an order, position or deal with this comment and magic is ``cmd``'s copy's."""
    return (
        parse_copy_comment(comment) == cmd.comment_ticket
        and magic == cmd.magic
        and (not cmd.comment or comment == cmd.comment)
    )


def same_prices(spec: SymbolSpec, have: tuple[float, ...], want: tuple[float, ...]) -> bool:
    """Prices equal to within half a point (what the trade server would round them to)."""
    return all(abs(h - w) < spec.point / 2 for h, w in zip(have, want, strict=True))
