"""Bundle smoke test: builds TradeCopier with ``build.spec``, starts the built console executable
(``tradecopier-cli``, beside the windowed ``TradeCopier``) headless with ``--self-test`` (the demo
window offscreen copies one trade and closes), then (POSIX) the windowed one with no standard
streams, its result read from the log file, and checks the bundle stays under a recorded size.
Prints how long the build took and the bundle's size.

    python scripts/build_smoke.py [--dist DIR] [--work DIR] [--skip-build] [--limit-mb N]

Exit codes: 0 all good; 1 the self-test failed; 2 the build failed; 3 the bundle is too large;
4 PyInstaller is missing (``pip install -e ".[build]"``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "TradeCopier"  # windowed: what a trader double-clicks
CLI_NAME = "tradecopier-cli"  # its console companion: output and exit codes reach the caller
# Measured: 250.6 MB on Linux (PySide6 6.11, Python 3.11; Qt's ICU data alone is 31 MB there).
# The limit leaves room for ordinary dependency updates; a jump past it means something
# unwanted (another Qt module, a test tool, a data set) got into the bundle.
SIZE_LIMIT_MB = 300.0
BUILD_TIMEOUT_S = 900
SELF_TEST_TIMEOUT_S = 180


@dataclass(frozen=True, slots=True)
class Step:
    ok: bool
    seconds: float
    output: str


def build(dist: Path, work: Path) -> Step:
    """``pyinstaller build.spec`` into ``dist``/``work`` (both outside git: see .gitignore)."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level",
               "WARN", "--distpath", str(dist), "--workpath", str(work), str(ROOT / "build.spec")]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return Step(False, time.monotonic() - started,
                    f"the build did not finish within {BUILD_TIMEOUT_S} s")
    return Step(done.returncode == 0, time.monotonic() - started, done.stdout + done.stderr)


def executable(bundle: Path, name: str = APP_NAME) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def self_test(program: Path) -> Step:
    """Run the built app with ``--self-test`` offscreen, in a throw-away config folder."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tradecopier-smoke-") as folder:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "TRADECOPIER_CONFIG_DIR": str(Path(folder) / "config"),
               "TRADECOPIER_DATA_DIR": str(Path(folder) / "data")}
        env.pop("PYTHONPATH", None)  # the bundle must run on what it carries, nothing else
        try:
            done = subprocess.run([str(program), "--self-test"], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=SELF_TEST_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Step(False, time.monotonic() - started,
                        f"--self-test did not end within {SELF_TEST_TIMEOUT_S} s")
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        output += f"\n(exit code {done.returncode})"
    return Step(done.returncode == 0, time.monotonic() - started, output)


def _close_stdio() -> None:  # in the child, before the executable starts
    for fd in (0, 1, 2):
        os.close(fd)


def no_stdio_self_test(program: Path) -> Step:
    """The windowed executable's ``--self-test`` started with no standard streams at all, as a
    double-click starts it on Windows: Python then sets ``sys.stdout``/``sys.stderr`` to None,
    and the result must be in ``<data>/logs/copier.log``. POSIX only (closing the child's file
    descriptors); on Windows scripts/exe_no_stdio.ps1 starts it through the shell instead."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tradecopier-nostdio-") as folder:
        data = Path(folder) / "data"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "TRADECOPIER_CONFIG_DIR": str(Path(folder) / "config"),
               "TRADECOPIER_DATA_DIR": str(data)}
        env.pop("PYTHONPATH", None)
        try:
            code = subprocess.run([str(program), "--self-test"], cwd=folder, env=env,
                                  preexec_fn=_close_stdio, timeout=SELF_TEST_TIMEOUT_S).returncode
        except subprocess.TimeoutExpired:
            return Step(False, time.monotonic() - started,
                        f"--self-test without stdio did not end within {SELF_TEST_TIMEOUT_S} s")
        log = data / "logs" / "copier.log"
        text = log.read_text(encoding="utf-8") if log.is_file() else ""
    ok = code == 0 and "self-test passed" in text and "Traceback" not in text
    detail = f"exit code {code}; log file: " + (text.strip()[-1500:] or "none")
    return Step(ok, time.monotonic() - started, detail)


def folder_size(folder: Path) -> int:
    """Bytes in every file under ``folder`` (links not followed: PyInstaller links on Linux)."""
    return sum(path.stat().st_size for path in folder.rglob("*")
               if path.is_file() and not path.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    parser.add_argument("--skip-build", action="store_true", help="test the bundle in --dist")
    parser.add_argument("--limit-mb", type=float, default=SIZE_LIMIT_MB)
    args = parser.parse_args(argv)
    bundle = args.dist / APP_NAME

    if not args.skip_build:
        if importlib.util.find_spec("PyInstaller") is None:
            print('PyInstaller is not installed: pip install -e ".[build]"')
            return 4
        built = build(args.dist, args.work)
        print(f"build: {'ok' if built.ok else 'FAILED'} in {built.seconds:.0f} s")
        if not built.ok:
            print(built.output[-4000:])
            return 2
    programs = (executable(bundle), executable(bundle, CLI_NAME))
    missing = [str(program) for program in programs if not program.is_file()]
    if missing:
        print(f"no executable at {', '.join(missing)}")
        return 2
    program = executable(bundle, CLI_NAME)

    tested = self_test(program)
    print(f"self-test: {'ok' if tested.ok else 'FAILED'} in {tested.seconds:.1f} s")
    print("  " + tested.output.replace("\n", "\n  "))
    if sys.platform != "win32":
        quiet = no_stdio_self_test(executable(bundle))
        print(f"no-stdio self-test: {'ok' if quiet.ok else 'FAILED'} in {quiet.seconds:.1f} s")
        if not quiet.ok:
            print("  " + quiet.output.replace("\n", "\n  "))
        tested = Step(tested.ok and quiet.ok, tested.seconds, tested.output)

    size_mb = folder_size(bundle) / 1e6
    fits = size_mb <= args.limit_mb
    print(f"bundle size: {size_mb:.1f} MB (limit {args.limit_mb:g} MB) at {bundle}")
    if not tested.ok:
        return 1
    if not fits:
        print(f"the bundle grew past its limit by {size_mb - args.limit_mb:.1f} MB: look for a "
              "new dependency or Qt module in it before raising SIZE_LIMIT_MB")
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
