"""``copier links add|list|set|remove|enable|disable|mode``: copy links and their rules without
the window. Values typed as ``KEY=VALUE`` are parsed as their field's type (``copier.link_fields``);
a rules file is the ``[links.rules]`` table of a configuration file, alone (TOML)."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copier.commands.common import CommandError, format_table, out, out_json, say
from copier.engine.config import Link, LinkMode, LinkRules, RulesError
from copier.link_fields import FieldError, checked, from_text

if TYPE_CHECKING:  # the store is imported when a command runs: building the parser stays light
    from copier.app.links import LinkChange
    from copier.app.opencopies import CopiesFate
    from copier.store import Store

ACTOR = "cli"
NOT_LIVE = "a copier already running on this folder applies it after its next start"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    links = sub.add_parser("links", help="add, list, change and remove copy links")
    verbs = links.add_subparsers(dest="links_action", required=True)
    add = verbs.add_parser("add", help="link a master to a slave")
    add.add_argument("--master", required=True, help="account id, login@server, or login")
    add.add_argument("--slave", required=True, help="account id, login@server, or login")
    add.add_argument("--name", default="")
    add.add_argument("--lot-mode", default=None,
                     help="fixed, multiplier, balance_ratio, equity_ratio or risk_percent")
    add.add_argument("--lot-value", default=None, help="the lot mode's value")
    add.add_argument("--overlap", action="store_true",
                     help="keep this link even though another link has the same master and slave "
                          "(the slave then gets each trade once per link)")
    add.add_argument("--rules", type=Path, default=None, metavar="FILE",
                     help="a TOML file of rules (docs/config.md, [links.rules])")
    listing = verbs.add_parser("list", help="the saved links")
    listing.add_argument("--json", action="store_true", help="print them with every rule as JSON")
    change = verbs.add_parser("set", help="change fields of a link: KEY=VALUE ...")
    change.add_argument("link", help="link id (or its unique name)")
    change.add_argument("values", nargs="+", metavar="KEY=VALUE",
                        help="e.g. lot_value=0.5 symbols_allow=EURUSD,GBPUSD "
                             "symbol_map=EURUSD:EURUSD.m trading_hours=08:00-17:00")
    remove = verbs.add_parser("remove", help="delete a link (its trade log stays)")
    remove.add_argument("link", help="link id (or its unique name)")
    fate = remove.add_mutually_exclusive_group()
    fate.add_argument("--close-copies", dest="copies", action="store_const", const="close",
                      help="close the link's open copies first (the running copier closes them "
                           "as Close all copies does); the link goes once they are closed")
    fate.add_argument("--leave-copies", dest="copies", action="store_const", const="leave",
                      help="leave the link's open copies open on the slave, no longer followed")
    for verb, text in (("enable", "copy on this link"), ("disable", "stop copying on this link")):
        verbs.add_parser(verb, help=text).add_argument("link", help="link id (or its unique name)")
    mode = verbs.add_parser("mode", help="normal, close_only (no new copies) or paused")
    mode.add_argument("link", help="link id (or its unique name)")
    mode.add_argument("mode", choices=[m.value for m in LinkMode])


def run(args: argparse.Namespace) -> int:
    from copier.app import links as actions
    from copier.store import Store

    with Store.open(args.data_dir) as store:
        action = args.links_action
        if action == "add":
            return _add(store, args)
        if action == "list":
            return _list(store, args.json)
        link = actions.find_link(store, args.link)
        if action == "remove":
            return _remove(store, link, args.copies)
        if action == "set":
            saved = actions.change_link(store, link, parse_assignments(args.values), actor=ACTOR)
        elif action == "mode":
            saved = actions.set_link_state(store, link, mode=LinkMode(args.mode), actor=ACTOR)
        else:
            saved = actions.set_link_state(store, link, enabled=action == "enable", actor=ACTOR)
        say(f"saved link #{saved.id}: {describe(saved)}; {NOT_LIVE}")
        return 0


def _remove(store: Store, link: Link, copies: str | None) -> int:
    """Remove a link, deciding first what becomes of its open copies (asked when not given)."""
    from copier.app.links import open_copies
    from copier.app.opencopies import CopiesFate, remove_link_offline

    fate = CopiesFate(copies) if copies else None
    if fate is None:
        open_now = open_copies(store, link.id)
        fate = _ask_fate(link, open_now) if open_now else CopiesFate.LEAVE
        if fate is None:
            say("nothing removed")
            return 1
    answer = remove_link_offline(store, link, fate, actor=ACTOR)
    for line in answer.lines:
        say(line)
    if answer.code == 0:
        say(NOT_LIVE)
    return answer.code


def _ask_fate(link: Link, open_now: int) -> CopiesFate | None:
    """Ask whether to close or leave the link's open copies; None: the trader cancelled."""
    import sys

    from copier.app.opencopies import CopiesFate

    copies = "1 copy is" if open_now == 1 else f"{open_now} copies are"
    question = (f"Link #{link.id} ({link.master_id} → {link.slave_id}): {copies} open on "
                f"{link.slave_id}. Close them, leave them open, or cancel? [c/l/N] ")
    if not sys.stdin or not sys.stdin.isatty():
        raise CommandError(f"link #{link.id} has {open_now} open copies on {link.slave_id} and "
                           "nobody can answer here (no terminal on stdin): add --close-copies "
                           "or --leave-copies")
    say(question)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("c", "close"):
        return CopiesFate.CLOSE
    if answer in ("l", "leave"):
        return CopiesFate.LEAVE
    return None


