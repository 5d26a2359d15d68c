r"""MQL → C++17 translation: a few token rewrites that keep every line where it was.

The translated tree is compiled by g++ against the runtime headers in ``runtime/``; every
translated file starts with ``#line 1 "<original>"`` so compiler errors name the MQL file and line.
The rewrites (documented in ea/README.md, "Checking the EAs on Linux"):

1. ``#property`` lines become empty lines;
2. ``#import "x.dll"`` … ``#import`` becomes ``namespace mql_import_x_dll {`` … ``}`` plus a
   using-directive: the runtime implements each imported function there, so a prototype the
   runtime does not provide (or provides with other parameter types) fails to link;
3. ``input``/``sinput``/``extern`` variables read their value through ``mql_input`` (the run
   harness sets inputs from the command line);
4. arrays: ``T name[]`` and ``T name[N]`` declarations become ``MqlArray<T>`` objects (dynamic, or
   fixed with N elements) and ``T &name[]`` parameters become ``MqlArray<T> &name``;
5. MQL lets a function be called above its definition: every function defined in the EA and its
   includes gets a prototype in ``<EA>.protos.hpp``, after forward declarations of its structs;
6. ``\xhhhh`` in a string literal is one UTF-16 character of 1 to 4 hex digits in MQL
   (https://docs.mql4.com/basis/types/integer/symbolconstants, https://docs.mql4.com/basis/types/
   stringconst: "Copyright symbol\t\x00A9"); C++ reads every hex digit that follows, so it becomes
   ``\uhhhh`` (an octal escape below 0x80) — the EAs write non-ASCII text that way, see
   test_ea_text.py.

Before these, each file is reduced to its platform's branches (preprocess.py: ``__MQL4__`` for a
``.mq4`` program, ``__MQL5__`` for a ``.mq5`` one). Includes resolve as MetaEditor resolves them
(https://docs.mql4.com/basis/preprosessor/include, https://www.mql5.com/en/docs/basis/preprosessor/include):
``#include <X>`` only under the program's ``MQL4/Include`` or ``MQL5/Include`` (the folder above
``Experts``), ``#include "X"`` only beside the file that names it; a file not found there is an
``IncludeError`` naming the file and line, as MetaEditor refuses the program.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_cpp
from tree_sitter import Language, Parser

from harness.gate import mask_mql
from harness.preprocess import platform_of, select_platform

SCALARS = ("bool", "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "float",
           "double", "string", "datetime", "color")
EVENT_HANDLERS = ("OnInit", "OnDeinit", "OnTimer", "OnTick", "OnTradeTransaction")

_PROPERTY = re.compile(r"^[ \t]*#property\b.*$", re.M)
_IMPORT_OPEN = re.compile(r'^[ \t]*#import[ \t]+"([^"]+)"[ \t]*$', re.M)
_IMPORT_CLOSE = re.compile(r"^[ \t]*#import[ \t]*$", re.M)
_INPUT = re.compile(
    r"^([ \t]*)(?:input|sinput|extern)[ \t]+(\w+)[ \t]+(\w+)[ \t]*=[ \t]*([^;]+);", re.M)
_INCLUDE = re.compile(r'^[ \t]*#include[ \t]+(?:<([^>]+)>|"([^"]+)")', re.M)
_STRUCT = re.compile(r"\bstruct[ \t]+(\w+)")
_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
_HEX = re.compile(r"\\x([0-9A-Fa-f]{1,4})")


def _hex_escape(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return f"\\{code:03o}" if code < 0x80 else f"\\u{code:04X}"


def _string_escapes(text: str) -> str:
    return _STRING.sub(lambda m: _HEX.sub(_hex_escape, m.group(0)), text)


def import_namespace(dll: str) -> str:
    return "mql_import_" + re.sub(r"\W", "_", dll.lower())


def struct_names(texts: list[str]) -> list[str]:
    return sorted({name for text in texts for name in _STRUCT.findall(text)})


def _array_params(text: str, types: str) -> str:
    pattern = re.compile(rf"\b(const[ \t]+)?({types})[ \t]*&[ \t]*(\w+)[ \t]*\[[ \t]*\]")
    return pattern.sub(lambda m: f"{m.group(1) or ''}MqlArray<{m.group(2)}> &{m.group(3)}", text)


def _declarator(text: str) -> str:
    m = re.fullmatch(r"\s*(\w+)\s*\[\s*([^\]]*?)\s*\]\s*", text)
    if m is None:
        raise ValueError(f"an array declaration may declare arrays only: {text.strip()!r}")
    name, size = m.groups()
    return f"{name}" if not size else f"{name}{{{size},true}}"


def _array_declarations(text: str, types: str) -> str:
    pattern = re.compile(
        rf"^([ \t]*)((?:static[ \t]+)?)({types})[ \t]+([^;()=\n]*\[[^;()=\n]*\])[ \t]*;", re.M)

    def rewrite(m: re.Match[str]) -> str:
        declarators = ",".join(_declarator(d) for d in m.group(4).split(","))
        return f"{m.group(1)}{m.group(2)}MqlArray<{m.group(3)}> {declarators};"

    return pattern.sub(rewrite, text)


class IncludeError(RuntimeError):
    """An ``#include`` names a file that is not where MetaEditor looks; ``str()`` says where."""


