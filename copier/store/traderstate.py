"""What the trader set, kept across restarts (table ``trader_state``, schema 5): one JSON value
per key.

Keys: ``copying`` (the global stop switch), ``trading_clock`` (the broker's offset and the hour
the trading day starts), ``equity_marks:<account>`` (day-start equity, the day's and the
all-time peaks, the trading day they belong to), ``risk_stop:<link id>`` (a stop in force) and
``close_all:<request id>`` (a "close all copies" asked for from the window or the command line,
done once by the running copier), ``copy_existing:<number>`` (copying what a master holds when
its link was created or enabled again) and ``existing_pending:<link id>:<ticket>`` (a pending
copy of a master position, followed to its fill or expiry). Each link's mode lives with the
link (table ``links``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from copier.store.models import TraderStateRow, table

COPYING = "copying"
TRADING_CLOCK = "trading_clock"
EQUITY_MARKS = "equity_marks:"
RISK_STOP = "risk_stop:"
CLOSE_ALL = "close_all:"
COPY_EXISTING = "copy_existing:"
EXISTING_PENDING = "existing_pending:"

State = dict[str, dict[str, Any]]
Changes = Mapping[str, dict[str, Any] | None]  # None: forget the key

_state = table(TraderStateRow)
_upsert = sqlite_insert(_state)
_UPSERT = _upsert.on_conflict_do_update(
    index_elements=[_state.c.key],
    set_={"value": _upsert.excluded.value, "updated_ms": _upsert.excluded.updated_ms},
)


def save_state(conn: Connection, changes: Changes, now_ms: int) -> None:
    """Write each key's new value; a key given None is removed."""
    kept = [{"key": k, "value": v, "updated_ms": now_ms} for k, v in changes.items()
            if v is not None]  # fmt: skip
    gone = [k for k, v in changes.items() if v is None]
    if kept:
        conn.execute(_UPSERT, kept)
    if gone:
        conn.execute(delete(_state).where(_state.c.key.in_(gone)))


def load_state(conn: Connection, prefix: str = "") -> State:
    """Every stored key (or those starting with ``prefix``) with its value."""
    query = select(_state.c.key, _state.c.value)
    if prefix:
        query = query.where(_state.c.key.startswith(prefix, autoescape=True))
    return {row.key: dict(row.value) for row in conn.execute(query)}
