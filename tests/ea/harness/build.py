"""Compiles an EA: translate it (translate.py), then g++ -std=c++17 -Wall -Werror with the runtime.

``compile_ea(source, out_dir)`` returns the binary, or raises ``CompileError`` whose text lists
g++'s diagnostics, which name the original MQL file and line (``#line`` in the translation).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.translate import translate_program

RUNTIME = Path(__file__).resolve().parent / "runtime"
FLAGS = ["-std=c++17", "-Wall", "-Werror", "-O1", "-Wno-unused-function"]


class CompileError(RuntimeError):
    """g++ refused the EA; ``str()`` holds its diagnostics."""


def runtime_objects(out_dir: Path) -> list[Path]:
    """The runtime's own units (terminal, POSIX network), compiled once per out_dir."""
    objects = []
    for unit in ("terminal.cpp", "net_posix.cpp"):
        obj = out_dir / unit.replace(".cpp", ".o")
        if not obj.exists():
            _run(["g++", *FLAGS, "-c", str(RUNTIME / unit), "-o", str(obj)])
        objects.append(obj)
    return objects


def compile_ea(source: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / source.stem
    unit = translate_program(source, work)
    binary = out_dir / f"{source.stem}{source.suffix.replace('.', '_')}"
    _run(["g++", *FLAGS, f"-I{RUNTIME}", f"-I{work}", f"-I{work / 'Include'}", str(unit),
          *map(str, runtime_objects(out_dir)), "-o", str(binary)])
    return binary


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise CompileError(done.stderr or done.stdout)
