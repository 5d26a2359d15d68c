"""Smoke checks of a built bundle on Windows (the ``windows`` workflow runs them one per step):

    python scripts/windows_smoke.py CHECK [--program EXE ...]

Checks:
  platform-self-test  ``--self-test`` through Qt's real ``windows`` platform plugin (QT_QPA_PLATFORM
                      set to it: Qt refuses to start when the plugin is missing from the bundle),
                      so CI no longer sees only ``offscreen``.
  frozen-worker       ``demo --headless --transport mt5 --simulate``: the frozen executable spawns
                      its own MT5 worker processes (multiprocessing spawn children of the exe)
                      against the MetaTrader5 stand-in and copies trades through them.
  keyring             set, get and delete a password through the app's vault on the system's key
                      store (Credential Manager on Windows), with the keyring the release locks.
  leftovers           no TradeCopier process is left behind by the steps before.

``--program`` is the command that runs the copier: by default the bundle's console companion
``dist/TradeCopier/tradecopier-cli.exe``; tests on Linux pass ``python installer/launch.py``.
Every check prints one line and exits 0 when it holds, 1 when it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROGRAM = ROOT / "dist" / "TradeCopier" / "tradecopier-cli.exe"
TIMEOUT_S = 240
PROCESS_NAMES = {"tradecopier.exe", "tradecopier-cli.exe", "tradecopier", "tradecopier-cli"}


def run(program: list[str], *args: str, platform: str = "offscreen",
        timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """The copier in throw-away data and settings folders, with the Qt platform given."""
    with tempfile.TemporaryDirectory(prefix="tradecopier-smoke-") as folder:
        env = {**os.environ, "QT_QPA_PLATFORM": platform,
               "TRADECOPIER_DATA_DIR": str(Path(folder) / "data"),
               "TRADECOPIER_CONFIG_DIR": str(Path(folder) / "config")}
        return subprocess.run([*program, *args], cwd=folder, env=env, capture_output=True,
                              text=True, encoding="utf-8", errors="replace", timeout=timeout)


def platform_self_test(program: list[str]) -> tuple[bool, str]:
    done = run(program, "--self-test", platform="windows")
    ok = done.returncode == 0 and "self-test passed" in done.stderr
    return ok, f"exit {done.returncode}: {done.stderr.strip()[-1500:]}"


def frozen_worker(program: list[str]) -> tuple[bool, str]:
    done = run(program, "demo", "--headless", "--transport", "mt5", "--simulate",
               "--seconds", "5", "--json")
    try:
        executed = int(json.loads(done.stdout.strip().splitlines()[-1])["executed"])
    except (ValueError, IndexError, KeyError, TypeError):
        executed = 0
    ok = done.returncode == 0 and executed > 0  # exit 0: nothing failed, lost or duplicated
    detail = f"exit {done.returncode}, {executed} copies executed through the worker processes"
    return ok, detail if ok else f"{detail}: {(done.stdout + done.stderr).strip()[-1500:]}"


def keyring_round_trip(_: list[str]) -> tuple[bool, str]:
    import keyring

    from copier.vault import PasswordVault, VaultError

    vault = PasswordVault(service=f"TradeCopier-smoke-{uuid.uuid4().hex[:8]}")
    account, secret = "smoke-account", f"pässwörd-{uuid.uuid4().hex}"
    backend = type(vault.backend).__name__
    try:
        vault.store(account, secret)
    except VaultError as refused:
        return False, f"{backend}: {refused}"
    try:
        read = keyring.get_password(vault.service, account)
    finally:
        vault.forget(account)
    gone = keyring.get_password(vault.service, account) is None
    ok = read == secret and gone
    return ok, f"{backend}: stored and read back {read == secret}, deleted {gone}"


def leftovers(_: list[str]) -> tuple[bool, str]:
    import psutil

    found = [f"{p.info['name']} (pid {p.info['pid']})"
             for p in psutil.process_iter(["name", "pid"])
             if (p.info["name"] or "").lower() in PROCESS_NAMES]
    return not found, ", ".join(found) or "no TradeCopier process left"


CHECKS: dict[str, Callable[[list[str]], tuple[bool, str]]] = {
    "platform-self-test": platform_self_test,
    "frozen-worker": frozen_worker,
    "keyring": keyring_round_trip,
    "leftovers": leftovers,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--program", nargs="+", default=[str(DEFAULT_PROGRAM)],
                        help="the command that runs the copier (default: the bundle's CLI exe)")
    args = parser.parse_args(argv)
    # The checks run in throw-away folders: a program given by a relative path is resolved here.
    program = [str(Path(part).absolute()) if Path(part).exists() else part
               for part in args.program]
    try:
        ok, detail = CHECKS[args.check](program)
    except (OSError, subprocess.TimeoutExpired) as problem:
        ok, detail = False, f"could not run: {problem}"
    print(f"{args.check}: {'ok' if ok else 'FAILED'} — {detail}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
