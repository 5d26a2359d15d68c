"""The records and values the window and the command line exchange with the use cases: the
store's typed rows and key statuses under the application layer's name, so a screen names an
account or a trade-log row without reaching into the store (the import contract "The UI reaches
the core through the application layer")."""

from copier.store import (
    DATA_DIR_ENV,
    AccountRecord,
    AccountRole,
    ApiKeyInfo,
    CopyFilter,
    CopyRecord,
    KeyStatus,
)
from copier.store.keys import DEFAULT_GRACE_HOURS, DEFAULT_KEY_DAYS

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_GRACE_HOURS",
    "DEFAULT_KEY_DAYS",
    "AccountRecord",
    "AccountRole",
    "ApiKeyInfo",
    "CopyFilter",
    "CopyRecord",
    "KeyStatus",
]
