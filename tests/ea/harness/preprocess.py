"""Per-platform conditional compilation: the ``#ifdef __MQL4__`` / ``#ifdef __MQL5__`` branches of
the shared EA sources, chosen the way MetaEditor chooses them, line for line.

MetaEditor defines ``__MQL4__`` when it compiles a ``*.mq4`` program and ``__MQL5__`` for a
``*.mq5`` one (https://docs.mql4.com/basis/preprosessor/conditional_compilation, "the __MQL4__
macro is available when compiling *.mq4, __MQL5__ when compiling *.mq5"); ``#ifdef``, ``#ifndef``,
``#else`` and ``#endif`` select or skip the lines between them. ``select_platform`` blanks the
skipped lines and the directives on these two macros, so every kept line stays where it was and
the translation (translate.py), the syntax gate (gate.py) and the built-in call check
(calls.py) all read the one platform's program. Conditionals on other names are kept as they are
(g++ evaluates them; the EAs have none).
"""

from __future__ import annotations

import re
from pathlib import Path

PLATFORM_MACROS = {"mql4": "__MQL4__", "mql5": "__MQL5__"}
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(ifdef|ifndef|if|else|elif|endif)\b[ \t]*(\w*)")


class PreprocessError(ValueError):
    """Unbalanced ``#ifdef``/``#else``/``#endif``; ``str()`` names the file and line."""


def platform_of(path: Path) -> str:
    """``mql4`` for a ``.mq4`` program, ``mql5`` for a ``.mq5`` one."""
    if path.suffix == ".mq4":
        return "mql4"
    if path.suffix == ".mq5":
        return "mql5"
    raise ValueError(f"{path} is not an MQL program (.mq4 or .mq5)")


def select_platform(text: str, platform: str, name: str = "<text>") -> str:
    """``text`` as MetaEditor compiles it for ``platform``: the other platform's branches and the
    directives on ``__MQL4__``/``__MQL5__`` replaced by empty lines."""
    defined = PLATFORM_MACROS[platform]
    # one frame per open conditional: (ours: it tests a platform macro, active: its branch is kept,
    # active_outside: the enclosing lines are kept)
    stack: list[tuple[bool, bool, bool]] = []
    active = True
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        m = _DIRECTIVE.match(line)
        if m is None:
            out.append(line if active else "")
            continue
        word, macro = m.groups()
        if word in ("ifdef", "ifndef"):
            ours = macro in PLATFORM_MACROS.values()
            taken = (macro == defined) == (word == "ifdef") if ours else True
            stack.append((ours, taken, active))
            active = active and taken
            out.append("" if ours or not stack[-1][2] else line)
        elif word == "if":
            stack.append((False, True, active))
            out.append(line if active else "")
        elif word in ("else", "elif"):
            if not stack:
                raise PreprocessError(f"{name}:{number}: #{word} without #ifdef")
            ours, taken, outside = stack[-1]
            if ours:
                if word == "elif":
                    raise PreprocessError(f"{name}:{number}: #elif after #ifdef {macro}")
                stack[-1] = (ours, not taken, outside)
                active = outside and not taken
                out.append("")
            else:
                out.append(line if outside else "")
        else:  # endif
            if not stack:
                raise PreprocessError(f"{name}:{number}: #endif without #ifdef")
            ours, _, outside = stack.pop()
            active = outside
            out.append("" if ours or not outside else line)
    if stack:
        raise PreprocessError(f"{name}: #ifdef without #endif at the end of the file")
    return "\n".join(out)
