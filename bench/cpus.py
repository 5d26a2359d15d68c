"""Where a benchmark's server and its load run: on CPUs of their own when asked (``--pin``).

A latency benchmark drives the server from a load process on the same machine. Left to the
scheduler, the two share CPUs, and on a 2-core Linux machine the load steals the server's: each
frame the server writes wakes the load, the scheduler puts the woken task on the CPU of the task
that woke it ("wake affine") and lets it run at once, and the server's event waits, off its CPU,
for the load to take in what it has just been sent. Measured here with bench/bridge_latency.py
(1 master × 100 slaves, the bridge target): 3.2 ms of CPU per event took 8.0 ms of wall time;
with the two on CPUs of their own, 2.9 ms took 2.9 ms.

``--pin`` gives the load the last CPU this process may use and the server every other one (its
threads included); every target of a run is measured the same way. It is not the default: the
issue's figures, before and after, were taken with both left to the scheduler, and pinning moves
the targets unequally — the relay, whose whole event is a few writes, gains the most (1 × 10:
p50 0.53–0.66 → 0.18–0.27 ms), the copier, whose store threads then share the server's one CPU
with its loop, less (1.17–1.20 → 0.86–1.08 ms). docs/performance.md gives both.

Only where the OS lets a process choose its CPUs (Linux) and at least two are allowed; elsewhere
nothing is pinned, and ``describe`` says what was done.
"""

from __future__ import annotations

import os

LOAD = "load"
SERVER = "server"


def _allowed() -> list[int]:
    getter = getattr(os, "sched_getaffinity", None)
    return sorted(getter(0)) if getter is not None else []


def plan(pin: bool) -> dict[str, list[int]] | None:
    """The CPUs for the load and the server, or None when they share (not asked, or cannot)."""
    cpus = _allowed()
    if not pin or len(cpus) < 2 or not hasattr(os, "sched_setaffinity"):
        return None
    return {LOAD: cpus[-1:], SERVER: cpus[:-1]}


def _pin(cpus: dict[str, list[int]] | None, role: str) -> None:
    """Keep the calling process (and the threads it starts from now on) on ``role``'s CPUs."""
    if cpus is not None:
        os.sched_setaffinity(0, cpus[role])


def pin_server(cpus: dict[str, list[int]] | None) -> None:
    _pin(cpus, SERVER)


def pin_load(cpus: dict[str, list[int]] | None) -> None:
    _pin(cpus, LOAD)


def describe(cpus: dict[str, list[int]] | None) -> str:
    if cpus is None:
        return "CPUs: server and load share them, left to the scheduler (--pin: not)"
    server = ",".join(map(str, cpus[SERVER]))
    return f"CPUs: server on {server}, load on {cpus[LOAD][0]} (--pin, bench/cpus.py)"
