"""``copier audit [--since DATE] [--limit N] [--json]``: who did what — logins refused, keys
issued and revoked, accounts and links changed, copying stopped — oldest first, one line each."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from copier.commands.common import CommandError, out, out_json, say

if TYPE_CHECKING:  # the store is imported when a command runs: building the parser stays light
    from copier.app.reports import AuditEntry


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="the audit log: who did what, and when")
    audit.add_argument("--since", default=None, help="YYYY-MM-DD or ISO-8601 (UTC)")
    audit.add_argument("--limit", type=int, default=200, help="at most this many, the newest")
    audit.add_argument("--json", action="store_true", help="print them as JSON")


def run(args: argparse.Namespace) -> int:
    from copier.app import reports
    from copier.store import Store
    from copier.store.export import parse_date

    try:
        since = parse_date(args.since) if args.since else None
    except ValueError as exc:
        raise CommandError(f"audit: {exc}") from None
    if args.limit < 1:
        raise CommandError(f"audit: --limit must be at least 1, not {args.limit}")
    since_ms = None if since is None else int(since.timestamp() * 1000)
    with Store.open(args.data_dir) as store:
        entries = reports.audit(store, limit=args.limit, since_ms=since_ms)
    if args.json:
        out_json([entry_dict(e) for e in entries])
    elif entries:
        out("\n".join(describe(e) for e in entries))
    else:
        say("the audit log has nothing" + (f" since {args.since}" if args.since else " yet"))
    return 0


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"time": _iso(entry.time_ms), "time_ms": entry.time_ms, "actor": entry.actor,
            "action": entry.action, "detail": entry.detail}


SHORT = 60  # longer values (a link's whole rule set) are left to --json


def describe(entry: AuditEntry) -> str:
    detail = " ".join(f"{k}={_short(v)}" for k, v in sorted(entry.detail.items()))
    return f"{_iso(entry.time_ms)}  {entry.actor:<8}  {entry.action:<20}  {detail}".rstrip()


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
