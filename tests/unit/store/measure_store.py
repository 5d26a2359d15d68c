"""Measures the store's hot path (not a test): latency of each awaited write and batch throughput.

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

from copier.percentiles import percentile
from copier.store import Store

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
    with Store.open(path=folder / "latency.db") as store:
        for seq in range(1, DECISIONS + 1):
            master = event(seq=seq, ticket=seq)
            legs = [command(master, link_id) for link_id in range(1, LINKS + 1)]
            links = [ticket(seq, link_id) for link_id in range(1, LINKS + 1)]
            started = time.perf_counter()
            await store.persist_decision(master, legs, [], links, T0)
            decided.append(time.perf_counter() - started)
            started = time.perf_counter()
            await store.mark_sent([c.id for c in legs], T0 + 1)
            sent.append(time.perf_counter() - started)
            started = time.perf_counter()
            await store.persist_result(filled(legs[0]), links[0])
            results.append(time.perf_counter() - started)
    print(f"persist_decision (10 commands, 10 ticket links): {_percentiles(decided)}")
    print(f"mark_sent (10 ids):                               {_percentiles(sent)}")
    print(f"persist_result:                                   {_percentiles(results)}")


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
