"""``copier close-all``: it asks first (unless --yes), refuses an unknown target with a
sentence, and leaves a request the copier takes exactly once — now, or at its next start."""

from __future__ import annotations

from pathlib import Path

import pytest

from copier.app import closeall
from copier.cli import main
from copier.engine.config import Link
from copier.store import Store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(closeall, "WAIT_S", 0.3)  # no copier runs here: do not wait long
    with Store.open(tmp_path) as store:
        store.save_link(Link(0, "master", "slave"))
    return tmp_path


def test_without_yes_it_asks_and_a_no_closes_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: questions.append(q) or "n")

    code = main(["--data-dir", str(data_dir), "close-all", "--link", "1"])

    assert code == 1
    assert questions == ["Close all 0 copies of link #1 (master → slave)? Masters keep their "
                         "trades. Type y to confirm: "]  # fmt: skip
    assert "nothing closed" in capsys.readouterr().err
    with Store.open(data_dir) as store:
        assert closeall.pending_requests(store) == []


def test_with_yes_the_request_waits_for_the_copier(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(data_dir), "close-all", "--slave", "slave", "--yes"])

    assert code == 0
    assert "recorded; the copier closes them as soon as it runs" in capsys.readouterr().err
    with Store.open(data_dir) as store:
        [request] = closeall.pending_requests(store)
        assert (request.link_id, request.slave_id, request.actor) == (None, "slave", "cli")
        assert any(e.action == "copies.close_all_requested" for e in store.load_audit())


def test_an_unknown_link_is_refused_with_a_sentence(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(data_dir), "close-all", "--link", "9", "--yes"])

    assert code == 2
    assert "there is no link #9" in capsys.readouterr().err
