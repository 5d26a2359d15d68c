"""The README's Layout table names every package folder of ``copier/`` and nothing that is gone:
the folder list a newcomer reads is the tree they will find."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _table_folders() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return {m.group(1).rstrip("/") for m in re.finditer(r"^\| `(copier[^`]*)/` \|", section, re.M)}


def _package_folders() -> set[str]:
    return {
        str(init.parent.relative_to(ROOT)).replace("\\", "/")
        for init in (ROOT / "copier").rglob("__init__.py")
    }


def test_every_package_folder_has_a_line_in_the_readme_layout_table() -> None:
    assert _package_folders() - _table_folders() == set()


def test_the_layout_table_names_no_folder_that_is_gone() -> None:
    assert _table_folders() - _package_folders() == set()
