"""``copier backup --out FILE`` and ``copier restore FILE``, in words a trader can act on.

Exit codes: 0 done; 2 refused (no database, a file that is not a TradeCopier database or is of a
newer schema, a copier running on the folder, a file that cannot be written).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from copier.userpath import user_path


def add_parsers(sub: Any) -> None:
    """Register ``backup`` and ``restore`` on the ``copier`` sub-command parsers."""
    save = sub.add_parser("backup", help="copy the database to a file (safe while copying runs)")
    save.add_argument("--out", type=user_path, required=True, help="the backup file to write")
    back = sub.add_parser("restore", help="put a backup in place of the database (no copier "
                                          "may run on the folder)")
    back.add_argument("file", type=user_path, help="a file written by copier backup")


def run(args: argparse.Namespace) -> int:
    # Imported here: building the command line never loads the store (``copier --version``).
    from copier.backup import BackupError, backup, restore

    try:
        if args.command == "backup":
            contents = backup(args.data_dir, args.out)
            _say(f"backed up {contents.describe()} to {args.out}")
        else:
            contents, kept = restore(args.data_dir, args.file)
            _say(f"restored {contents.describe()} from {args.file}"
                 + (f"; the database it replaced is kept as {kept}" if kept else ""))
    except BackupError as exc:
        _say(str(exc))
        return 2
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
