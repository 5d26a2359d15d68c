"""``copier audit``: the audit log oldest first, one line each, since a date, or as JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from copier.cli import main
from copier.store import DATA_DIR_ENV, Store
from copier.store.journal import Journal

DAY_MS = 86_400_000
# Within the audit log's retention (a year by default: older entries are purged when the store
# opens), so day 0 is a midnight UTC two months ago; SINCE falls between day 10 and day 20.
EPOCH_MS = (int(time.time()) // 86_400 - 60) * DAY_MS
SINCE = time.strftime("%Y-%m-%d", time.gmtime(EPOCH_MS // 1000 + 15 * 86_400))
DAY_20 = time.strftime("%Y-%m-%d", time.gmtime(EPOCH_MS // 1000 + 20 * 86_400))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "unused"))  # restored after (main sets it)
    folder = tmp_path / "d"
    entries = [(10, "bridge", "login.refused", {"account": "mt4:1@A"}),
               (20, "user", "copying.stopped", {}),
               (30, "cli", "link.saved", {"rules": {"x": "y" * 100}})]
    with Store.open(folder) as store:
        for day, actor, action, detail in entries:
            store.write(lambda conn, _now, d=day, a=actor, w=action, x=detail:
                        Journal.audit(conn, EPOCH_MS + d * DAY_MS, a, w, x))
    return folder


def test_the_audit_log_reads_oldest_first_from_a_date(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--since", SINCE, "--data-dir", str(data_dir)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3:5] for line in lines] == [["user", "copying.stopped"],
                                                     ["cli", "link.saved"]]
    assert lines[0].startswith(f"{DAY_20} 00:00:00 UTC")
    assert lines[1].endswith("…")  # a whole rule set is left to --json


def test_the_audit_log_as_json_keeps_every_detail(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--json", "--limit", "2", "--data-dir", str(data_dir)]) == 0

    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["copying.stopped", "link.saved"]
    assert entries[1]["detail"] == {"rules": {"x": "y" * 100}}


def test_a_bad_date_is_one_sentence(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--since", "yesterday", "--data-dir", str(data_dir)]) == 2
    assert capsys.readouterr().err.startswith("audit: 'yesterday' is not a date")
