"""The built-in call check: every call an EA makes to a function it does not define itself must be
a built-in of its platform, with an argument count the official signature allows, and a built-in
that only returns its result (it changes none of its arguments) must not have that result dropped.

The platform tables (``builtins_mql4.json``, ``builtins_mql5.json``, made by ``make_builtins.py``)
hold each built-in's official signature and documentation page. Each program is read as its
platform compiles it (preprocess.py), its includes resolved as MetaEditor resolves them
(translate.Program), and parsed with tree-sitter's C++ grammar after the MQL-only tokens are
blanked (gate.mask_mql). Functions the program defines, and those it imports from a DLL
(``#import "x.dll"`` prototypes), are its own and not looked up.

Usage: ``python -m harness.calls [program.mq4|.mq5 …]`` prints ``file:line: problem`` lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser

from harness.gate import mask_mql
from harness.translate import Program

TABLES = Path(__file__).resolve().parent
# C-style casts written as calls and operators tree-sitter reads as calls are not functions
NOT_FUNCTIONS = frozenset({"sizeof", "bool", "char", "uchar", "short", "ushort", "int", "uint",
                           "long", "ulong", "float", "double", "string", "datetime", "color"})


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    signature: str
    url: str
    min_args: int
    max_args: int | None  # None: variadic
    result_only: bool  # returns its result and changes no argument: dropping it is a bug


@dataclass(frozen=True, slots=True)
class Call:
    path: Path
    line: int
    name: str
    args: int
    discarded: bool


@dataclass(frozen=True, slots=True)
class CallProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@cache
def load_table(platform: str) -> dict[str, Builtin]:
    """The built-ins of ``platform`` (``mql4``/``mql5``) the EAs may call, by name."""
    data = json.loads((TABLES / f"builtins_{platform}.json").read_text(encoding="utf-8"))
    table = {}
    for name, entry in data["functions"].items():
        params = entry["params"]
        required = sum(1 for p in params if not p["optional"] and p["name"] != "...")
        variadic = any(p["name"] == "..." for p in params)
        table[name] = Builtin(name, entry["signature"], entry["url"], required,
                              None if variadic else len(params), entry["result_only"])
    return table


def _parser() -> Parser:
    return Parser(Language(tree_sitter_cpp.language()))


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _own_functions(root: Node, source: bytes) -> set[str]:
    """Names the file defines or declares (DLL imports are prototypes) at its top level."""
    names = set()
    for node in _walk(root):
        if node.type != "function_declarator":
            continue
        parent = node.parent
        if parent is None or parent.type not in ("function_definition", "declaration"):
            continue
        inner = node.child_by_field_name("declarator")
        if inner is not None:
            names.add(source[inner.start_byte:inner.end_byte].decode())
    return names


def file_calls(path: Path, text: str) -> tuple[list[Call], set[str]]:
    """The calls in one platform-selected file, and the functions it defines or imports."""
    source = mask_mql(text).encode("utf-8")
    root = _parser().parse(source).root_node
    calls = []
    for node in _walk(root):
        if node.type != "call_expression":
            continue
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or function.type != "identifier" or arguments is None:
            continue
        name = source[function.start_byte:function.end_byte].decode()
        if name in NOT_FUNCTIONS:
            continue
        count = sum(1 for a in arguments.named_children if a.type != "comment")
        parent = node.parent
        discarded = parent is not None and parent.type == "expression_statement"
        calls.append(Call(path, node.start_point[0] + 1, name, count, discarded))
    return calls, _own_functions(root, source)


def program_calls(program: Program) -> tuple[list[Call], set[str]]:
    calls: list[Call] = []
    own: set[str] = set()
    for path in program.files:
        found, defined = file_calls(path, program.texts[path])
        calls += found
        own |= defined
    return calls, own


def check_program(main: Path) -> list[CallProblem]:
    """Every problem with the built-in calls of one EA (``.mq4`` or ``.mq5``) and its includes."""
    program = Program.of(main)
    table = load_table(program.platform)
    calls, own = program_calls(program)
    problems = []
    for call in calls:
        if call.name in own:
            continue
        builtin = table.get(call.name)
        if builtin is None:
            where = f"{program.platform.upper()} (builtins_{program.platform}.json)"
            problems.append(CallProblem(call.path, call.line,
                                        f"{call.name}() is not a built-in of {where}"))
            continue
        top = builtin.max_args
        if call.args < builtin.min_args or (top is not None and call.args > top):
            allowed = (f"{builtin.min_args}" if top == builtin.min_args else
                       f"{builtin.min_args} to {'any' if top is None else top}")
            problems.append(CallProblem(call.path, call.line,
                                        f"{call.name}() takes {allowed} argument"
                                        f"{'' if allowed == '1' else 's'}, not {call.args}: "
                                        f"{builtin.signature} ({builtin.url})"))
        if call.discarded and builtin.result_only:
            problems.append(CallProblem(call.path, call.line,
                                        f"the result of {call.name}() is dropped, but it changes "
                                        f"no argument: {builtin.signature} ({builtin.url})"))
    return problems


def called_builtins(mains: list[Path]) -> dict[str, set[str]]:
    """Per platform, the names the programs call that they do not define (make_builtins.py)."""
    out: dict[str, set[str]] = {}
    for main in mains:
        program = Program.of(main)
        calls, own = program_calls(program)
        out.setdefault(program.platform, set()).update(c.name for c in calls if c.name not in own)
    return out


def main(argv: list[str]) -> int:
    problems = [p for arg in argv for p in check_program(Path(arg))]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