def parse_assignments(values: list[str]) -> LinkChange:
    from copier.app.links import LinkChange

    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"'{item}' is not KEY=VALUE (e.g. lot_value=0.5)")
        parsed[key.strip()] = from_text(key.strip(), text)
    return LinkChange(parsed)


def _add(store: Store, args: argparse.Namespace) -> int:
    data: dict[str, Any] = read_rules_file(args.rules) if args.rules is not None else {}
    if args.lot_mode is not None:
        data["lot_mode"] = from_text("lot_mode", args.lot_mode).value
    if args.lot_value is not None:
        data["lot_value"] = from_text("lot_value", args.lot_value)
    if args.overlap:
        data["allow_overlap"] = True
    try:
        rules = LinkRules.from_dict(data)
    except RulesError as exc:
        raise CommandError(f"the link's rules cannot work: {exc}") from None
    from copier.app.links import new_link
    from copier.engine.config import LinkOverlap

    try:
        link = new_link(store, args.master, args.slave, name=args.name, rules=rules,
                        actor=ACTOR)
    except LinkOverlap as exc:
        raise CommandError(f"{exc} — add --overlap to keep both links") from None
    out(str(link.id))
    say(f"added link #{link.id}: {describe(link)}; {NOT_LIVE}")
    return 0


def read_rules_file(path: Path) -> dict[str, Any]:
    """Rules from a TOML file, each checked as its field's type (errors name the field)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"{path}: not a TOML rules file ({exc})") from None
    rules: dict[str, Any] = {}
    for name, value in data.items():
        try:
            rules[name] = checked(name, value)
        except FieldError as exc:
            raise CommandError(f"{path}: {exc}") from None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in rules.items()}


def link_dict(link: Link) -> dict[str, Any]:
    return {"id": link.id, "name": link.name, "master": link.master_id, "slave": link.slave_id,
            "enabled": link.enabled, "mode": link.mode.value, "rules": link.rules.to_dict()}


def describe(link: Link) -> str:
    state = "enabled" if link.enabled else "disabled"
    rules = link.rules
    return (f"{link.master_id} → {link.slave_id}, {state}, {link.mode.value}, "
            f"lots {rules.lot_mode.value} {rules.lot_value:g}")


def _list(store: Store, as_json: bool) -> int:
    from copier.app.links import load_links

    links = load_links(store)
    if as_json:
        out_json([link_dict(link) for link in links])
        return 0
    if not links:
        say("no links yet — add one with: copier links add --master ID --slave ID")
        return 0
    out(format_table(("id", "name", "master", "slave", "enabled", "mode", "lots"), [
        (str(link.id), link.name, link.master_id, link.slave_id,
         "yes" if link.enabled else "no", link.mode.value,
         f"{link.rules.lot_mode.value} {link.rules.lot_value:g}")
        for link in links
    ]))
    return 0
