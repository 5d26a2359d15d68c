"""Persistence: the SQLite store (WAL, one writer thread), trade log, audit log and CSV export."""

from copier.store.catalog import AccountRecord, AccountRole, account_id_for
from copier.store.errors import StoreClosed, StoreError
from copier.store.journal import CopyOrigin, Decision
from copier.store.keys import ApiKeyInfo, KeyCheck, KeyStatus
from copier.store.paths import DATA_DIR_ENV, database_path, default_data_dir
from copier.store.queries import AuditEntry, CopyFilter, CopyRecord
from copier.store.store import Store

__all__ = [
    "DATA_DIR_ENV",
    "AccountRecord",
    "AccountRole",
    "ApiKeyInfo",
    "AuditEntry",
    "CopyFilter",
    "CopyOrigin",
    "CopyRecord",
    "Decision",
    "KeyCheck",
    "KeyStatus",
    "Store",
    "StoreClosed",
    "StoreError",
    "account_id_for",
    "database_path",
    "default_data_dir",
]
