"""How long the audit log keeps its entries: at most so many rows, so many bytes and so many
days; the oldest entries go first. The store applies it when it opens and after every
``PRUNE_EVERY`` entries it writes, so no stream of refusals can fill the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from copier.store.models import AuditRow

DAY_MS = 86_400_000
PRUNE_EVERY = 500  # audit entries written between two prunes
ROW_OVERHEAD_BYTES = 48  # the id, time and row header beside the texts, roughly


@dataclass(frozen=True, slots=True)
class AuditRetention:
    """Limits of the audit log; each is applied on its own (0 turns one off)."""

    max_rows: int = 200_000
    max_bytes: int = 64 * 1024 * 1024  # texts of the entries, as SQLite measures them
    max_age_days: float = 365.0

    def __post_init__(self) -> None:
        if self.max_rows < 0 or self.max_bytes < 0 or self.max_age_days < 0:
            raise ValueError("audit retention limits cannot be negative (0 turns a limit off)")


def prune_audit(conn: Connection, now_ms: int, policy: AuditRetention) -> int:
    """Delete the entries beyond the policy, oldest first; return how many went."""
    deleted = 0
    if policy.max_age_days > 0:
        oldest = now_ms - int(policy.max_age_days * DAY_MS)
        deleted += conn.execute(delete(AuditRow).where(AuditRow.time_ms < oldest)).rowcount
    if policy.max_rows > 0:
        cutoff = conn.scalar(
            select(AuditRow.id).order_by(AuditRow.id.desc()).offset(policy.max_rows).limit(1)
        )
        if cutoff is not None:
            deleted += conn.execute(delete(AuditRow).where(AuditRow.id <= cutoff)).rowcount
    if policy.max_bytes > 0:
        size = (
            func.length(AuditRow.detail)
            + func.length(AuditRow.action)
            + func.length(AuditRow.actor)
            + ROW_OVERHEAD_BYTES
        )
        running = func.sum(size).over(order_by=AuditRow.id.desc()).label("running")
        newest_first = select(AuditRow.id, running).subquery()
        cutoff = conn.scalar(
            select(newest_first.c.id)
            .where(newest_first.c.running > policy.max_bytes)
            .order_by(newest_first.c.id.desc())
            .limit(1)
        )
        if cutoff is not None:
            deleted += conn.execute(delete(AuditRow).where(AuditRow.id <= cutoff)).rowcount
    return deleted
