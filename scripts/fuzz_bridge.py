"""The large fuzz run: 100,000 generated frames (or --frames N) against a live bridge.

It runs the fuzz suite's live-bridge test with ``TC_FUZZ_FRAMES`` set, so the large run checks
exactly what the small corpus checks in every test run: no crash, no error logged by the copier,
and a healthy link copying meanwhile loses nothing. Exit status is pytest's.

    python scripts/fuzz_bridge.py                # 100,000 frames (82 s on a 2-core machine)
    python scripts/fuzz_bridge.py --frames 20000 --seed 11
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST = "tests/fuzz/test_bridge_fuzz.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000, help="frames to send (100,000)")
    parser.add_argument("--seed", type=int, default=7, help="the generator's seed (7)")
    args = parser.parse_args(argv)
    env = {**os.environ, "TC_FUZZ_FRAMES": str(args.frames), "TC_FUZZ_SEED": str(args.seed)}
    # -n 0: one test, in this one process (the suite's addopts would start two workers).
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", TEST]
    print(f"fuzzing the bridge with {args.frames:,} frames (seed {args.seed})", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=REPO, env=env)
    print(f"done in {time.monotonic() - started:.0f} s, exit status {code}", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
