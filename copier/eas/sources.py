"""The EA files that ship with TradeCopier and where each goes in a terminal's data folder, plus
the check that every ``#include`` of an installed EA resolves there as MetaEditor resolves it.

The one place that knows the layout of ``ea/``:

    ea/MQL4/Experts/TradeCopy_*.mq4 (and .ex4)  ->  <data>/MQL4/Experts/
    ea/MQL5/Experts/TradeCopy_*.mq5 (and .ex5)  ->  <data>/MQL5/Experts/
    ea/Include/TradeCopy/*.mqh                  ->  <data>/MQL4/Include/TradeCopy/ and
                                                    <data>/MQL5/Include/TradeCopy/

The includes are kept once for both platforms (``#ifdef __MQL4__``/``__MQL5__`` where they
differ); the EAs name them ``#include <TradeCopy/Json.mqh>``, which MetaEditor looks up in
``<data>/MQLn/Include`` only.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from copier.domain import Platform

MQL_FOLDER = {Platform.MT4: "MQL4", Platform.MT5: "MQL5"}
EXPERT_SUFFIXES = {Platform.MT4: (".mq4", ".ex4"), Platform.MT5: (".mq5", ".ex5")}
EXPERT_PREFIX = "TradeCopy_"
INCLUDE_FOLDER = "TradeCopy"  # <data>/MQLn/Include/TradeCopy: the folder the EAs' #include names

# The preprocessor lines the include check follows: includes, and the conditional compilation
# MQL has (#ifdef, #ifndef, #else, #endif, and #define for what they test).
_DIRECTIVE = re.compile(r'^\s*#\s*(include|ifdef|ifndef|else|endif|define)\b\s*(.*)$')
_INCLUDE = re.compile(r'^([<"])([^>"]+)[>"]')
# The macro each platform's compiler defines: __MQL4__ for a .mq4, __MQL5__ for a .mq5
# (https://docs.mql4.com/basis/preprosessor/conditional_compilation).
PLATFORM_MACRO = {Platform.MT4: "__MQL4__", Platform.MT5: "__MQL5__"}


class EaSource(NamedTuple):
    """One file to install: where it is, and where it goes relative to the data folder."""

    source: Path
    destination: str  # e.g. "MQL5/Include/TradeCopy/Json.mqh", always with forward slashes


def default_ea_root() -> Path:
    """The ``ea/`` folder shipped with the app: inside a frozen build (PyInstaller puts the data
    files under ``sys._MEIPASS``, build.spec keeps ``ea/`` as it is) or next to the package."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    base = Path(frozen_root) if frozen_root else Path(__file__).resolve().parents[2]
    return base / "ea"


def ea_sources(platform: Platform, root: Path | None = None) -> list[EaSource]:
    """Every file of ``platform``'s EAs found under ``root`` (default: the shipped ``ea/``), with
    its destination: the shared includes first (a terminal that compiles an EA the moment it
    appears finds them), then the experts, source and, when present, compiled.
    Only what exists is listed; :func:`missing_sources` says what a complete set lacks."""
    root = default_ea_root() if root is None else root
    mql = MQL_FOLDER[platform]
    found: list[EaSource] = []
    includes = root / "Include" / INCLUDE_FOLDER
    if includes.is_dir():
        found += [EaSource(path, f"{mql}/Include/{INCLUDE_FOLDER}/{path.name}")
                  for path in sorted(includes.iterdir())
                  if path.is_file() and path.suffix.lower() == ".mqh"]
    experts = root / mql / "Experts"
    if experts.is_dir():
        found += [EaSource(path, f"{mql}/Experts/{path.name}") for path in sorted(experts.iterdir())
                  if path.is_file() and path.name.startswith(EXPERT_PREFIX)
                  and path.suffix.lower() in EXPERT_SUFFIXES[platform]]
    return found


def missing_sources(platform: Platform, root: Path, sources: list[EaSource]) -> list[str]:
    """Sentences naming what a complete set of ``platform``'s EA files lacks (empty: complete)."""
    mql = MQL_FOLDER[platform]
    problems = []
    if not any(s.destination.startswith(f"{mql}/Experts/") for s in sources):
        problems.append(f"the {platform.value.upper()} EAs are missing from "
                        f"{root / mql / 'Experts'} — reinstall TradeCopier to get them back")
    if not any("/Include/" in s.destination for s in sources):
        problems.append(f"the EAs' include files are missing from "
                        f"{root / 'Include' / INCLUDE_FOLDER} — reinstall TradeCopier to get "
                        "them back")
    return problems


def read_source(path: Path) -> str:
    """An MQL source as text: MetaEditor saves UTF-16 LE with a byte-order mark or UTF-8."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8-sig", errors="replace")


def includes_of(text: str, defined: set[str]) -> Iterator[tuple[bool, str]]:
    """The ``#include`` lines the compiler reads in an MQL file, in order, given the macros
    ``defined`` (updated with the file's ``#define``s as they come, so a caller that reads each
    include when it is yielded sees its defines too): (angle brackets?, file name as written).
    Lines in a branch of ``#ifdef``/``#ifndef``/``#else`` that does not compile are left out."""
    branches: list[bool] = []  # whether each open conditional block compiles
    for line in text.splitlines():
        directive = _DIRECTIVE.match(line)
        if directive is None:
            continue
        word, rest = directive.group(1), directive.group(2).strip()
        name = rest.split()[0] if rest.split() else ""
        if word in ("ifdef", "ifndef"):
            branches.append((name in defined) == (word == "ifdef"))
        elif word == "else" and branches:
            branches[-1] = not branches[-1]
        elif word == "endif" and branches:
            branches.pop()
        elif not all(branches):
            continue
        elif word == "define" and name:
            defined.add(name)
        elif word == "include" and (target := _INCLUDE.match(rest)):
            yield target.group(1) == "<", target.group(2).strip()


def unresolved_includes(data_path: Path, platform: Platform) -> list[str]:
    """``file: #include <name>`` for every include of our installed EAs that does not resolve in
    the data folder, following includes of includes.

    As MetaEditor resolves them (https://docs.mql4.com/basis/preprosessor/include and
    https://www.mql5.com/en/docs/basis/preprosessor/include): ``<name>`` is looked up in
    ``<data>/MQLn/Include`` only; ``"name"`` next to the file that says it (as the standard
    library's own ``Include/Trade/Trade.mqh`` includes ``"OrderInfo.mqh"``)."""
    mql = data_path / MQL_FOLDER[platform]
    experts = sorted(p for p in (mql / "Experts").glob(f"{EXPERT_PREFIX}*")
                     if p.suffix.lower() == EXPERT_SUFFIXES[platform][0])
    problems: list[str] = []
    for expert in experts:  # each EA compiles on its own, with its platform's macro only
        _walk(expert, data_path, {PLATFORM_MACRO[platform]}, set(), problems)
    return problems


def _walk(current: Path, data_path: Path, defined: set[str], seen: set[Path],
          problems: list[str]) -> None:
    """Read ``current`` as the preprocessor does, each include where it stands."""
    seen.add(current)
    include_root = data_path / current.relative_to(data_path).parts[0] / "Include"
    for angle, name in includes_of(read_source(current), defined):
        base = include_root if angle else current.parent
        target = base / name.replace("\\", "/")
        if not target.is_file():
            written = f"<{name}>" if angle else f'"{name}"'
            problems.append(f"{current.relative_to(data_path)}: #include {written} is not in "
                            f"{base}")
        elif target not in seen:
            _walk(target, data_path, defined, seen, problems)
