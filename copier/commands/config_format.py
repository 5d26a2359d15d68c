"""The set-up file (docs/config.md): accounts, links with every rule, and the settings, as one
versioned, commented TOML file a trader edits in any text editor.

TOML because it is read and edited by hand on a VPS: comments, no braces to balance, one
``key = value`` a line. Python reads it with the standard ``tomllib``; the writer is the small
one below, for the few value types the file holds (text, numbers, true/false, lists, small
tables). Reading checks everything before anything is applied and names the place of each
problem (``links[2].rules.lot_value: 'abc' is not a number``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from copier.app.vocabulary import AccountRecord, AccountRole
from copier.domain import Platform
from copier.engine.config import Link, LinkRules, RulesError
from copier.link_fields import FieldError, checked, rule_types
from copier.preferences import Preferences
from copier.setup_import import Setup, link_key
from copier.terminals.registry import EA, MT5

VERSION = 1
MACHINE_SETTINGS = ("data_dir",)  # where this machine keeps its data: never carried over
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # used with fullmatch: `$` would let "EURUSD\n" through
HEADER = f"""\
# TradeCopier set-up: accounts, copy links with all their rules, and the settings.
# Load it with:  copier config import FILE [--dry-run] [--replace]
# The format is explained in docs/config.md. It never holds passwords or API keys:
# after importing, give each EA account a key with  copier keys create ACCOUNT
version = {VERSION}
"""


class SetupFileError(ValueError):
    """The file cannot be used; ``problems`` names the place of each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SetupFile:
    setup: Setup
    settings: Preferences | None  # None: the file has no [settings] table


# ----- writing ----------------------------------------------------------------------------


def render(setup: Setup, settings: Preferences) -> str:
    parts = [HEADER, "[settings]"]
    parts += [f"{key} = {value}" for key, value in _settings_items(settings)]
    for account in setup.accounts:
        parts += [
            "", "[[accounts]]  # " + account.id,
            f"platform = {_value(account.platform.value)}  # mt4 | mt5",
            f"login = {account.login}", f"server = {_value(account.server)}",
            f"name = {_value(account.label)}",
            f"role = {_value(account.role.value)}  # master | slave | both",
            f"enabled = {_value(account.enabled)}", f"company = {_value(account.company)}",
            "# connection: ea (our EAs) or mt5 (direct, with terminal_path)",
            f"settings = {_value(account.settings)}",
        ]  # fmt: skip
    for link in setup.links:
        parts += [
            "", "[[links]]", f"name = {_value(link.name)}",
            f"master = {_value(link.master_id)}", f"slave = {_value(link.slave_id)}",
            f"enabled = {_value(link.enabled)}",
            f"mode = {_value(link.mode.value)}  # normal | close_only | paused",
            "[links.rules]  # docs/rules.md explains each rule",
        ]  # fmt: skip
        parts += _rule_lines(link.rules)
    return "\n".join(parts) + "\n"


def _settings_items(settings: Preferences) -> list[tuple[str, str]]:
    return [(k, _value(v)) for k, v in settings.to_dict().items() if k not in MACHINE_SETTINGS]


def _rule_lines(rules: LinkRules) -> list[str]:
    lines = []
    kinds = rule_types()
    for f in dataclasses.fields(rules):
        value = getattr(rules, f.name)
        if value is None:  # TOML has no "nothing": an unset rule is written as a comment
            lines.append(f"# {f.name} = [480, 1020]  # off; minutes of the UTC day, start-end")
            continue
        line = f"{f.name} = {_value(value)}"
        kind = kinds[f.name]
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            line += "  # " + " | ".join(member.value for member in kind)
        lines.append(line)
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's; TOML also wants DEL escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"{value!r} cannot be written to a set-up file")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _value(key)


# ----- reading ----------------------------------------------------------------------------


