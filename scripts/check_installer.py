"""Compiles the Windows installer script (``installer/TradeCopier.nsi``) with ``makensis``, warnings
treated as errors, and checks a Windows executable came out. The version is the package's.

By default the installer wraps a small stand-in bundle (an executable placeholder and an
``_internal`` folder), which proves the script itself in a second or two; ``--bundle`` wraps a
real one (``dist/TradeCopier`` from ``pyinstaller build.spec``), as the release does.

    python scripts/check_installer.py [--bundle DIR] [--out FILE] [--makensis PATH]
                                      [--sign-tool COMMAND]

Exit codes: 0 compiled; 1 makensis failed or wrote no executable; 2 makensis is not installed
(Debian/Ubuntu: ``apt-get install nsis``) or the bundle is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "installer" / "TradeCopier.nsi"
APP_EXE = "TradeCopier.exe"
COMPILE_TIMEOUT_S = 600


def package_version(init: Path = ROOT / "copier" / "__init__.py") -> str:
    found = re.search(r'^__version__\s*=\s*"([^"]+)"', init.read_text(encoding="utf-8"),
                      re.MULTILINE)
    if found is None:
        raise ValueError(f"no __version__ in {init}")
    return found.group(1)


def version_quad(version: str) -> str:
    """'1.2.3' (or '1.2.3rc1') as the four numbers Windows file properties need: '1.2.3.0'."""
    numbers = [m.group() for part in version.split(".")[:4] if (m := re.match(r"\d+", part))]
    return ".".join([*numbers, "0", "0", "0", "0"][:4])


def make_stand_in_bundle(folder: Path) -> Path:
    """The shape of a PyInstaller one-folder build, with placeholder files."""
    bundle = folder / "TradeCopier"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / APP_EXE).write_text("stand-in for the PyInstaller executable\n", encoding="utf-8")
    (bundle / "_internal" / "resources" / "README.txt").write_text("stand-in\n", encoding="utf-8")
    return bundle


def compile_installer(makensis: str, bundle: Path, out: Path, version: str,
                      sign_tool: str | None = None) -> tuple[bool, str]:
    # "-" switches: makensis on Linux reads "/D..." as a file name; Windows accepts both.
    command = [makensis, "-V2", "-WX", f"-DVERSION={version}",
               f"-DVERSION_QUAD={version_quad(version)}", f"-DBUNDLE_DIR={bundle}",
               f"-DOUTFILE={out}"]
    if sign_tool:  # run by makensis on the uninstaller and on the setup it writes
        command.append(f"-DSIGN_TOOL={sign_tool}")
    command.append(str(SCRIPT))
    try:
        done = subprocess.run(command, cwd=SCRIPT.parent, capture_output=True, text=True,
                              timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"makensis did not finish within {COMPILE_TIMEOUT_S} s"
    except OSError as problem:
        return False, f"makensis could not be started: {problem}"
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        return False, output or f"makensis exited with {done.returncode}"
    if not out.is_file() or out.read_bytes()[:2] != b"MZ":
        return False, f"makensis reported success but {out} is not a Windows executable"
    return True, output


def installer_path(out: Path, version: str) -> Path:
    """``out`` itself, or ``TradeCopier-VERSION-setup.exe`` inside it when it is a folder."""
    if out.is_dir():
        out = out / f"TradeCopier-{version}-setup.exe"
    return out.resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bundle", type=Path, default=None,
                        help="a PyInstaller one-folder build (default: a stand-in)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the installer file, or a folder for TradeCopier-VERSION-setup.exe")
    parser.add_argument("--makensis", default=shutil.which("makensis"))
    parser.add_argument("--sign-tool", default=None,
                        help='command that signs a file given last, e.g. "pwsh -NoProfile -File '
                             'scripts\\sign_windows.ps1" (the uninstaller and the setup)')
    args = parser.parse_args(argv)
    if not args.makensis:
        print("makensis not found: apt-get install nsis (Debian/Ubuntu) or install NSIS 3")
        return 2
    if args.bundle is not None and not (args.bundle / APP_EXE).is_file() \
            and not (args.bundle / "TradeCopier").is_file():
        print(f"{args.bundle} is not a TradeCopier build (no {APP_EXE} in it)")
        return 2
    version = package_version()
    with tempfile.TemporaryDirectory(prefix="tradecopier-nsis-") as folder:
        bundle = args.bundle.resolve() if args.bundle else make_stand_in_bundle(Path(folder))
        out = installer_path(args.out or Path(folder), version)
        started = time.monotonic()
        ok, output = compile_installer(args.makensis, bundle, out, version, args.sign_tool)
        seconds = time.monotonic() - started
        if not ok:
            print(f"FAILED to compile {SCRIPT.relative_to(ROOT)} ({seconds:.1f} s):\n{output}")
            return 1
        kind = "stand-in bundle" if args.bundle is None else str(bundle)
        print(f"ok: {SCRIPT.relative_to(ROOT)} compiled for {version} with the {kind} in "
              f"{seconds:.1f} s ({out.stat().st_size / 1e6:.1f} MB)"
              + ("" if args.out is None else f" -> {out}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
