"""Acceptance of issue #18: after a headless demo, ``copier export-log`` holds the refused copies
(status ``denied``) with their reasons, beside the copies that went out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from copier.cli import main


@pytest.mark.timeout(90)
def test_export_log_after_a_headless_demo_has_denied_rows_with_reasons(tmp_path: Path) -> None:
    data = tmp_path / "data"
    main(["--data-dir", str(data), "demo", "--headless", "--seconds", "4", "--seed", "3",
          "--json"])
    out = tmp_path / "log.csv"

    code = main(["--data-dir", str(data), "export-log", "--out", str(out)])

    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    refused = [r for r in rows if r["status"] == "denied"]
    assert refused and any(r["status"] == "executed" for r in rows)
    assert all(r["reason"] and r["rule"] and r["symbol"] for r in refused)
    assert any("below broker minimum" in r["reason"] or "max lot per order" in r["reason"]
               for r in refused)
