"""Realised P&L summed in SQL for the statistics, per link, slave (or master) symbol and UTC day.

A copied position (a link's fills for one master ticket) realises, close by close,
(close − average open) × side × closed lots. Its average open is the average of all its opens
when every open precedes every close, each close has a size and the closes do not exceed the
opens: then the whole sum is one ``GROUP BY`` over the closes joined with each position's
average. The same holds for a master's own positions, except that an 'increased' event carries
the total after it, not what was added. Positions outside those conditions, and every ticket a
renumbering touched (MT4 partial-close remainders, pendings that became positions), are listed
(``replayed_copies``, ``replayed_masters``) for the statistics to replay row by row.

A link copies from one master: its fills name that master, so a master's close is booked on the
links whose opening fills name the master and the ticket.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, text

from copier.store.statrows import MAX_LISTED, day_text

_FILL = ("c.status = 'executed' AND c.kind IN ('open', 'fill_pending', 'close') "
         "AND c.slave_price IS NOT NULL AND c.slave_price != 0")
_VOLUME = "COALESCE(c.filled_volume, 0.0)"
_FILL_DAY = ("(CASE WHEN c.executed_ms IS NULL OR c.executed_ms = 0 "
             "THEN c.decided_ms ELSE c.executed_ms END) / 86400000")  # days since 1970
_ADDS = "('opened', 'increased', 'pending_filled')"
_CLOSES = "('partially_closed', 'closed')"
_SLACK = "1e-9"  # lots: closes summing to the opens give or take float rounding

_RENUMBERED = f"""
renumbered(account_id, ticket) AS (
    SELECT account_id, ticket FROM trade_log_events
    WHERE kind IN {_ADDS[:-1]}, {_CLOSES[1:]} AND new_ticket IS NOT NULL AND new_ticket != 0
      AND new_ticket != ticket
    UNION
    SELECT account_id, new_ticket FROM trade_log_events
    WHERE kind IN {_ADDS[:-1]}, {_CLOSES[1:]} AND new_ticket IS NOT NULL AND new_ticket != 0
      AND new_ticket != ticket)"""

_POSITIONS = f"""
positions AS (
    SELECT c.link_id, c.master_id, c.master_ticket,
           COUNT(CASE WHEN c.kind != 'close' THEN 1 END) AS opens,
           COALESCE(SUM(CASE WHEN c.kind != 'close' THEN {_VOLUME} END), 0.0) AS open_volume,
           COALESCE(SUM(CASE WHEN c.kind != 'close' THEN c.slave_price * {_VOLUME} END), 0.0)
               AS open_value,
           MAX(CASE WHEN c.kind != 'close' THEN c.decided_ms END) AS last_open_ms,
           COUNT(CASE WHEN c.kind = 'close' THEN 1 END) AS closes,
           COALESCE(SUM(CASE WHEN c.kind = 'close' THEN {_VOLUME} END), 0.0) AS close_volume,
           MIN(CASE WHEN c.kind = 'close' THEN c.decided_ms END) AS first_close_ms,
           COUNT(CASE WHEN c.kind = 'close' AND {_VOLUME} <= 0 THEN 1 END) AS unsized
    FROM trade_log_copies c WHERE {_FILL}
    GROUP BY c.link_id, c.master_id, c.master_ticket),
summed AS (
    SELECT p.link_id, p.master_id, p.master_ticket,
           CASE WHEN p.open_volume > 0 THEN p.open_value / p.open_volume ELSE 0.0 END AS entry
    FROM positions p
    WHERE NOT EXISTS (SELECT 1 FROM renumbered r
                      WHERE r.account_id = p.master_id AND r.ticket = p.master_ticket)
      AND (p.closes = 0 OR (p.opens > 0 AND p.unsized = 0 AND p.last_open_ms < p.first_close_ms
                            AND p.close_volume <= p.open_volume + {_SLACK})))"""

_MASTERS = f"""
masters AS (
    SELECT e.account_id, e.ticket,
           COUNT(CASE WHEN e.kind IN {_ADDS} THEN 1 END) AS adds,
           COALESCE(SUM(CASE WHEN e.kind IN {_ADDS} THEN max(e.volume, 0.0) END), 0.0)
               AS add_volume,
           COALESCE(SUM(CASE WHEN e.kind IN {_ADDS} THEN max(e.volume, 0.0) * e.price END), 0.0)
               AS add_value,
           MAX(CASE WHEN e.kind IN {_ADDS} THEN e.id END) AS last_add_id,
           COUNT(CASE WHEN e.kind = 'increased' THEN 1 END) AS increases,
           COUNT(CASE WHEN e.kind IN {_CLOSES} THEN 1 END) AS closes,
           COALESCE(SUM(CASE WHEN e.kind IN {_CLOSES} THEN COALESCE(e.closed_volume, 0.0) END),
                    0.0) AS close_volume,
           MIN(CASE WHEN e.kind IN {_CLOSES} THEN e.id END) AS first_close_id,
           COUNT(CASE WHEN e.kind IN {_CLOSES} AND COALESCE(e.closed_volume, 0.0) <= 0
                      THEN 1 END) AS unsized
    FROM trade_log_events e WHERE e.kind IN {_ADDS[:-1]}, {_CLOSES[1:]}
    GROUP BY e.account_id, e.ticket),
