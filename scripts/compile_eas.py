"""Compiles the four EAs with MetaTrader's own MetaEditor (the release workflow, on Windows) and
puts the ``.ex4``/``.ex5`` files beside their sources in ``ea/``, where build.spec ships them
(compiled files are not committed: .gitignore).

    python scripts/compile_eas.py --mt4-editor MT4\\metaeditor.exe
                                  --mt5-editor MT5\\MetaEditor64.exe [--work DIR] [--platform P]

For each platform a data folder is laid out exactly as the app's EA installer leaves one —
``MQLn/Include/TradeCopy/*.mqh`` and ``MQLn/Experts/*.mqN`` — so the compile proves that what is
installed compiles: the layout is made by the app's installer itself (``copier.eas``), with the
shared includes from ``ea/Include/TradeCopy`` (one source for both platforms).

MetaEditor's command line (https://www.metatrader5.com/en/metaeditor/help/beginning/integration_ide):
``/compile:"file"`` compiles one file, ``/inc:"folder"`` is the MQL4/MQL5 folder whose
``Include`` resolves ``#include <...>``, ``/log:"file"`` writes the compiler's messages (UTF-16
with a byte-order mark) ending in ``Result: N errors, M warnings``. Its exit code does not say
whether the compile worked, so success here is: that line found, with 0 errors and 0 warnings,
and a fresh compiled file. Anything else fails the release, with the log's messages printed.

Exit codes: 0 every EA compiled cleanly; 1 an error or warning, or no result; 2 bad arguments
(a MetaEditor that is not there, no EA sources).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EA = ROOT / "ea"
PLATFORMS = {"mt4": ("MQL4", ".mq4", ".ex4"), "mt5": ("MQL5", ".mq5", ".ex5")}
RESULT = re.compile(r"Result:\s*(\d+)\s+errors?,\s*(\d+)\s+warnings?", re.IGNORECASE)
COMPILE_TIMEOUT_S = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    source: Path
    ok: bool
    summary: str
    messages: tuple[str, ...] = ()


def lay_out(data_folder: Path, platform: str, ea: Path = EA) -> list[Path]:
    """``data_folder/MQLn`` laid out by the app's own EA installer (``copier.eas``: what Accounts →
    Install EAs and ``copier eas install`` do); returns the experts to compile there. An install
    that reports a problem (a file missing, an include that does not resolve) fails the release
    before MetaEditor runs."""
    from copier.domain import Platform
    from copier.eas.folders import TerminalFolder
    from copier.eas.install import install_eas

    mql, source_suffix, _ = PLATFORMS[platform]
    root = data_folder / mql
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    which = Platform.MT4 if platform == "mt4" else Platform.MT5
    report = install_eas(TerminalFolder(data_folder, which, ""), ea)
    if report.problems:
        raise LayoutError("\n".join(report.problems))
    return sorted((root / "Experts").glob(f"*{source_suffix}"))


class LayoutError(RuntimeError):
    """The installer refused to lay out the data folder; the message lists its problems."""


def read_log(log: Path) -> str:
    """MetaEditor writes UTF-16 with a BOM; read anything else as UTF-8 rather than fail."""
    raw = log.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    return raw.decode("utf-8", errors="replace")


def judge(log_text: str, compiled: Path, started: float) -> tuple[bool, str, tuple[str, ...]]:
    """0 errors, 0 warnings and a compiled file newer than the start, or why not."""
    lines = tuple(line.strip() for line in log_text.splitlines() if line.strip())
    messages = tuple(line for line in lines
                     if re.search(r"\b(error|warning)\b", line, re.IGNORECASE)
                     and not RESULT.search(line))
    found = RESULT.search(log_text)
    if found is None:
        return False, "MetaEditor wrote no 'Result:' line", lines[-20:]
    errors, warnings = int(found.group(1)), int(found.group(2))
    if errors or warnings:
        return False, f"{errors} errors, {warnings} warnings", messages
    if not compiled.is_file() or compiled.stat().st_mtime < started - 2:  # FAT/NTFS granularity
        return False, f"0 errors but no fresh {compiled.name}", lines[-20:]
    return True, "0 errors, 0 warnings", ()


def compile_one(editor: list[str], source: Path, mql_folder: Path, logs: Path) -> Outcome:
    _, _, compiled_suffix = PLATFORMS["mt4" if mql_folder.name == "MQL4" else "mt5"]
    log = logs / f"{source.stem}.log"
    log.unlink(missing_ok=True)
    compiled = source.with_suffix(compiled_suffix)
    started = time.time()
    command = [*editor, f"/compile:{source}", f"/inc:{mql_folder}", f"/log:{log}"]
    try:
        subprocess.run(command, capture_output=True, timeout=COMPILE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return Outcome(source, False, f"MetaEditor could not run: {problem}")
    if not log.is_file():
        return Outcome(source, False, f"MetaEditor wrote no log at {log}")
    ok, summary, messages = judge(read_log(log), compiled, started)
    return Outcome(source, ok, summary, messages)


def ship(outcome: Outcome, ea: Path, platform: str) -> Path:
    """The compiled file beside its source in ea/, where build.spec picks it up."""
    mql, _, compiled_suffix = PLATFORMS[platform]
    compiled = outcome.source.with_suffix(compiled_suffix)
    target = ea / mql / "Experts" / compiled.name
    shutil.copy2(compiled, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mt4-editor", nargs="+", default=None,
                        help="MetaTrader 4's metaeditor.exe (a command: more words allowed)")
    parser.add_argument("--mt5-editor", nargs="+", default=None,
                        help="MetaTrader 5's MetaEditor64.exe")
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS), default=None)
    parser.add_argument("--work", type=Path, default=None, help="data folders and logs go here")
    parser.add_argument("--ea", type=Path, default=EA, help="the EA sources (default: ea/)")
    args = parser.parse_args(argv)
    platforms = args.platform or sorted(PLATFORMS)
    editors = {"mt4": args.mt4_editor, "mt5": args.mt5_editor}
    for platform in platforms:
        editor = editors[platform]
        if not editor or not (Path(editor[0]).is_file() or shutil.which(editor[0])):
            print(f"{platform}: no MetaEditor at {editor and editor[0]} (--{platform}-editor)")
            return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="tradecopier-eas-"))
    failed = 0
    for platform in platforms:
        data_folder = work / platform
        try:
            experts = lay_out(data_folder, platform, args.ea)
        except LayoutError as refused:  # the installer would leave EAs that cannot compile
            print(f"{platform}: FAILED — the installer's layout:")
            for problem in str(refused).splitlines():
                print(f"    {problem}")
            failed += 1
            continue
        if not experts:
            print(f"{platform}: no EA sources under {args.ea}")
            return 2
        logs = work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for source in experts:
            outcome = compile_one(editors[platform], source, source.parents[1], logs)
            print(f"{platform} {source.name}: {'ok' if outcome.ok else 'FAILED'} — "
                  f"{outcome.summary}")
            for message in outcome.messages:
                print(f"    {message}")
            if outcome.ok:
                print(f"    shipped as {ship(outcome, args.ea, platform).relative_to(args.ea)}")
            else:
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
