"""An account's order and deal history, kept the way MT5 keeps it (``history_orders_get`` and
``history_deals_get`` read from here): every market order and filled, cancelled or expired pending
order, and every deal with its entry (in / out / in-out / out-by), price and realised profit."""

from __future__ import annotations

from dataclasses import replace

from copier.domain import OrderType
from copier.testbed.broker.records import (
    DealEntry,
    DealType,
    OrderState,
    SimDeal,
    SimOrder,
    SimPosition,
    Trade,
    deal_type,
)


class History:
    def __init__(self, first_ticket_of_deals: int) -> None:
        self.orders: dict[int, SimOrder] = {}
        self.deals: list[SimDeal] = []
        self._next_deal = first_ticket_of_deals  # deals are numbered apart from orders, as in MT5
        # Deals by their order's ticket and by position: a terminal asked for one order's or one
        # position's deals answers without going through the whole history.
        self._by_order: dict[int, list[SimDeal]] = {}
        self._by_position: dict[int, list[SimDeal]] = {}

    def deals_of(self, *, order: int | None = None, position: int | None = None) -> list[SimDeal]:
        """The deals of one order (``order``) or one position (``position``), oldest first."""
        if order is not None:
            return self._by_order.get(order, [])
        return self._by_position.get(position or 0, [])

    def deposit(self, amount: float, time_msc: int) -> int:
        return self._append(
            SimDeal(
                ticket=0,
                order=0,
                symbol="",
                deal_type=DealType.BALANCE,
                entry=DealEntry.IN,
                volume=0.0,
                price=0.0,
                profit=round(amount, 2),
                position_id=0,
                time_msc=time_msc,
                comment="Deposit",
            )
        )

    def deal(
        self,
        trade: Trade,
        order: int,
        entry: DealEntry,
        volume: float,
        profit: float,
        position_id: int,
        closed: SimPosition | None = None,
    ) -> int:
        # A closing deal carries the position's magic, as the trade server does for SL/TP hits.
        magic = closed.magic if closed is not None and not trade.magic else trade.magic
        return self._append(
            SimDeal(
                ticket=0,
                order=order,
                symbol=trade.symbol,
                deal_type=deal_type(trade.side),
                entry=entry,
                volume=round(volume, 8),
                price=trade.price,
                profit=round(profit, 2),
                position_id=position_id,
                time_msc=trade.time_msc,
                magic=magic,
                comment=trade.comment,
                reason=trade.reason,
            )
        )

    def record_order(
        self, ticket: int, trade: Trade, order_type: OrderType, position_id: int, by: int = 0
    ) -> None:
        """The filled market order behind a deal."""
        # setdefault: an MT4 close reuses the trade's ticket, whose record is already there.
        self.orders.setdefault(
            ticket,
            SimOrder(
                ticket=ticket,
                symbol=trade.symbol,
                order_type=order_type,
                volume_initial=trade.volume,
                volume_current=0.0,
                price_open=trade.price,
                time_setup_msc=trade.time_msc,
                state=OrderState.FILLED,
                sl=trade.sl,
                tp=trade.tp,
                magic=trade.magic,
                comment=trade.comment,
                time_done_msc=trade.time_msc,
                position_id=position_id,
                position_by_id=by,
                price_current=trade.price,
                filling=trade.filling,
                reason=trade.reason,
            ),
        )

    def record_closed_part(
        self, pos: SimPosition, volume: float, new_ticket: int, trade: Trade
    ) -> None:
        """MT4: the closed part of a partial close stays in history under the old ticket."""
        self.orders[pos.ticket] = SimOrder(
            ticket=pos.ticket,
            symbol=pos.symbol,
            order_type=OrderType.market(pos.side),
            volume_initial=volume,
            volume_current=0.0,
            price_open=pos.price_open,
            time_setup_msc=pos.time_msc,
            state=OrderState.FILLED,
            sl=pos.sl,
            tp=pos.tp,
            magic=pos.magic,
            comment=f"to #{new_ticket}",
            time_done_msc=trade.time_msc,
            position_id=pos.ticket,
            price_current=trade.price,
            reason=pos.reason,
        )

    def _append(self, deal: SimDeal) -> int:
        ticket = self._next_deal
        self._next_deal += 1
        made = replace(deal, ticket=ticket)
        self.deals.append(made)
        self._by_order.setdefault(made.order, []).append(made)
        self._by_position.setdefault(made.position_id, []).append(made)
        return ticket
