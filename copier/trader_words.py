"""The trader's words for the codes the core stores: what a copy did (``place_pending`` → "pending
placed"), what the master did, and which rule refused or changed a copy (``below_minimum`` →
"below the minimum lot"). Qt-free, so the screens, the tray and the command line say the same.

Unknown codes come back with their underscores as spaces: a new rule reads as words at once and
gets its own entry here when it needs better ones."""

from __future__ import annotations

# CommandKind (what a slave was told) and EventKind (what the master did), both in words.
KIND_WORDS: dict[str, str] = {
    "open": "opened",
    "close": "closed",
    "modify": "SL/TP changed",
    "place_pending": "pending placed",
    "modify_pending": "pending changed",
    "delete_pending": "pending deleted",
    "fill_pending": "pending filled",
    "opened": "master opened",
    "increased": "master added volume",
    "partially_closed": "master closed part",
    "closed": "master closed",
    "modified": "master changed SL/TP",
    "pending_placed": "master placed a pending",
    "pending_modified": "master changed a pending",
    "pending_deleted": "master deleted a pending",
    "pending_filled": "master's pending filled",
}

# Rule short names (``Denial.rule``, ``CopyAdjusted.rule``) in words.
RULE_WORDS: dict[str, str] = {
    "below_minimum": "below the minimum lot",
    "comment_pattern": "master comment filter",
    "copy_pendings": "pending orders not copied",
    "direction": "direction filter",
    "equity_floor": "equity floor",
    "link_mode": "link not copying",
    "lot_mode": "lot sizing",
    "magic_allow": "magic number filter",
    "magic_deny": "magic number filter",
    "master_lot_range": "master lot filter",
    "max_daily_loss": "daily loss limit",
    "max_deviation": "price deviation",
    "max_drawdown": "drawdown limit",
    "max_lot": "lot limit",
    "max_lot_per_order": "max lot per order",
    "max_open_positions": "max open positions",
    "max_orders_per_minute": "order rate limit",
    "max_signal_age": "signal too old",
    "max_volume_per_symbol": "max volume per symbol",
    "min_margin_level": "margin level",
    "netting": "netting account",
    "order_types": "order type filter",
    "reconciliation": "reconciliation",
    "risk_no_sl": "risk sizing without SL",
    "rounding": "lot rounding",
    "symbol_map": "symbol not found on the slave",
    "symbols_allow": "symbol filter",
    "symbols_deny": "symbol filter",
    "trading_days": "trading days",
    "trading_hours": "trading hours",
}


def _spaced(code: str) -> str:
    return code.replace("_", " ")


def kind_words(kind: str) -> str:
    """``place_pending`` → "pending placed"; an empty kind stays empty."""
    return KIND_WORDS.get(kind, _spaced(kind))


def rule_words(rule: str) -> str:
    """``below_minimum`` → "below the minimum lot"; an empty rule stays empty."""
    return RULE_WORDS.get(rule, _spaced(rule))
