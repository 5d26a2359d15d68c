"""The results handed over in one turn of the event loop, written as one unit of work.

Ten slaves answer one master event at about the same time. One writer unit per result cost ten
futures, ten hand-overs that each woke the writer thread, and ten pairs of single-row statements;
one unit for the results that came in the same turn of the loop writes them with one UPDATE and
one upsert (``Journal.persist_results``) and settles one future, which they share.

Order: the writer commits units in the order they were queued, and a later write must land after
an earlier result (a decision books a ticket link the result moved first; written before it, the
result's older ticket link would overwrite it). So the results wait only until the end of the
turn or until the next write of any other kind, which queues them first (``Store._submit``).
A failing unit fails every result in it; their commands stay in the outbox and are settled by
the executors' answers to the resend after a restart, as a single failed result's would be.
"""

from __future__ import annotations

import asyncio

from copier.store.errors import StoreClosed
from copier.store.journal import Journal, ResultWrite
from copier.store.writer import Writer


class ResultQueue:
    """Results not yet handed to the writer; belongs to the event loop that adds them."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._waiting: list[ResultWrite] = []
        self._done: asyncio.Future[None] | None = None  # the waiting results' shared future

    def add(self, item: ResultWrite) -> asyncio.Future[None]:
        """Queue a result for the end of this turn of the loop; the future resolves when it is
        committed (the same future for every result of the turn)."""
        if self._writer.closed:
            raise StoreClosed("the store is closed — nothing more can be written")
        done = self._done
        if done is None:
            loop = asyncio.get_running_loop()
            done = self._done = loop.create_future()
            loop.call_soon(self.hand_over)
        self._waiting.append(item)
        return done

    def hand_over(self) -> None:
        """Queue the waiting results in the writer now, as one unit."""
        done = self._done
        if done is None:
            return
        batch, self._waiting, self._done = self._waiting, [], None
        try:
            self._writer.submit(lambda conn: Journal.persist_results(conn, batch), done)
        except StoreClosed as exc:  # closed in this turn of the loop, after they came
            done.set_exception(exc)

    def hand_over_here(self) -> None:
        """``hand_over``, if this thread runs the loop the waiting results belong to (writes
        from other threads have no order with the loop's anyway)."""
        done = self._done
        if done is None:
            return
        try:
            here = asyncio.get_running_loop() is done.get_loop()
        except RuntimeError:
            here = False
        if here:
            self.hand_over()
