"""Micro-benchmark of one key re-check pass over many live sessions (``KeyWatch.recheck``).

``--sessions`` stand-in sessions, each with its own key in a ``MemoryKeyVerifier``; the pass is
run ``--passes`` times after two warm-up passes and a ``gc.freeze``. Printed per pass: the
event loop thread's CPU, the whole process's CPU (the verifier runs on a worker thread, which
contends for the interpreter lock with the loop), and the collections the passes set off.

    python bench/key_recheck.py [--sessions 10000] [--passes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier.bridge.audit import AuditTrail
from copier.bridge.auth import MemoryKeyVerifier, key_id_of
from copier.bridge.keywatch import KeyWatch
from copier.bridge.protocol import Role
from copier.bridge.session import Session


class IdleSession:
    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.closing = False
        self.role = Role.EXECUTOR
        self.key_expires_ms: int | None = None


class NoAudit:
    def record(self, action: str, detail: dict[str, Any]) -> None:
        return None


async def main(args: argparse.Namespace) -> None:
    verifier = MemoryKeyVerifier()
    sessions = [IdleSession(key_id_of(verifier.issue(f"mt5:{n}@S", n, "S")))
                for n in range(args.sessions)]  # fmt: skip
    watch = KeyWatch(verifier, 7, lambda: int(time.time() * 1000), cast(AuditTrail, NoAudit()))
    live = cast(list[Session], sessions)
    for _ in range(2):
        await watch.recheck(live)
    gc.collect()
    gc.freeze()
    before = gc.get_stats()
    thread0, process0 = time.thread_time(), time.process_time()
    for _ in range(args.passes):
        await watch.recheck(live)
    thread_ms = (time.thread_time() - thread0) * 1000 / args.passes
    process_ms = (time.process_time() - process0) * 1000 / args.passes
    after = gc.get_stats()
    runs = [after[g]["collections"] - before[g]["collections"] for g in range(3)]
    print(f"{args.sessions} sessions, {args.passes} passes: per pass {thread_ms:.1f} ms on the "
          f"loop's thread, {process_ms:.1f} ms of process CPU; collections in all: gen 0 "
          f"{runs[0]}, gen 1 {runs[1]}, gen 2 {runs[2]}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=10)
    asyncio.run(main(parser.parse_args()))
