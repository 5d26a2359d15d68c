"""``copier keys list|create|rotate|revoke ACCOUNT``: the same lifecycle, headless; a new key is
printed once and never kept in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from copier.cli import main
from copier.domain import Platform
from copier.store import DATA_DIR_ENV, AccountRecord, AccountRole, KeyStatus, Store

ACCOUNT = AccountRecord.new(Platform.MT4, 1001, "Broker-Demo")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))  # restored after the test (main sets it)
    with Store.open(tmp_path) as store:
        store.save_account(ACCOUNT)
    return tmp_path


def _keys(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "keys", *args])


def test_create_prints_the_key_once_on_stdout_and_it_works(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(data_dir, "create", "1001@Broker-Demo", "--days", "10")
    out, err = capsys.readouterr()

    key = out.strip()
    with Store.open(data_dir) as store:
        check = store.check_api_key(key, ACCOUNT.id)
        audit = [(e.actor, e.action) for e in store.load_audit()]
    assert code == 0 and key.startswith("tc1.")
    assert check.status is KeyStatus.VALID
    assert "shown only once" in err and key not in err
    assert ("cli", "api_key.created") in audit
    on_disk = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.is_file())
    assert key.split(".")[2].encode() not in on_disk


def test_rotate_keeps_the_old_key_for_the_grace_period_and_says_until_when(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _keys(data_dir, "create", ACCOUNT.id)
    old = capsys.readouterr().out.strip()

    code = _keys(data_dir, "rotate", "1001", "--grace-hours", "2")
    out, err = capsys.readouterr()

    with Store.open(data_dir) as store:
        old_check = store.check_api_key(old, ACCOUNT.id)
        new_ok = store.verify_api_key(out.strip(), ACCOUNT.id)
    assert code == 0 and new_ok
    assert old_check.status is KeyStatus.VALID and old_check.replaced
    assert f"old key {old.split('.')[1]} keeps working" in err


def test_revoke_stops_every_key_and_list_shows_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _keys(data_dir, "create", ACCOUNT.id)
    key = capsys.readouterr().out.strip()

    revoked = _keys(data_dir, "revoke", ACCOUNT.id)
    listed = _keys(data_dir, "list", ACCOUNT.id)
    out, err = capsys.readouterr()

    assert (revoked, listed) == (0, 0)
    assert out == ""  # no key is printed by revoke or list
    assert "revoked 1 key(s)" in err
    assert f"{key.split('.')[1]}  revoked" in err


def test_an_unknown_account_is_named_in_the_answer(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(data_dir, "create", "9999@Nowhere")

    assert code == 1
    assert "no account '9999@Nowhere'" in capsys.readouterr().err


def test_create_for_one_role_of_a_both_account_and_refuse_a_role_it_does_not_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = AccountRecord.new(Platform.MT5, 3003, "Broker-Demo", role=AccountRole.BOTH)
    with Store.open(data_dir) as store:
        store.save_account(both)

    made = _keys(data_dir, "create", "3003@Broker-Demo", "--role", "executor")
    key = capsys.readouterr().out.strip()
    refused = _keys(data_dir, "create", "1001@Broker-Demo", "--role", "monitor")  # a slave
    err = capsys.readouterr().err
    with Store.open(data_dir) as store:
        roles = store.check_api_key(key, both.id).roles

    assert (made, refused) == (0, 1)
    assert roles == {"executor"}
    assert "cannot open monitor" in err
