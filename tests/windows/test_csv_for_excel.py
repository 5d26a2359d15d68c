"""The trade-log CSV as Excel on Windows meets it: UTF-8 with a byte-order mark (so accents and
"€" survive), and re-exporting over a file Excel holds open is a sentence, not a traceback.

Windows refuses to replace a file another program opened without FILE_SHARE_DELETE (Excel does):
MoveFileEx fails with ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION, which Python raises as
``PermissionError`` (https://docs.python.org/3/library/exceptions.html#PermissionError). On
POSIX the same ``os.replace`` is stood in by one that raises it; the Windows-only test holds the
file open with no sharing, as Excel does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from copier.app.reports import LogQuery, export_log
from copier.cli import main
from copier.store import Store
from copier.store.export import CSV_ENCODING, ExportError, export_copies_csv

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as opened:
        yield opened


def refuse_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def sharing_violation(src: object, dst: object) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used "
                                  "by another process", str(dst))

    monkeypatch.setattr(os, "replace", sharing_violation)


def test_both_exports_start_with_a_byte_order_mark(store: Store, tmp_path: Path) -> None:
    export_copies_csv(store, tmp_path / "cli.csv")
    export_log(store, LogQuery(), tmp_path / "window.csv")

    for name in ("cli.csv", "window.csv"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(BOM + b"decided_at,")
        assert data.decode(CSV_ENCODING).startswith("decided_at,")  # Python reads it back too


def test_a_file_open_elsewhere_is_a_sentence_and_the_old_file_stays(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "trade-log.csv"
    out.write_text("the export from yesterday\n", encoding="utf-8")
    refuse_replace(monkeypatch)

    for export in (lambda: export_copies_csv(store, out),
                   lambda: export_log(store, LogQuery(), out)):
        with pytest.raises(ExportError) as refused:
            export()
        message = str(refused.value)
        assert "trade-log.csv cannot be written: it is open in another program" in message
        assert "Errno" not in message and "WinError" not in message
    assert out.read_text(encoding="utf-8") == "the export from yesterday\n"
    assert not (tmp_path / "trade-log.csv.part").exists()


def test_copier_export_log_says_it_in_a_sentence_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    Store.open(data).close()
    monkeypatch.setenv("TRADECOPIER_DATA_DIR", str(data))  # restored after the test
    refuse_replace(monkeypatch)

    code = main(["--data-dir", str(data), "export-log", "--out", str(tmp_path / "log.csv")])

    err = capsys.readouterr().err
    assert code == 2
    assert "log.csv cannot be written: it is open in another program" in err
    assert "Traceback" not in err


@pytest.mark.windows_only(reason="a file held open without sharing, as Excel holds it")
def test_a_file_excel_holds_cannot_be_replaced_and_says_so(store: Store, tmp_path: Path) -> None:
    import _winapi  # type: ignore[import-not-found,unused-ignore]

    out = tmp_path / "trade-log.csv"
    out.write_text("open in Excel\n", encoding="utf-8")
    handle = _winapi.CreateFile(str(out), _winapi.GENERIC_READ, 0, 0, _winapi.OPEN_EXISTING, 0, 0)
    try:
        with pytest.raises(ExportError, match="open in another program"):
            export_copies_csv(store, out)
    finally:
        _winapi.CloseHandle(handle)