def translate_text(text: str, structs: list[str], platform: str = "mql4") -> str:
    """One MQL file as C++ for ``platform``, line for line."""
    types = "|".join((*SCALARS, *structs))
    text = select_platform(text, platform)
    text = _string_escapes(_PROPERTY.sub("", text))
    text = _IMPORT_OPEN.sub(lambda m: f"namespace {import_namespace(m.group(1))} {{", text)
    for ns in re.findall(r"namespace (mql_import_\w+) \{", text):
        text = _IMPORT_CLOSE.sub(f"}} using namespace {ns};", text, count=1)
    text = _INPUT.sub(
        lambda m: f'{m.group(1)}{m.group(2)} {m.group(3)} = mql_input<{m.group(2)}>'
                  f'("{m.group(3)}", {m.group(4).strip()});', text)
    text = _array_params(text, types)
    return _array_declarations(text, types)


@dataclass
class Program:
    """One EA and the includes it pulls in, in include order, each as its platform reads it."""

    main: Path
    include_dir: Path
    platform: str
    files: list[Path] = field(default_factory=list)
    texts: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def of(cls, main: Path) -> Program:
        """``main`` is ``<data>/MQL4/Experts/X.mq4`` (or MQL5): its includes resolve under
        ``<data>/MQL4/Include``."""
        main = main.resolve()
        program = cls(main, main.parent.parent / "Include", platform_of(main))
        program._visit(main)
        return program

    def _visit(self, path: Path) -> None:
        if path in self.files:
            return
        self.files.append(path)
        text = select_platform(path.read_text(encoding="utf-8"), self.platform, str(path))
        self.texts[path] = text
        for m in _INCLUDE.finditer(text):
            standard, local = m.groups()
            found = self.include_dir / standard if standard else path.parent / local
            if not found.is_file():
                line = text.count("\n", 0, m.start()) + 1
                where = self.include_dir if standard else path.parent
                raise IncludeError(f"{path}:{line}: cannot open include file "
                                   f"'{standard or local}' (looked in {where})")
            self._visit(found.resolve())


def _function_heads(text: str) -> list[tuple[str, str]]:
    """(name, head text) of every top-level function definition, from the masked source."""
    masked = mask_mql(text)
    source = masked.encode("utf-8")
    tree = Parser(Language(tree_sitter_cpp.language())).parse(source)
    heads = []
    for node in tree.root_node.children:
        if node.type != "function_definition":
            continue
        body = node.child_by_field_name("body")
        declarator = node.child_by_field_name("declarator")
        if body is None or declarator is None:
            continue
        head = source[node.start_byte:body.start_byte].decode("utf-8").strip()
        name_node = declarator.child_by_field_name("declarator")
        name = source[name_node.start_byte:name_node.end_byte].decode() if name_node else ""
        heads.append((name, " ".join(head.split())))
    return heads


def prototypes(program: Program, structs: list[str]) -> str:
    types = "|".join((*SCALARS, *structs))
    lines = ["// generated: forward declarations so functions may be used above their definition"]
    lines += [f"struct {name};" for name in structs]
    defined = set()
    for path in program.files:
        for name, head in _function_heads(program.texts[path]):
            lines.append(_array_params(head, types) + ";")
            defined.add(name)
    lines += [f"#define MQL_HAS_{name} 1" for name in EVENT_HANDLERS if name in defined]
    return "\n".join(lines) + "\n"


def translate_program(main: Path, out: Path) -> Path:
    """Translate one EA into ``out``; returns the C++ file that compiles it. ``out`` mirrors the
    program's ``MQL4``/``MQL5`` folder (``Experts/…``, ``Include/…``)."""
    program = Program.of(main)
    main = program.main
    texts = [program.texts[p] for p in program.files]
    structs = struct_names(texts)
    mirror_root = main.parent.parent
    for path in program.files:
        target = out / path.relative_to(mirror_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        body = translate_text(program.texts[path], structs, program.platform)
        # MQL includes a file once however often it is named
        guard = "#pragma once\n" if path.suffix == ".mqh" else ""
        target.write_text(f'{guard}#line 1 "{path}"\n{body}', encoding="utf-8")
    protos = out / f"{main.stem}.protos.hpp"
    protos.write_text(prototypes(program, structs), encoding="utf-8")
    unit = out / f"{main.stem}.cpp"
    unit.write_text(
        f'#include "{program.platform}.hpp"\n#include "{protos.name}"\n'
        f'#include "{(out / main.relative_to(mirror_root)).as_posix()}"\n'
        f'#include "harness_main.hpp"\n', encoding="utf-8")
    return unit
