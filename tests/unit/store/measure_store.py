"""Measures the store's hot path (not a test): latency of each awaited write, the process CPU
they take, and batch throughput.

Each decision (10 commands, 10 ticket links) is followed by its sends and then by its 10
results, handed over in one turn of the loop as the copy service does when its slaves answer
together. Every decision has its own decision time, as on the wall clock (a run where all
share one millisecond makes any look-up by decision time scan the whole log).

Run: ``PYTHONPATH=.:tests/unit/store /tmp/venv/bin/python tests/unit/store/measure_store.py``.
Figures go to docs/store.md.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path

from store_samples import T0, command, event, filled, ticket

from copier.domain import Command, MasterEvent
from copier.percentiles import percentile
from copier.store import Store

try:  # what the copy service tells the store of each result's copy, where the store takes it
    from copier.store import CopyOrigin  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # a store without it reads the copy row back
    CopyOrigin = None


def _origin(master: MasterEvent, leg: Command) -> dict[str, object]:
    return {} if CopyOrigin is None else {"origin": CopyOrigin.of(leg, master)}

DECISIONS = 2_000
WARM_UP = 100
LINKS = 10


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples[WARM_UP:])
    pick = lambda q: percentile(ordered, q) * 1000  # noqa: E731
    return f"p50 {pick(0.5):.3f}  p90 {pick(0.9):.3f}  p99 {pick(0.99):.3f}  max {pick(1.0):.3f} ms"


async def measure_latency(folder: Path) -> None:
    decided: list[float] = []
    sent: list[float] = []
    results: list[float] = []
    cpu = 0.0
    with Store.open(path=folder / "latency.db") as store:
        for seq in range(1, DECISIONS + 1):
            master = event(seq=seq, ticket=seq)
            legs = [command(master, link_id) for link_id in range(1, LINKS + 1)]
            links = [ticket(seq, link_id) for link_id in range(1, LINKS + 1)]
            cpu_started = time.process_time()
            started = time.perf_counter()
            await store.persist_decision(master, legs, [], links, T0 + seq)
            decided.append(time.perf_counter() - started)
            started = time.perf_counter()
            await store.mark_sent([c.id for c in legs], T0 + seq)
            sent.append(time.perf_counter() - started)
            started = time.perf_counter()
            answered = [store.persist_result(filled(leg), link, point=1e-5, **_origin(master, leg))
                        for leg, link in zip(legs, links, strict=True)]  # fmt: skip
            await asyncio.gather(*answered)
            results.append(time.perf_counter() - started)
            if seq > WARM_UP:
                cpu += time.process_time() - cpu_started
    print(f"persist_decision (10 commands, 10 ticket links): {_percentiles(decided)}")
    print(f"mark_sent (10 ids):                               {_percentiles(sent)}")
    print(f"persist_result x 10, handed over together:        {_percentiles(results)}")
    cycle = cpu * 1000 / (DECISIONS - WARM_UP)
    print(f"process CPU per decision + sends + 10 results:   {cycle:.3f} ms (all threads)")


async def measure_throughput(folder: Path) -> None:
    with Store.open(path=folder / "throughput.db") as store:
        started = time.perf_counter()
        for burst in range(0, DECISIONS, 100):
            queued = []
            for seq in range(burst + 1, burst + 101):
                master = event(seq=seq, ticket=seq)
                legs = [command(master, link_id) for link_id in range(1, LINKS + 1)]
                queued.append(store.persist_decision(master, legs, [], [], T0))
                queued.append(store.mark_sent([c.id for c in legs], T0 + 1))
            await asyncio.gather(*queued)
        elapsed = time.perf_counter() - started
        stats = store.writer_stats
    commands = DECISIONS * LINKS
    print(
        f"throughput: {commands / elapsed:,.0f} commands/s decided and marked sent "
        f"({stats.units} units in {stats.transactions} transactions)"
    )


async def main() -> None:
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory() as folder:
        await measure_latency(Path(folder))
        await measure_throughput(Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
