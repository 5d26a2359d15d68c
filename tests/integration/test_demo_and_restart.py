"""The spine end to end: the demo's invariants, and a copier restarted mid-stream from its store."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from copier.app import AppConfig, CopierApp
from copier.store import Store
from copier.store.export import export_copies_csv
from copier.testbed.demo import DemoOptions, DemoSession, _check, _settle, build_demo, run_demo


async def test_demo_copies_with_no_loss_duplicate_failure_or_mismatch(tmp_path: Path) -> None:
    options = DemoOptions(seconds=4, seed=8, rate=10, data_dir=tmp_path)

    report = await run_demo(options)

    assert report.master_events >= 30
    assert report.executed > 0
    assert report.denied, "the capped link must deny some copies"
    assert (report.failed, report.lost, report.duplicated, report.mismatches) == (0, 0, 0, 0), (
        report.failures, report.mismatch_details)


async def test_demo_with_one_seed_makes_the_same_master_trade_sequence(tmp_path: Path) -> None:
    first = await run_demo(DemoOptions(seconds=2, seed=11, rate=10, data_dir=tmp_path / "a"))
    second = await run_demo(DemoOptions(seconds=2, seed=11, rate=10, data_dir=tmp_path / "b"))

    assert first.master_events == second.master_events
    assert first.mismatches == second.mismatches == 0


async def test_export_after_a_demo_has_one_row_per_copy_command_and_per_refusal(
    tmp_path: Path,
) -> None:
    report = await run_demo(DemoOptions(seconds=2, seed=5, rate=10, data_dir=tmp_path))
    out = tmp_path / "copies.csv"

    with Store.open(tmp_path) as store:
        rows = export_copies_csv(store, out)

    lines = out.read_text(encoding="utf-8-sig").splitlines()  # a byte-order mark first, for Excel
    refused = sum(report.denied.values())
    assert refused > 0  # the demo's rules refuse some copies: they are rows too (issue #18)
    assert rows == report.commands + refused == len(lines) - 1
    assert lines[0].startswith("decided_at,command_id")
    assert sum(",denied," in line for line in lines[1:]) == refused


async def test_copier_restarted_mid_stream_neither_loses_nor_duplicates_a_copy(
    tmp_path: Path,
) -> None:
    # Arrange: the demo's world, trading, with the copier stopped while copies are in flight.
    session = build_demo(DemoOptions(seconds=6, seed=3, rate=20), database=tmp_path / "tc.db")
    await session.start()
    driver = session.start_trading(steps=None)
    await asyncio.sleep(1.5)
    await session.app.service.stop()  # the copier goes away; terminals and master keep trading
    session.app.store.close()
    await asyncio.sleep(0.5)

    # Act: a new copier on the same database and the same terminals.
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge=False, load_accounts=False),
                    clock=session.clock)
    for terminal in (session.master, *session.slaves):
        app.add_terminal(terminal)
    second = DemoSession(app, session.master, session.slaves, session.market, session.trader,
                         session.clock, session.report, session.interval_s)
    await app.start()
    await asyncio.sleep(1.5)
    driver.cancel()
    await asyncio.gather(driver, return_exceptions=True)
    await _settle(second)
    await _check(second, session.report)
    await app.stop()

    # Assert: every master event handled once, every copy executed once, slaves consistent.
    executions: Counter[str] = Counter()
    for slave in session.slaves:
        executions.update(slave.executor.executed_counts())
    assert executions, "copies must have been executed"
    assert max(executions.values()) == 1
    assert session.master.undelivered_events == 0
    assert session.report.lost == 0
    assert session.report.mismatches == 0, session.report.mismatch_details


async def test_copier_whose_database_was_lost_adopts_its_copies_from_the_terminals(
    tmp_path: Path,
) -> None:
    # Arrange: copies made with one database, then the copier comes back with an empty one.
    session = build_demo(DemoOptions(seconds=6, seed=4, rate=20), database=tmp_path / "old.db")
    await session.start()
    driver = session.start_trading(steps=None)
    await asyncio.sleep(1.5)
    driver.cancel()
    await asyncio.gather(driver, return_exceptions=True)
    await _settle(session)
    await session.app.service.stop()
    session.app.store.close()
    open_before = {s.account_id: len((await s.snapshot()).positions) for s in session.slaves}
    assert sum(open_before.values()) > 0, "the scenario needs open copies"

    # Act: a new copier, empty database, the same links saved again.
    app = CopierApp(AppConfig(database=tmp_path / "new.db", bridge=False, load_accounts=False),
                    clock=session.clock)
    for terminal in (session.master, *session.slaves):
        app.add_terminal(terminal)
    for link in session.app.service.links.values():
        app.save_link(link)
    await app.start()
    adopted = [t for t in app.service.tickets() if t.state.value == "open"]
    second = DemoSession(app, session.master, session.slaves, session.market, session.trader,
                         session.clock, session.report, session.interval_s)
    closer = second.start_trading(steps=40)
    await closer
    await _settle(second)
    session.report.mismatch_details.clear()
    await _check(second, session.report)
    await app.stop()

    # Assert: the open copies were adopted, and what followed left no difference behind.
    assert adopted, "open copies must be adopted from their TC| comments"
    assert session.report.duplicated == 0
    assert session.report.mismatches == 0, session.report.mismatch_details
