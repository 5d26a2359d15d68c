"""The symbol specs each account's terminal last reported (table ``symbol_specs``).

The trade log keeps prices, not contracts; pricing a move in money needs the symbol's tick size
and tick value. The copier saves a terminal's specs whenever they first arrive or change, so
statistics read from the store alone (``copier stats``) price money as the running app does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from copier.domain import SymbolSpec
from copier.store.models import SymbolSpecRow, table

SpecBook = dict[str, dict[str, SymbolSpec]]  # account id → symbol name → spec

_specs = table(SymbolSpecRow)
_KEY_AND_STAMP = ("account_id", "symbol", "updated_ms")
_SPEC_FIELDS = tuple(c.name for c in _specs.c if c.name not in _KEY_AND_STAMP)  # as SymbolSpec
_upsert = sqlite_insert(_specs)
_UPSERT = _upsert.on_conflict_do_update(
    index_elements=[_specs.c.account_id, _specs.c.symbol],
    set_={name: _upsert.excluded[name] for name in (*_SPEC_FIELDS, "updated_ms")},
)


def _row(account_id: str, spec: SymbolSpec, now_ms: int) -> dict[str, Any]:
    fields = {name: getattr(spec, name) for name in _SPEC_FIELDS}
    return {"account_id": account_id, "symbol": spec.name, **fields, "updated_ms": now_ms}


def save_symbol_specs(
    conn: Connection, account_id: str, specs: Mapping[str, SymbolSpec], now_ms: int
) -> None:
    """Insert or replace the account's specs (keyed by the spec's own symbol name)."""
    params = [_row(account_id, spec, now_ms) for spec in specs.values()]
    if params:
        conn.execute(_UPSERT, params)


def load_symbol_specs(conn: Connection) -> SpecBook:
    """Every saved spec, by account and symbol."""
    book: SpecBook = {}
    for row in conn.execute(select(_specs)).mappings():
        spec = SymbolSpec(row["symbol"], **{name: row[name] for name in _SPEC_FIELDS})
        book.setdefault(row["account_id"], {})[spec.name] = spec
    return book