msummed AS (
    SELECT m.account_id, m.ticket,
           CASE WHEN m.add_volume > 0 THEN m.add_value / m.add_volume ELSE 0.0 END AS entry
    FROM masters m
    WHERE NOT EXISTS (SELECT 1 FROM renumbered r
                      WHERE r.account_id = m.account_id AND r.ticket = m.ticket)
      AND (m.closes = 0 OR (m.adds > 0 AND m.increases = 0 AND m.unsized = 0
                            AND m.last_add_id < m.first_close_id
                            AND m.close_volume <= m.add_volume + {_SLACK})))"""

_COPY_PNL = f"""
WITH {_RENUMBERED}, {_POSITIONS}
SELECT c.link_id, c.slave_id, c.slave_symbol, {_FILL_DAY} AS day, COUNT(*),
       SUM(CASE WHEN c.side = 'buy' THEN 1.0 ELSE -1.0 END * (c.slave_price - s.entry)
           * {_VOLUME})
FROM trade_log_copies c
JOIN summed s ON s.link_id = c.link_id AND s.master_id = c.master_id
             AND s.master_ticket = c.master_ticket
WHERE {_FILL} AND c.kind = 'close'
GROUP BY c.link_id, c.slave_id, c.slave_symbol, day"""

_REPLAYED_COPIES = f"""
WITH {_RENUMBERED}, {_POSITIONS}
SELECT link_id, master_id, master_ticket FROM positions
EXCEPT SELECT link_id, master_id, master_ticket FROM summed"""

_MASTER_PNL = f"""
WITH {_RENUMBERED}, {_MASTERS},
copied AS (SELECT DISTINCT c.link_id, c.master_id, c.master_ticket FROM trade_log_copies c
           WHERE {_FILL} AND c.kind != 'close')
SELECT k.link_id, e.account_id, e.symbol,
       e.decided_ms / 86400000 AS day, COUNT(*),
       SUM(CASE WHEN substr(e.order_type, 1, 3) = 'buy' THEN 1.0 ELSE -1.0 END
           * (e.price - m.entry) * COALESCE(e.closed_volume, 0.0))
FROM trade_log_events e
JOIN msummed m ON m.account_id = e.account_id AND m.ticket = e.ticket
JOIN copied k ON k.master_id = e.account_id AND k.master_ticket = e.ticket
WHERE e.kind IN {_CLOSES}
GROUP BY k.link_id, e.account_id, e.symbol, day"""

_REPLAYED_MASTERS = f"""
WITH {_RENUMBERED}, {_MASTERS}
SELECT account_id, ticket FROM masters EXCEPT SELECT account_id, ticket FROM msummed"""


@dataclass(frozen=True, slots=True)
class PnlSum:
    """Closes realised on one day by one link into one symbol (a slave's, or for a master's own
    trades the master's): how many, and Σ (close − average open) × side × lots, in price units
    times lots (the statistics price it with the symbol's spec)."""

    link_id: int
    account_id: str
    symbol: str
    day: str
    closes: int
    price_lots: float


def copy_pnl(conn: Connection) -> list[PnlSum]:
    """The copies' realised P&L of the positions sums can price, per link, slave symbol, day."""
    return [PnlSum(int(r[0]), str(r[1]), str(r[2]), day_text(int(r[3])), int(r[4]),
                   float(r[5] or 0.0)) for r in conn.execute(text(_COPY_PNL))]


def master_pnl(conn: Connection) -> list[PnlSum]:
    """The masters' realised P&L of the positions sums can price, booked on each link that
    copied the position, per link, master symbol and day."""
    return [PnlSum(int(r[0]), str(r[1]), str(r[2]), day_text(int(r[3])), int(r[4]),
                   float(r[5] or 0.0)) for r in conn.execute(text(_MASTER_PNL))]


def replayed_copies(conn: Connection) -> list[tuple[int, str, int]]:
    """The copied positions ``(link_id, master_id, master_ticket)`` sums cannot price."""
    return [(int(a), str(b), int(c)) for a, b, c in conn.execute(text(_REPLAYED_COPIES))]


def replayed_masters(conn: Connection) -> list[tuple[str, int]]:
    """The master positions ``(account_id, ticket)`` sums cannot price."""
    return [(str(a), int(b)) for a, b in conn.execute(text(_REPLAYED_MASTERS))]


def copying_links(conn: Connection, tickets: Collection[tuple[str, int]]
                  ) -> list[tuple[int, str, int]]:
    """``(link_id, master_id, master_ticket)`` of the links with an opening fill of one of the
    given master tickets (the links a replayed master position is booked on)."""
    if not tickets:
        return []
    numbers = sorted({ticket for _, ticket in tickets})
    statement = (f"SELECT DISTINCT c.link_id, c.master_id, c.master_ticket "
                 f"FROM trade_log_copies c WHERE {_FILL} AND c.kind != 'close'")
    if len(numbers) <= MAX_LISTED:
        statement += " AND c.master_ticket IN (" + ", ".join(str(n) for n in numbers) + ")"
    wanted = set(tickets)
    return [(int(a), str(b), int(c)) for a, b, c in conn.execute(text(statement))
            if (b, c) in wanted]
