"""`copier notify add | list | remove | test`: addresses kept as secrets (the key store, or a file
only its owner can read where there is none), listed masked, a bad one refused with a sentence,
and a test message delivered to a webhook on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from copier.cli import main
from copier.notify.book import ServiceBook
from copier.store.paths import DATA_DIR_ENV
from tests.keystore import MemoryKeyring
from tests.notify_endpoint import endpoint

SECRET_URL = "tgram://123456789:AAH-sEcReT-tOkEn-0123456789abcdef/987654321/"


@pytest.fixture(autouse=True)
def data_dir_variable_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """``main(["--data-dir", ...])`` sets the data-folder variable for the process: put it back
    after each test."""
    monkeypatch.setenv(DATA_DIR_ENV, os.environ.get(DATA_DIR_ENV, ""))


@pytest.fixture
def key_store(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    store = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: store)
    return store


def notify(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path), "notify", *args])


def test_an_address_goes_to_the_key_store_and_is_listed_masked(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify(tmp_path, "add", SECRET_URL) == 0
    said = capsys.readouterr().err
    assert "kept in the operating system's key store" in said
    assert "sEcReT" not in said

    assert notify(tmp_path, "list") == 0
    listed = capsys.readouterr().out
    assert listed.startswith("1. tgram://")
    assert "sEcReT" not in listed
    assert list(key_store.passwords.values()) == [SECRET_URL]
    assert "sEcReT" not in (tmp_path / "notify.json").read_text()


def test_without_a_key_store_the_address_is_in_a_file_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", NoKeyring)

    assert notify(tmp_path, "add", SECRET_URL) == 0

    secrets_file = tmp_path / "notify-urls.json"
    assert "readable by you only" in capsys.readouterr().err
    assert list(json.loads(secrets_file.read_text()).values()) == [SECRET_URL]
    if hasattr(stat, "S_IMODE") and not sys_is_windows():
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert ServiceBook(tmp_path).urls() == [SECRET_URL]


def sys_is_windows() -> bool:
    import sys

    return sys.platform == "win32"


@pytest.mark.parametrize("bad", ["not a url", "nosuchservice://token", "https://", "",
                                 "tgramm://123456:SECRETTOKEN/999"])
def test_a_bad_address_is_refused_with_a_sentence(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, bad: str
) -> None:
    assert notify(tmp_path, "add", bad) == 2

    assert [r for r in caplog.records if r.name.startswith("apprise")] == []  # one sentence

    said = capsys.readouterr().err.strip()
    assert said.endswith(".") and "Traceback" not in said
    assert "tgram://" in said  # says what an address looks like
    assert key_store.passwords == {}
    assert not (tmp_path / "notify.json").exists()


def test_the_same_address_twice_is_refused(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify(tmp_path, "add", SECRET_URL) == 0
    assert notify(tmp_path, "add", SECRET_URL) == 2
    assert "already in the list" in capsys.readouterr().err


def test_remove_by_number_forgets_the_secret(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    notify(tmp_path, "add", SECRET_URL)
    notify(tmp_path, "add", "json://127.0.0.1:9/other")

    assert notify(tmp_path, "remove", "3") == 2
    assert "the numbers are 1 to 2" in capsys.readouterr().err
    assert notify(tmp_path, "remove", "1") == 0

    assert list(key_store.passwords.values()) == ["json://127.0.0.1:9/other"]
    capsys.readouterr()
    notify(tmp_path, "list")
    assert capsys.readouterr().out == "1. json://127.0.0.1:9/other\n"


def test_notify_test_delivers_one_message(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with endpoint() as hook:
        notify(tmp_path, "add", hook.url)
        assert notify(tmp_path, "test") == 0
        received = hook.wait_for(1, timeout_s=2)

    assert [m["title"] for m in received] == ["TradeCopier test"]
    assert "test message sent to 1 of 1 services" in capsys.readouterr().err


def test_notify_test_says_when_a_service_did_not_take_it(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with endpoint() as hook:
        hook.status = 403
        notify(tmp_path, "add", hook.url)
        assert notify(tmp_path, "test") == 1

    said = capsys.readouterr().err
    assert "did not accept the message" in said
    assert "sent to 0 of 1 services" in said


def test_notify_test_without_a_service_says_how_to_add_one(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify(tmp_path, "test") == 2
    assert "copier notify add URL" in capsys.readouterr().err


@pytest.mark.parametrize("damaged", ["{not json", '{"services": [{"id": 1}]}', "[1, 2]"])
def test_a_damaged_list_of_services_is_a_sentence(
    tmp_path: Path, key_store: MemoryKeyring, capsys: pytest.CaptureFixture[str], damaged: str
) -> None:
    (tmp_path / "notify.json").write_text(damaged)

    assert notify(tmp_path, "list") == 2
    assert "remove the file and add the services again" in capsys.readouterr().err
