"""``copier config export|import``: the whole set-up (accounts, links with their rules, settings)
as one file (``config_format``; docs/config.md), applied in one transaction after checking it all.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from copier.commands.common import CommandError, out, say

if TYPE_CHECKING:  # imported when a command runs: building the parser stays light
    from copier.commands.config_format import SetupFile

ACTOR = "import"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser("config", help="the whole set-up as one editable file")
    verbs = config.add_subparsers(dest="config_action", required=True)
    export = verbs.add_parser("export", help="write accounts, links and settings to a file")
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    load = verbs.add_parser("import", help="check a set-up file, then apply it all at once")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--dry-run", action="store_true",
                      help="say what would change; change nothing")
    load.add_argument("--replace", action="store_true",
                      help="also remove the accounts and links the file does not name")


def run(args: argparse.Namespace) -> int:
    if args.config_action == "export":
        return _export(args.data_dir, args.out)
    return _import(args.data_dir, args.file, dry_run=args.dry_run, replace=args.replace)


def export_text(data_dir: Path | None) -> str:
    from copier.app.accounts import load_accounts
    from copier.app.links import load_links
    from copier.commands.config_format import render
    from copier.preferences import load_preferences, preferences_path
    from copier.setup_import import Setup
    from copier.store import Store

    with Store.open(data_dir) as store:
        setup = Setup(tuple(load_accounts(store)), tuple(load_links(store)))
    return render(setup, load_preferences(preferences_path(data_dir)))


def _export(data_dir: Path | None, target: Path) -> int:
    text = export_text(data_dir)
    target.write_text(text, encoding="utf-8")
    say(f"wrote the set-up to {target} (no passwords, no API keys)")
    return 0


def read_setup(path: Path) -> SetupFile:
    from copier.commands.config_format import SetupFileError, parse

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a text file (a set-up file is UTF-8 TOML)") from None
    try:
        return parse(text)
    except SetupFileError as exc:
        raise CommandError(f"{path} cannot be imported:\n  " + "\n  ".join(exc.problems)) from None


def _import(data_dir: Path | None, path: Path, *, dry_run: bool, replace: bool) -> int:
    from copier.preferences import load_preferences, preferences_path, save_preferences
    from copier.setup_import import apply_plan, plan_setup, unknown_accounts
    from copier.store import Store

    loaded = read_setup(path)
    settings_path = preferences_path(data_dir)
    current = load_preferences(settings_path)
    wanted = None if loaded.settings is None else dataclasses.replace(
        loaded.settings, data_dir=current.data_dir)  # this machine's folder stays
    with Store.open(data_dir) as store:
        unknown = unknown_accounts(store, loaded.setup, replace=replace)
        if unknown:
            raise CommandError(f"{path} cannot be imported:\n  " + "\n  ".join(unknown))
        plan = plan_setup(store, loaded.setup, replace=replace)
        for line in plan.lines():
            out(line)
        if wanted is not None and wanted != current:
            out(f"change the settings in {settings_path}")
        if dry_run:
            say("dry run: nothing was changed")
            return 0
        apply_plan(store, plan, actor=ACTOR)
    if wanted is not None and wanted != current:
        save_preferences(wanted, settings_path)
    say(f"imported {path}; a copier already running on this folder applies it after its next "
        "start; EA accounts need a key: copier keys create ACCOUNT")
    return 0
