"""The copy service tells the store what each result's copy row holds (``CopyOrigin``) instead of
the store reading it back: the trade log must read the same as when the store reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_service_decisions import BrokerTerminal

from copier.domain import EventKind, ExecutionResult, MasterEvent, OrderType, Retcode
from copier.engine.config import Link, LinkRules
from copier.events import Bus
from copier.service import CopyService
from copier.store import Store
from copier.testbed.broker.profiles import build_broker

pytestmark = pytest.mark.timeout(20)

RESULT_COLUMNS = "status, filled_volume, slave_price, slippage_points, retcode, slave_ticket"


def _logged(store: Store) -> dict[int, tuple[Any, ...]]:
    sql = f"SELECT link_id, {RESULT_COLUMNS} FROM trade_log_copies"
    return store.read(lambda conn: {r[0]: tuple(r[1:]) for r in conn.exec_driver_sql(sql)})


async def _copy_once(path: Path, *, known: bool) -> dict[int, tuple[Any, ...]]:
    """One master buy copied by a plain and a reversed link, filled 3 points away; with
    ``known`` False the service has forgotten the master event (as after a restart)."""
    store = Store.open(path=path)
    store.save_link(Link(0, "m", "s"))
    store.save_link(Link(0, "m", "s", rules=LinkRules(reverse=True, allow_overlap=True)))
    service = CopyService(store, Bus())
    slave = BrokerTerminal("s", build_broker("slave-mt5", seed=2))
    service.add_terminal(BrokerTerminal("m", build_broker("master-mt5", seed=1)))
    service.add_terminal(slave)
    await service.start()
    try:
        master = MasterEvent("m", 1, EventKind.OPENED, 500, "EURUSD", OrderType.BUY, 0.1, 1.1, 1)
        await service.on_event(master)
        assert len(slave.commands) == 2
        if not known:
            service._decided_from.clear()
        point = service.views.point("s", "EURUSD")
        assert point
        for command in slave.commands:
            price = 1.1 + 3 * point * command.order_type.side.sign
            service.on_result(ExecutionResult(command.id, "s", int(Retcode.DONE), "filled",
                                              slave_ticket=9000 + command.link_id, volume=0.1,
                                              price=price, executed_ms=2))  # fmt: skip
        await store.flush()
        return _logged(store)
    finally:
        await service.stop()
        store.close()


async def test_results_log_the_same_whether_the_service_knows_the_master_event_or_not(
    tmp_path: Path,
) -> None:
    known = await _copy_once(tmp_path / "known.db", known=True)
    read_back = await _copy_once(tmp_path / "read_back.db", known=False)

    assert known == read_back
    plain, reversed_ = (known[link_id] for link_id in sorted(known))
    assert plain[:2] == ("executed", 0.1)
    assert plain[3] == pytest.approx(3.0)  # the buy filled 3 points higher: worse
    assert reversed_[3] is None  # the spread is not slippage (issue #18)
