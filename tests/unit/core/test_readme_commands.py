"""The README's commands table lists every command the parser knows, with each of its verbs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from copier.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]


def _table() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    return [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `copier")]


def _commands(parser: argparse.ArgumentParser, prefix: str = "copier") -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append(f"{prefix} {name}")
                found += _commands(child, f"{prefix} {name}")
    return found


def test_every_command_and_verb_has_a_row() -> None:
    rows = [re.sub(r"\\\|", "|", row) for row in _table()]

    missing = [
        command for command in _commands(build_parser())
        if not any(_names(command, row) for row in rows)
    ]

    assert missing == []


def _names(command: str, row: str) -> bool:
    """A row names ``copier accounts remove`` as written, or as ``copier links enable|disable``."""
    *group, verb = command.split()
    for part in row.split("` / `"):
        words = part.strip("`| ").split()
        named = words[len(group)].split("|") if len(words) > len(group) else []
        if words[: len(group)] == group and verb in named:
            return True
    return False
