"""``copier backup --out FILE`` (safe while copying runs) and ``copier restore FILE`` (refused
while a copier runs on the folder): the database of a data folder, as one file
(``copier.store.backup``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from copier.commands.common import confirm, say

if TYPE_CHECKING:  # the store is imported when a command runs: building the parser stays light
    from copier.store.backup import Snapshot


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    save = sub.add_parser("backup", help="copy the database to one file, even while copying runs")
    save.add_argument("--out", type=Path, required=True, metavar="FILE")
    load = sub.add_parser("restore", help="make a backup the data folder's database")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--yes", action="store_true", help="do not ask before replacing")


def run(args: argparse.Namespace) -> int:
    from copier.store import database_path, default_data_dir
    from copier.store.backup import BEFORE_RESTORE, backup, describe, restore

    folder = args.data_dir or default_data_dir()
    if args.command == "backup":
        snapshot = backup(database_path(folder), args.out)
        say(f"backed up {folder} to {args.out}: {_holds(snapshot)}")
        return 0
    incoming = describe(args.file)
    target = database_path(folder)
    if target.exists():
        say(f"{target} will be replaced by {args.file} ({_holds(incoming)}); the current one is "
            f"kept as {target.name}{BEFORE_RESTORE}")
        if not confirm(f"restore {args.file} into {folder}?", yes=args.yes):
            say("nothing restored")
            return 1
    restore(args.file, folder)
    say(f"restored {args.file} into {folder}: {_holds(incoming)}")
    return 0


def _holds(snapshot: Snapshot) -> str:
    return (f"{snapshot.accounts} account(s), {snapshot.links} link(s), {snapshot.copies} "
            "trade-log copies")
