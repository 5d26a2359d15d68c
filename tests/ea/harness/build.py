"""Compiles an EA: translate it (translate.py), then g++ -std=c++17 -Wall -Werror with the runtime.

``compile_ea(source, out_dir)`` compiles ``<…>/MQL4/Experts/X.mq4`` (or MQL5) with its includes
resolved under ``<…>/MQL4/Include`` as MetaEditor resolves them; ``compile_from_data_folder``
does the same for an EA installed in a terminal's data folder (``layout.py`` lays one out from the
repository's ``ea/`` tree, as the installer does). Both return the binary, or raise
``CompileError`` whose text lists the diagnostics, which name the original MQL file and line
(``#line`` in the translation). The platform's macro (``__MQL4__`` or ``__MQL5__``) is defined.

MQL5's ``SocketTls*`` functions run over OpenSSL (``runtime/tls_openssl.cpp``, linked with
``-lssl -lcrypto``; Debian/Ubuntu package ``libssl-dev``). Without OpenSSL's headers the unit is
built so that every TLS call fails, and ``OPENSSL_MISSING`` says why for the tests to skip.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.preprocess import PLATFORM_MACROS, platform_of
from harness.translate import IncludeError, translate_program

RUNTIME = Path(__file__).resolve().parent / "runtime"
FLAGS = ["-std=c++17", "-Wall", "-Werror", "-O1", "-Wno-unused-function"]
OPENSSL_HEADER = Path("/usr/include/openssl/ssl.h")
OPENSSL_MISSING = ("" if OPENSSL_HEADER.exists() else
                   "OpenSSL's headers are missing (apt-get install libssl-dev): the harness cannot "
                   "run MQL5's SocketTls* functions")
TLS_LIBS = [] if OPENSSL_MISSING else ["-lssl", "-lcrypto"]
FOLDERS = {"mql4": ("MQL4", ".mq4"), "mql5": ("MQL5", ".mq5")}


class CompileError(RuntimeError):
    """g++ (or the include resolution before it) refused the EA; ``str()`` holds the reasons."""


def runtime_objects(out_dir: Path) -> list[Path]:
    """The runtime's own units (terminal, POSIX network, TLS), compiled once per out_dir."""
    objects = []
    for unit in ("terminal.cpp", "net_posix.cpp", "tls_openssl.cpp"):
        obj = out_dir / unit.replace(".cpp", ".o")
        macros = ["-DTC_NO_OPENSSL"] if OPENSSL_MISSING and unit == "tls_openssl.cpp" else []
        if not obj.exists():
            _run(["g++", *FLAGS, *macros, "-c", str(RUNTIME / unit), "-o", str(obj)])
        objects.append(obj)
    return objects


def compile_ea(source: Path, out_dir: Path, runtime_dir: Path | None = None) -> Path:
    """``source`` is ``<root>/MQL4/Experts/X.mq4`` or ``<root>/MQL5/Experts/X.mq5``; the runtime's
    objects are those compiled in ``runtime_dir`` (once, shared: tests/ea/conftest.py), else in
    ``out_dir``."""
    platform = platform_of(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / f"{source.stem}_{platform}"
    try:
        unit = translate_program(source, work)
    except IncludeError as refused:
        raise CompileError(str(refused)) from None
    binary = out_dir / f"{source.stem}{source.suffix.replace('.', '_')}"
    _run(["g++", *FLAGS, f"-D{PLATFORM_MACROS[platform]}", f"-I{RUNTIME}", f"-I{work}",
          f"-I{work / 'Include'}", str(unit), *map(str, runtime_objects(runtime_dir or out_dir)),
          *TLS_LIBS,
          "-o", str(binary)])
    return binary


def compile_from_data_folder(data_folder: Path, expert: str, out_dir: Path,
                             runtime_dir: Path | None = None) -> Path:
    """Compile ``expert`` as installed in a terminal's data folder: ``TradeCopy_Monitor.mq4`` is
    ``<data_folder>/MQL4/Experts/TradeCopy_Monitor.mq4``, its includes only what lies under
    ``<data_folder>/MQL4/Include`` (likewise ``.mq5`` under ``MQL5``)."""
    platform = platform_of(Path(expert))
    folder, _ = FOLDERS[platform]
    source = data_folder / folder / "Experts" / expert
    if not source.is_file():
        raise CompileError(f"{source}: no such expert in the data folder")
    return compile_ea(source, out_dir, runtime_dir)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise CompileError(done.stderr or done.stdout)
