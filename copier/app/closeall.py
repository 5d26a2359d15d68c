"""``copier close-all --link ID | --slave ACCOUNT [--yes]``: close every copy of a link, or of
every link into a slave, from the command line.

The command line does not trade: it stores a close-all request (``copier.store.traderstate``)
and the running copier takes it within about a second, closes the copies through the outbox
with stable command ids and marks the request done in the same transaction — so it happens
exactly once, also when the copier restarts in between. The command waits a few seconds for
that and says what happened; when no copier is running, the request waits for its next start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from copier.store import Store
from copier.store import traderstate as ts
from copier.store.journal import Journal
from copier.trader_controls import CloseAllRequest

WAIT_S = 5.0
POLL_S = 0.2

Ask = Callable[[str], bool]


@dataclass
class Answer:
    code: int
    lines: list[str] = field(default_factory=list)


def close_all(
    store: Store,
    *,
    link_id: int | None,
    slave_id: str | None,
    confirmed: bool,
    ask: Ask,
    wait_s: float = WAIT_S,
) -> Answer:
    """Check the target, confirm, store the request and wait for the copier to take it."""
    links = store.load_links()
    if link_id is not None:
        chosen = [lk for lk in links if lk.id == link_id]
        if not chosen:
            return Answer(2, [f"there is no link #{link_id}: `copier stats` lists the links"])
    else:
        chosen = [lk for lk in links if lk.slave_id == slave_id]
        if not chosen:
            return Answer(2, [f"no link copies to {slave_id}: give the slave's account id"])
    ids = {lk.id for lk in chosen}
    live = [t for t in store.load_tickets() if t.link_id in ids]
    target = (f"link #{link_id} ({chosen[0].master_id} → {chosen[0].slave_id})"
              if link_id is not None else f"every link into {slave_id}")  # fmt: skip
    question = (f"Close all {len(live)} copies of {target}? Masters keep their trades. "
                "Type y to confirm: ")
    if not confirmed and not ask(question):
        return Answer(1, ["nothing closed"])
    request = CloseAllRequest(store.now_ms(), link_id, slave_id if link_id is None else None,
                              actor="cli")  # fmt: skip
    detail = request.to_dict()

    def record(conn: Connection, now_ms: int) -> None:
        ts.save_state(conn, {request.key: detail}, now_ms)
        Journal.audit(conn, now_ms, "cli", "copies.close_all_requested", detail)

    store.write(record)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        done = store.load_trader_state(request.key).get(request.key, {})
        if done.get("done_ms"):
            return Answer(0, [f"the copier closed the copies of {target}; the trade log "
                              "shows each close"])  # fmt: skip
        time.sleep(POLL_S)
    return Answer(0, [f"close-all of {target} recorded; the copier closes them as soon as it "
                      "runs (it is not answering now)"])  # fmt: skip


def pending_requests(store: Store) -> list[CloseAllRequest]:
    """Requests not done yet (for tests and the window)."""
    stored = store.load_trader_state(ts.CLOSE_ALL)
    return [CloseAllRequest.from_dict(v) for v in stored.values() if not v.get("done_ms")]
