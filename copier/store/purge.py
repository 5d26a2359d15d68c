"""Removing every trace of a set of accounts (by id prefix): how a new demo run starts clean.

The demo's simulated accounts are called ``demo-…``; a new run must not inherit the previous
run's links, ticket links, unsent commands or log rows, while a trader's real accounts in the
same database stay untouched. A command without a result (a copy row pending or sent: the outbox)
goes only with its link; the log rows matched by account are the finished ones.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, or_, select

from copier.store.models import (
    OUTBOX_STATUSES,
    AccountRow,
    ApiKeyRow,
    EventSeenRow,
    LinkRow,
    TicketLinkRow,
    TradeLogAdjustmentRow,
    TradeLogCopyRow,
    TradeLogDenialRow,
    TradeLogEventRow,
)
from copier.store.store import Store

DEMO_PREFIX = "demo-"  # the demo's accounts; real account ids start with their platform ("mt4:")


def purge_accounts(store: Store, prefix: str) -> int:
    """Delete the accounts whose id starts with ``prefix`` and everything that refers to them;
    return how many links went with them. Call it before the copier starts."""
    if not prefix:
        raise ValueError("an empty prefix would purge every account")
    pattern = prefix.replace("%", r"\%").replace("_", r"\_") + "%"

    def work(conn: Connection, _order: int) -> int:
        links = select(LinkRow.id).where(
            or_(
                LinkRow.master_id.like(pattern, escape="\\"),
                LinkRow.slave_id.like(pattern, escape="\\"),
            )
        )
        link_ids = [row[0] for row in conn.execute(links)]
        if link_ids:
            conn.execute(delete(TicketLinkRow).where(TicketLinkRow.link_id.in_(link_ids)))
            conn.execute(
                delete(TradeLogCopyRow).where(
                    TradeLogCopyRow.link_id.in_(link_ids),
                    TradeLogCopyRow.status.in_(OUTBOX_STATUSES),
                )
            )
            conn.execute(delete(LinkRow).where(LinkRow.id.in_(link_ids)))
        for table in (TradeLogCopyRow, TradeLogDenialRow, TradeLogAdjustmentRow):
            matched = or_(
                table.master_id.like(pattern, escape="\\"),
                table.slave_id.like(pattern, escape="\\"),
            )
            if table is TradeLogCopyRow:  # never a command another link still waits on
                matched = and_(matched, TradeLogCopyRow.status.not_in(OUTBOX_STATUSES))
            conn.execute(delete(table).where(matched))
        conn.execute(
            delete(TradeLogEventRow).where(TradeLogEventRow.account_id.like(pattern, escape="\\"))
        )
        conn.execute(delete(EventSeenRow).where(EventSeenRow.account_id.like(pattern, escape="\\")))
        conn.execute(delete(ApiKeyRow).where(ApiKeyRow.account_id.like(pattern, escape="\\")))
        conn.execute(delete(AccountRow).where(AccountRow.id.like(pattern, escape="\\")))
        return len(link_ids)

    return store.write(work)
