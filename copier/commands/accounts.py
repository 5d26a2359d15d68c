"""``copier accounts add|list|remove``: the trader's accounts without the window.

An account is named as ``copier keys`` names it: its id (``mt4:12345@Broker-Demo``),
``login@server`` or its login alone when that is unambiguous.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from copier.commands.common import confirm, format_table, out, out_json, say
from copier.domain import Platform

if TYPE_CHECKING:  # the store is imported when a command runs: building the parser stays light
    from copier.app.accounts import AccountSummary
    from copier.store import Store

ACTOR = "cli"
ROLES = ("master", "slave", "both")  # AccountRole's values
NOT_LIVE = "a copier already running on this folder serves the change after its next start"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = sub.add_parser("accounts", help="add, list and remove trading accounts")
    verbs = accounts.add_subparsers(dest="accounts_action", required=True)
    add = verbs.add_parser("add", help="add an account; an EA account gets its first API key")
    add.add_argument("--platform", choices=[p.value for p in Platform], required=True)
    add.add_argument("--login", type=int, required=True, help="the account number")
    add.add_argument("--server", required=True, help="the trade server as the terminal shows it")
    add.add_argument("--name", default="", help="a label shown instead of the id")
    add.add_argument("--role", choices=ROLES, default="slave")
    add.add_argument("--mt5-path", default=None, metavar="PATH",
                     help="MT5 only: drive this terminal (terminal64.exe) directly, no EA")
    listing = verbs.add_parser("list", help="the saved accounts")
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    remove = verbs.add_parser("remove", help="remove an account with its keys and links")
    remove.add_argument("account", help="account id, login@server, or login")
    remove.add_argument("--yes", action="store_true", help="do not ask")


def run(args: argparse.Namespace) -> int:
    from copier.store import Store

    with Store.open(args.data_dir) as store:
        if args.accounts_action == "add":
            return _add(store, args)
        if args.accounts_action == "list":
            return _list(store, args.json)
        return _remove(store, args.account, args.yes)


def _add(store: Store, args: argparse.Namespace) -> int:
    from copier.app import accounts as actions
    from copier.app.vocabulary import AccountRole

    new = actions.NewAccount(Platform(args.platform), args.login, args.server, name=args.name,
                             role=AccountRole(args.role), mt5_path=args.mt5_path)
    added = actions.add_account(store, new, actor=ACTOR)
    out(added.record.id)
    say(f"added {added.record.id} ({added.record.role.value}, "
        f"{actions.connection_of(added.record)}); {NOT_LIVE}")
    if added.api_key is not None:
        out(added.api_key)  # stdout, once: the copier keeps only its hash
        say("put this API key in the EA inputs now: it is shown only once")
    return 0


def account_dict(summary: AccountSummary) -> dict[str, Any]:
    record = summary.record
    return {
        "id": record.id, "platform": record.platform.value, "login": record.login,
        "server": record.server, "name": record.label, "role": record.role.value,
        "enabled": record.enabled, "connection": summary.connection,
        "mt5_path": record.settings.get("terminal_path"), "api_keys": summary.working_keys,
    }  # fmt: skip


def _list(store: Store, as_json: bool) -> int:
    from copier.app.accounts import account_summaries

    rows = [account_dict(summary) for summary in account_summaries(store)]
    if as_json:
        out_json(rows)
        return 0
    if not rows:
        say("no accounts yet — add one with: copier accounts add --platform mt4 --login N "
            "--server S")
        return 0
    out(format_table(("id", "name", "role", "connection", "enabled", "keys"), [
        (r["id"], r["name"], r["role"], r["connection"], "yes" if r["enabled"] else "no",
         str(r["api_keys"]) if r["connection"] == "ea" else "-")
        for r in rows
    ]))
    return 0


def _remove(store: Store, name: str, yes: bool) -> int:
    from copier.app import accounts as actions

    removal = actions.account_removal(store, name)
    say(removal.describe())
    if not confirm(f"remove {removal.account.id}?", yes=yes):
        say("nothing removed")
        return 1
    actions.remove_account(store, removal.account.id, actor=ACTOR,
                           forget_password=_forget_password)
    say(f"removed {removal.account.id}; {NOT_LIVE}")
    return 0


def _forget_password(account_id: str) -> None:
    from copier.app.accounts import forget_password
    from copier.vault import PasswordVault, VaultError  # Qt-free; the OS key store

    try:
        forget_password(PasswordVault(), account_id)
    except VaultError as exc:
        say(str(exc))
