"""CSV export of the trade log, its filters and the dates the export command accepts."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_samples import MASTER, SLAVE, T0, command, denial, event, filled

from copier.domain import Retcode
from copier.store import CopyFilter, Store, StoreError
from copier.store.export import HEADER, export_copies_csv, format_time, parse_date

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DAY_MS = 86_400_000


async def _copy(
    store: Store,
    seq: int,
    *,
    symbol: str = "EURUSD",
    day: int = 0,
    slave: str = SLAVE,
    result: bool = True,
) -> None:
    """One master event copied to one slave: detected, received +2, decided +5, sent +7,
    executed +40 ms."""
    start = T0 + day * DAY_MS + seq * 1000
    master = event(seq=seq, ticket=100 + seq, symbol=symbol, time_ms=start)
    cmd = command(master, slave=slave)
    await store.persist_decision(master, [cmd], [], [], start + 5)
    store.mark_sent([cmd.id], start + 7)
    if result:
        await store.persist_result(filled(cmd, executed_ms=start + 40), None, point=0.0001)
    await store.flush()


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


async def test_csv_has_a_header_and_one_row_per_copy_command(store: Store, tmp_path: Path) -> None:
    master = event(seq=1)
    await store.persist_decision(
        master, [command(master, 1), command(master, 2), command(master, 3)], [], [], T0 + 5
    )
    out = tmp_path / "copies.csv"

    written = export_copies_csv(store, out)

    rows = _read(out)
    assert written == 3 == len(rows)
    assert tuple(rows[0]) == HEADER
    assert [r["command_id"] for r in rows] == ["L1-T500-S1", "L2-T500-S1", "L3-T500-S1"]
    assert out.read_bytes().startswith(b"\xef\xbb\xbfdecided_at,command_id,")  # BOM for Excel


async def test_csv_times_are_iso_utc_with_milliseconds_and_latencies_are_broken_down(
    store: Store, tmp_path: Path
) -> None:
    await _copy(store, seq=1)
    out = tmp_path / "copies.csv"

    export_copies_csv(store, out)

    [row] = _read(out)
    for column in ("detected_at", "received_at", "decided_at", "sent_at", "executed_at"):
        assert ISO_MS.match(row[column]), column
    assert row["detected_at"] == format_time(T0 + 1000) == "2026-11-18T11:06:41.000Z"
    assert row["executed_at"] == "2026-11-18T11:06:41.040Z"
    latencies = [
        row[c]
        for c in (
            "detect_to_receive_ms",
            "receive_to_decide_ms",
            "decide_to_send_ms",
            "send_to_execute_ms",
            "total_ms",
        )
    ]
    assert latencies == ["2", "3", "2", "33", "40"]
    assert (row["status"], row["retcode"], row["slave_price"]) == (
        "executed",
        str(int(Retcode.DONE)),
        "1.1003",
    )
    assert (row["master_account"], row["slave_account"], row["slave_symbol"]) == (
        "mt4:1001@Broker-Demo",
        SLAVE,
        "EURUSD.m",
    )


async def test_stages_that_never_happened_export_as_empty_cells(
    store: Store, tmp_path: Path
) -> None:
    await _copy(store, seq=1, result=False)
    out = tmp_path / "copies.csv"

    export_copies_csv(store, out)

    [row] = _read(out)
    assert (row["status"], row["executed_at"], row["send_to_execute_ms"]) == ("sent", "", "")
    assert (row["filled_volume"], row["slippage_points"], row["total_ms"]) == ("", "", "")


async def test_export_filters_by_date_range_account_and_symbol(
    store: Store, tmp_path: Path
) -> None:
    await _copy(store, seq=1, day=0, symbol="EURUSD")
    await _copy(store, seq=2, day=1, symbol="GOLD")
    await _copy(store, seq=3, day=1, symbol="EURUSD", slave="mt4:3003@X")
    await _copy(store, seq=4, day=2, symbol="EURUSD")
    out = tmp_path / "copies.csv"
    day1 = datetime(2026, 11, 19, tzinfo=UTC)
    day2 = datetime(2026, 11, 20, tzinfo=UTC)

    by_date = export_copies_csv(store, out, since=day1, until=day2)
    seqs_by_date = [r["master_seq"] for r in _read(out)]
    by_account = export_copies_csv(store, out, account="mt4:3003@X")
    seqs_by_account = [r["master_seq"] for r in _read(out)]
    by_symbol = export_copies_csv(store, out, symbol="EURUSD", since=day1)
    seqs_by_symbol = [r["master_seq"] for r in _read(out)]
    by_slave_symbol = export_copies_csv(store, out, symbol="GOLD.m")

    assert (by_date, seqs_by_date) == (2, ["2", "3"])
    assert (by_account, seqs_by_account) == (1, ["3"])
    assert (by_symbol, seqs_by_symbol) == (2, ["3", "4"])
    assert by_slave_symbol == 1


async def test_export_opens_a_data_folder_or_a_file_itself(store: Store, tmp_path: Path) -> None:
    await _copy(store, seq=1)
    await _copy(store, seq=2)
    store.close()

    from_folder = export_copies_csv(store.path.parent, tmp_path / "a.csv")
    from_file = export_copies_csv(str(store.path), tmp_path / "b.csv")

    assert (from_folder, from_file) == (2, 2)
    with pytest.raises(StoreError, match="no TradeCopier database"):
        export_copies_csv(tmp_path / "missing.db", tmp_path / "c.csv")


async def test_export_writes_to_an_open_text_stream_in_utf8(store: Store) -> None:
    master = event(seq=1)
    cmd = command(master)
    await store.persist_decision(master, [cmd], [], [], T0)
    await store.persist_result(filled(cmd, retcode=Retcode.NO_MONEY, message="marge — €"), None)
    stream = io.StringIO()

    export_copies_csv(store, stream)

    assert "marge — €" in stream.getvalue()


async def test_export_streams_rows_in_constant_memory(store: Store, tmp_path: Path) -> None:
    for seq in range(1, 601):
        master = event(seq=seq, ticket=seq)
        legs = [command(master, link_id) for link_id in range(1, 11)]
        store.persist_decision(master, legs, [], [], T0 + seq)
    await store.flush()
    tracemalloc.start()
    try:
        everything = list(store.stream_copies())
        _, loaded_peak = tracemalloc.get_traced_memory()
        del everything
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()

        written = export_copies_csv(store, tmp_path / "big.csv")

        _, export_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # 6,000 rows take ~5.7 MB loaded at once; streaming holds one chunk (~1.2 MB) at a time.
    assert written == 6_000
    assert export_peak - baseline < loaded_peak / 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", datetime(2026, 11, 25, tzinfo=UTC)),
        ("2026-11-25T10:15:02Z", datetime(2026, 11, 25, 10, 15, 2, tzinfo=UTC)),
        ("2026-11-25T10:15:02.123+00:00", datetime(2026, 11, 25, 10, 15, 2, 123000, tzinfo=UTC)),
        ("2026-11-25T12:15:02+02:00", datetime(2026, 11, 25, 10, 15, 2, tzinfo=UTC)),
        ("2026-11-25 10:15", datetime(2026, 11, 25, 10, 15, tzinfo=UTC)),
    ],
)
def test_dates_parse_as_utc(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


def test_a_bare_end_date_includes_that_whole_day() -> None:
    assert parse_date("2026-11-25", end_of_day=True) == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_date("2026-11-25T10:00Z", end_of_day=True) == datetime(
        2026, 11, 25, 10, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["yesterday", "25/11/2026", "2026-13-01", ""])
def test_unreadable_dates_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="use YYYY-MM-DD or ISO-8601"):
        parse_date(text)


async def test_refused_copies_are_rows_with_status_denied_and_the_reason_in_words(
    store: Store, tmp_path: Path
) -> None:
    # Issue #18: the CSV held only copies that went out; a refusal and its reason were missing.
    master = event(seq=1, symbol="EURUSD", price=1.1)
    await store.persist_decision(master, [command(master, 1)], [denial(master, 2)], [], T0 + 5)
    await store.flush()
    out = tmp_path / "log.csv"

    written = export_copies_csv(store, out)

    rows = {r["status"]: r for r in _read(out)}
    assert written == 2
    refused = rows["denied"]
    assert refused["reason"] == "EURUSD.m: lot 0.004 below broker minimum 0.01 — copy skipped"
    assert refused["rule"] == "below_minimum"
    assert (refused["link_id"], refused["master_account"], refused["slave_account"]) == (
        "2", MASTER, SLAVE)
    assert (refused["symbol"], refused["kind"], refused["side"]) == ("EURUSD", "opened", "buy")
    assert refused["master_price"] == "1.1"
    assert refused["detected_at"] == format_time(T0)
    assert refused["requested_volume"] == refused["slave_ticket"] == ""
    assert rows["pending"]["reason"] == ""  # a copy on its way has nothing to explain


async def test_the_denied_status_filter_selects_the_refusals_alone(
    store: Store, tmp_path: Path
) -> None:
    for seq in (1, 2):
        master = event(seq=seq, ticket=100 + seq)
        await store.persist_decision(master, [command(master, 1)], [denial(master)], [], T0 + seq)
    await store.flush()

    refused = store.query_log(CopyFilter(status="denied"))

    assert [r.master_seq for r in refused] == [2, 1]
    assert {r.rule for r in refused} == {"below_minimum"}
    assert len(store.query_log()) == 4
