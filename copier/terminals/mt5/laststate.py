"""A master MT5 account's last known books, kept across copier runs in a small JSON file.

MT5 gives no trade events: the worker finds changes by comparing reads. A copier that starts with
no baseline takes its first read as the starting point, and a position the master closed while
the copier was stopped is never seen to close — its copies stay open. So the adapter writes the
books as of the last event batch the copier took, with that batch's last event seq, and at the
next start hands them to the worker, whose first read is compared with them: closes, partial
closes and changes made meanwhile become events, once.

The file is used only when its seq is exactly the last seq the copier handled for the account:
after a crash between the two writes it is older (or newer) than what was handled, and diffing
from it could report something twice, so it is ignored (the first read is then the baseline).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from copier.domain import OrderType, Side
from copier.terminals.mt5.protocol import Baseline, OrderRow, PositionRow

log = logging.getLogger(__name__)
VERSION = 1


def save(path: str, seq: int, baseline: Baseline) -> None:
    """Write atomically (a crash leaves the old file or the new one, never half of one)."""
    target = Path(path)
    document = {
        "version": VERSION,
        "seq": seq,
        "positions": [_plain(asdict(p)) for p in baseline.positions],
        "orders": [_plain(asdict(o)) for o in baseline.orders],
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(document), encoding="utf-8")
        os.replace(temporary, target)
    except OSError as failure:  # the next batch tries again; a restart then diffs from nothing
        log.warning("could not keep the MT5 account's last state in %s: %s", path, failure)


def load(path: str, handled_seq: int) -> Baseline | None:
    """The books kept at ``path`` if they are those after event ``handled_seq``, else None."""
    source = Path(path)
    if not source.exists():
        return None  # the account's first run here
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
        if document.get("version") != VERSION or document.get("seq") != handled_seq:
            return None
        positions = tuple(
            PositionRow(**{**row, "side": Side(row["side"])}) for row in document["positions"]
        )
        orders = tuple(
            OrderRow(**{**row, "order_type": OrderType(row["order_type"])})
            for row in document["orders"]
        )
        return Baseline(positions, orders)
    except (OSError, ValueError, KeyError, TypeError) as failure:
        log.warning("the MT5 account's last state in %s is unreadable: %s", path, failure)
    return None


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: getattr(value, "value", value) for key, value in row.items()}