def parse(text: str) -> SetupFile:
    """Every problem of the file at once, each with its place; nothing is applied here."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupFileError([f"not a TOML file: {exc}"]) from None
    problems: list[str] = []
    version = data.get("version")
    if version != VERSION:
        problems.append(f"version: {version!r} is not a version this copier reads ({VERSION})")
    for key in data:
        if key not in ("version", "settings", "accounts", "links"):
            problems.append(f"{key}: not a part of a set-up file (version, settings, accounts, "
                            "links)")
    settings = _settings(data["settings"], problems) if "settings" in data else None
    accounts = [_account(item, f"accounts[{i}]", problems)
                for i, item in enumerate(_tables(data, "accounts", problems), start=1)]
    links = [_link(item, f"links[{i}]", problems)
             for i, item in enumerate(_tables(data, "links", problems), start=1)]
    _check_unique(accounts, links, problems)
    if problems:
        lines = text.splitlines()
        raise SetupFileError([_at_line(lines, problem) for problem in problems])
    setup = Setup(tuple(a for a in accounts if a), tuple(x for x in links if x))
    return SetupFile(setup, settings)


_PLACE = re.compile(r"^(accounts|links)\[(\d+)\](?:\.rules)?(?:\.(\w+))?|^(settings)\.(\w+)")


def _at_line(lines: list[str], problem: str) -> str:
    """``line N: problem`` when the place the problem names is found in the file."""
    found = _PLACE.match(problem)
    if found is None:
        return problem
    table, index, key, settings, setting = found.groups()
    if settings:
        table, index, key = "settings", "1", setting
    headers = [i for i, line in enumerate(lines)
               if line.strip().startswith((f"[[{table}]]", f"[{table}]"))]
    if int(index) > len(headers):
        return problem
    start = headers[int(index) - 1]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[[")),
               len(lines))
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=") if key else None
    row = next((i for i in range(start, end) if pattern and pattern.match(lines[i])), start)
    return f"line {row + 1}: {problem}"


def _tables(data: dict[str, Any], name: str, problems: list[str]) -> list[dict[str, Any]]:
    items = data.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.append(f"{name}: write each one as a [[{name}]] table")
        return []
    return items


def _take(item: dict[str, Any], place: str, name: str, kind: Any, problems: list[str],
          default: Any = ..., choices: type[StrEnum] | None = None) -> Any:
    if name not in item:
        if default is ...:
            problems.append(f"{place}.{name}: missing")
        return None if default is ... else default
    value = item[name]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        problems.append(f"{place}.{name}: {value!r} is not {_kind_words(kind)}")
        return None
    if choices is not None and value not in [c.value for c in choices]:
        problems.append(f"{place}.{name}: {value!r} is not one of "
                        f"{', '.join(c.value for c in choices)}")
        return None
    return value


def _kind_words(kind: Any) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", dict: "a table"}.get(
        kind, "valid")


def _unknown(item: dict[str, Any], place: str, known: tuple[str, ...],
             problems: list[str]) -> None:
    problems += [f"{place}.{k}: not a known field ({', '.join(known)})"
                 for k in item if k not in known]


ACCOUNT_FIELDS = ("platform", "login", "server", "name", "role", "enabled", "company", "settings")
LINK_FIELDS = ("name", "master", "slave", "enabled", "mode", "rules")


def _account(item: dict[str, Any], place: str, problems: list[str]) -> AccountRecord | None:
    before = len(problems)
    _unknown(item, place, ACCOUNT_FIELDS, problems)
    platform = _take(item, place, "platform", str, problems, choices=Platform)
    login = _take(item, place, "login", int, problems)
    server = _take(item, place, "server", str, problems)
    if isinstance(login, int) and login <= 0:
        problems.append(f"{place}.login: {login} is not an account number")
    if server is not None and not server.strip():
        problems.append(f"{place}.server: cannot be empty")
    role = _take(item, place, "role", str, problems, "slave", choices=AccountRole)
    settings = _take(item, place, "settings", dict, problems, {})
    connection = (settings or {}).get("connection", EA)
    if connection not in (EA, MT5):
        problems.append(f"{place}.settings.connection: {connection!r} is not ea or mt5")
    name = _take(item, place, "name", str, problems, "")
    enabled = _take(item, place, "enabled", bool, problems, True)
    company = _take(item, place, "company", str, problems, "")
    if len(problems) > before:
        return None
    return AccountRecord.new(Platform(platform), login, server, company=company,
                             role=AccountRole(role), label=name, enabled=enabled,
                             settings=settings)


def _link(item: dict[str, Any], place: str, problems: list[str]) -> Link | None:
    before = len(problems)
    _unknown(item, place, LINK_FIELDS, problems)
    master = _take(item, place, "master", str, problems)
    slave = _take(item, place, "slave", str, problems)
    if master is not None and master == slave:
        problems.append(f"{place}.slave: the same account as the master ({master})")
    name = _take(item, place, "name", str, problems, "")
    enabled = _take(item, place, "enabled", bool, problems, True)
    mode = _take(item, place, "mode", str, problems, "normal")
    raw = _take(item, place, "rules", dict, problems, {})
    values: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        try:
            values[key] = checked(key, value) if key in rule_types() else _not_a_rule(key)
        except FieldError as exc:
            problems.append(f"{place}.rules.{exc}")
    if mode is not None:
        try:
            checked("mode", mode)
        except FieldError as exc:
            problems.append(f"{place}.{exc}")
    if len(problems) > before:
        return None
    try:
        rules = LinkRules.from_dict(values)
    except RulesError as exc:
        problems += [f"{place}.rules: {p}" for p in exc.problems]
        return None
    return Link(0, master, slave, rules, enabled=enabled, mode=checked("mode", mode), name=name)


def _not_a_rule(key: str) -> typing.NoReturn:
    raise FieldError(f"{key}: not a rule (docs/rules.md lists them)")


def _settings(raw: Any, problems: list[str]) -> Preferences | None:
    if not isinstance(raw, dict):
        problems.append("settings: write them as a [settings] table")
        return None
    defaults = Preferences().to_dict()
    values: dict[str, Any] = {}
    before = len(problems)
    for key, value in raw.items():
        if key not in defaults or key in MACHINE_SETTINGS:
            problems.append(f"settings.{key}: not a setting a set-up file carries")
            continue
        default = defaults[key]
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"settings.{key}: {value!r} is not a list of text")
                continue
            value = tuple(value)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif type(value) is not type(default):
            problems.append(f"settings.{key}: {value!r} is not {_kind_words(type(default))}")
            continue
        values[key] = value
    if len(problems) > before:
        return None
    preferences = Preferences(**values)
    problems += [f"settings: {p}" for p in preferences.problems()]
    return preferences


def _check_unique(accounts: list[AccountRecord | None], links: list[Link | None],
                  problems: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, account in enumerate(accounts, start=1):
        if account is None:
            continue
        if account.id in seen:
            problems.append(f"accounts[{i}]: {account.id} is already accounts[{seen[account.id]}]")
        seen.setdefault(account.id, i)
    keys: dict[tuple[str, str, str], int] = {}
    for i, link in enumerate(links, start=1):
        if link is None:
            continue
        if link_key(link) in keys:
            problems.append(f"links[{i}]: the same master, slave and name as "
                            f"links[{keys[link_key(link)]}] — give one a different name")
        keys.setdefault(link_key(link), i)
