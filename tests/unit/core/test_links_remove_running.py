"""``copier links remove LINK --close-copies`` beside a running copier: the copier closes the
link's copies on the slave itself (once, audited), then the command removes the link; the other
link's copies stay."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp, CoreThread
from copier.cli import main
from copier.domain import Side
from copier.engine.config import Link
from copier.store import DATA_DIR_ENV, Store
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker.quotes import Market


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_close_copies_is_done_by_the_running_copier_then_the_link_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "unused"))  # restored after (main sets it)
    market = Market(seed=5)
    master = SimulatedTerminal.from_profile("master-mt5", seed=5, market=market)
    slaves = [SimulatedTerminal.from_profile(name, seed=5, market=market)
              for name in ("slave-mt5", "slave-suffix")]
    thread = CoreThread()
    thread.start()

    async def build() -> CopierApp:
        app = CopierApp(AppConfig(data_dir=tmp_path, bridge_port=0, notify=False))
        for terminal in (master, *slaves):
            app.add_terminal(terminal)
        for slave in slaves:
            app.save_link(Link(0, master.account_id, slave.account_id))
        await app.start()
        return app

    app = thread.call(build())
    try:
        symbol = next(iter(master.broker.symbols()))
        master.broker.open_market(symbol, Side.BUY, 0.1)
        _wait(lambda: all(len(s.broker.positions()) == 1 for s in slaves), 20, "both copies")
        _wait(lambda: sum(1 for t in app.store.load_tickets() if t.state.value == "open") == 2,
              10, "the copies stored")

        code = main(["--data-dir", str(tmp_path), "links", "remove", "1", "--close-copies"])

        assert code == 0
        assert slaves[0].broker.positions() == ()  # closed on the slave by the copier
        assert len(slaves[1].broker.positions()) == 1  # the other link's copy stays
        with Store.open(tmp_path) as store:
            assert [lk.id for lk in store.load_links()] == [2]
            actions = [e.action for e in store.load_audit(limit=100_000)]
        assert actions.count("copies.close_all_requested") == 1
        assert actions.count("copies.close_all") == 1
        assert "link.deleted" in actions
    finally:
        thread.call(app.stop())
        thread.stop()
