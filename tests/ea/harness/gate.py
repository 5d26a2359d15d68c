"""The MQL syntax gate: every .mq4/.mq5/.mqh parsed by tree-sitter's C++ grammar, zero ERROR nodes.

MQL is C++-shaped except for a few tokens, which are blanked first (``mask_mql``) so that every
line and column still points into the original file:

- ``#property …`` lines, and the two ``#import`` lines around an import block (the imported
  declarations in between are plain C++ prototypes and stay);
- the storage words ``input``, ``sinput`` and ``extern`` at the start of a declaration;
- ``C'…'`` colour and ``D'…'`` date literals, which become the number ``0``.

A program (``.mq4``/``.mq5``) is read as its platform compiles it; a shared include (``.mqh``) once
per platform (preprocess.py keeps the ``#ifdef __MQL4__``/``__MQL5__`` branches in place).

Usage: ``python -m harness.gate [paths…]`` (default: every EA file under ``ea/``); prints
``file:line:col: message`` per error and exits 1 when there is any.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser

from harness.preprocess import PLATFORM_MACROS, platform_of, select_platform

EA_SUFFIXES = (".mq4", ".mq5", ".mqh")
REPO = Path(__file__).resolve().parents[3]

_PROPERTY = re.compile(r"^[ \t]*#property\b.*$", re.M)
_IMPORT = re.compile(r"^[ \t]*#import\b.*$", re.M)
_STORAGE = re.compile(r"^([ \t]*)(input|sinput|extern)\b", re.M)
_LITERAL = re.compile(r"\b[CD]'[^'\n]*'")


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    path: Path
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def mask_mql(text: str) -> str:
    """The MQL-only tokens replaced by spaces (or ``0``), keeping every offset in place."""
    text = _PROPERTY.sub(_blank, text)
    text = _IMPORT.sub(_blank, text)
    text = _STORAGE.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
    return _LITERAL.sub(lambda m: "0" + " " * (len(m.group(0)) - 1), text)


def _problems(node: Node) -> Iterator[Node]:
    if node.type == "ERROR" or node.is_missing:
        yield node
        return  # one report per broken region is enough
    if node.has_error:
        for child in node.children:
            yield from _problems(child)


def check_text(path: Path, text: str) -> list[SyntaxProblem]:
    source = mask_mql(text).encode("utf-8")
    tree = Parser(Language(tree_sitter_cpp.language())).parse(source)
    found = []
    for node in _problems(tree.root_node):
        row, col_bytes = node.start_point
        line = source.split(b"\n")[row]
        column = len(line[:col_bytes].decode("utf-8", "replace")) + 1
        if node.is_missing:
            message = f"missing {node.type!r}"
        else:
            snippet = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
            snippet = snippet.strip().splitlines()[0][:60] if snippet.strip() else ""
            message = f"syntax error near {snippet!r}"
        found.append(SyntaxProblem(path, row + 1, column, message))
    return found


def check_file(path: Path) -> list[SyntaxProblem]:
    text = path.read_text(encoding="utf-8")
    platforms = list(PLATFORM_MACROS) if path.suffix == ".mqh" else [platform_of(path)]
    found: list[SyntaxProblem] = []
    for platform in platforms:
        for problem in check_text(path, select_platform(text, platform, str(path))):
            if problem not in found:
                found.append(problem)
    return found


def ea_files(root: Path = REPO / "ea") -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in EA_SUFFIXES)


def check_all(paths: Iterable[Path]) -> list[SyntaxProblem]:
    return [problem for path in paths for problem in check_file(path)]


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or ea_files()
    problems = check_all(paths)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} files, {len(problems)} syntax errors", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
