"""``copier accounts`` and ``copier links``: a whole set-up without the window, through the same
actions the window uses; every refusal is one sentence and exit code 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from copier.cli import main
from copier.engine.config import LinkMode, LotMode
from copier.store import DATA_DIR_ENV, KeyStatus, Store

MASTER = "mt4:12345@Broker-Demo"
SLAVE = "mt5:777@Other-Live"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "unused"))  # restored after (main sets it)
    return tmp_path / "data"


def cli(data_dir: Path, *args: str) -> int:
    return main([*args, "--data-dir", str(data_dir)])  # after the sub-command, as users type it


def with_pair(data_dir: Path) -> None:
    assert cli(data_dir, "accounts", "add", "--platform", "mt4", "--login", "12345", "--server",
               "Broker-Demo", "--role", "master") == 0
    assert cli(data_dir, "accounts", "add", "--platform", "mt5", "--login", "777", "--server",
               "Other-Live", "--mt5-path", r"C:\MT5\terminal64.exe", "--name", "vps") == 0


def test_an_ea_account_prints_its_id_and_a_first_key_that_works(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(data_dir, "accounts", "add", "--platform", "mt4", "--login", "12345", "--server",
               "Broker-Demo", "--role", "master", "--name", "main")
    out, err = capsys.readouterr()

    account_id, key = out.split()
    with Store.open(data_dir) as store:
        record = store.get_account(account_id)
        check = store.check_api_key(key, account_id)
    assert code == 0 and account_id == MASTER
    assert record is not None and record.label == "main" and record.role.value == "master"
    assert check.status is KeyStatus.VALID
    assert "shown only once" in err


def test_a_direct_mt5_account_keeps_its_terminal_path_and_gets_no_key(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    capsys.readouterr()

    assert cli(data_dir, "accounts", "list", "--json") == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[SLAVE]["connection"] == "mt5"
    assert rows[SLAVE]["mt5_path"] == r"C:\MT5\terminal64.exe"
    assert (rows[SLAVE]["api_keys"], rows[MASTER]["api_keys"]) == (0, 1)


def test_adding_an_account_twice_is_refused_with_a_sentence(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    capsys.readouterr()

    code = cli(data_dir, "accounts", "add", "--platform", "mt4", "--login", "12345",
               "--server", "Broker-Demo")

    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"{MASTER} already exists — remove it first or edit it")


def test_removal_says_what_goes_and_refuses_without_a_terminal_to_ask(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777@Other-Live") == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal: nobody to ask

    code = cli(data_dir, "accounts", "remove", "12345")

    err = capsys.readouterr().err
    with Store.open(data_dir) as store:
        kept = [a.id for a in store.load_accounts()]
    assert code == 2 and MASTER in kept
    assert "1 API key(s) and 1 link(s) (#1)" in err and "add --yes" in err


def test_removal_with_yes_takes_the_keys_and_links_with_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", MASTER, "--slave", SLAVE) == 0

    assert cli(data_dir, "accounts", "remove", "12345@Broker-Demo", "--yes") == 0

    with Store.open(data_dir) as store:
        assert [a.id for a in store.load_accounts()] == [SLAVE]
        assert store.load_links() == []
        assert store.list_api_keys(MASTER) == []


def test_a_link_is_added_listed_and_changed_field_by_field(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777", "--name", "eu",
               "--lot-mode", "equity_ratio", "--lot-value", "0.5") == 0
    assert cli(data_dir, "links", "set", "eu", "symbols_allow=EURUSD,GBPUSD", "magic_allow=7,8",
               "symbol_map=EURUSD:EURUSD.m", "trading_hours=08:00-17:00", "reverse=yes",
               "stops_mode=distance") == 0
    assert cli(data_dir, "links", "mode", "1", "close_only") == 0
    assert cli(data_dir, "links", "disable", "1") == 0
    capsys.readouterr()

    assert cli(data_dir, "links", "list", "--json") == 0
    (link,) = json.loads(capsys.readouterr().out)
    rules = link["rules"]
    assert (link["master"], link["slave"], link["name"]) == (MASTER, SLAVE, "eu")
    assert (link["enabled"], link["mode"]) == (False, LinkMode.CLOSE_ONLY.value)
    assert (rules["lot_mode"], rules["lot_value"]) == (LotMode.EQUITY_RATIO.value, 0.5)
    assert rules["symbols_allow"] == ["EURUSD", "GBPUSD"]  # names, not letters
    assert rules["magic_allow"] == [7, 8]  # numbers, not text
    assert rules["symbol_map"] == {"EURUSD": "EURUSD.m"}
    assert rules["trading_hours"] == [480, 1020]
    assert (rules["reverse"], rules["stops_mode"]) == (True, "distance")


@pytest.mark.parametrize(("assignment", "said"), [
    ("lot_value=abc", "lot_value: 'abc' is not a number"),
    ("magic_allow=7,x", "magic_allow: 'x' is not a whole number"),
    ("stops_mode=sideways", "stops_mode: 'sideways' is not one of price, distance, none, fixed"),
    ("reverse=maybe", "reverse: 'maybe' is not true or false"),
    ("lot_value=-1", "link #1: lot_value must be above 0"),
    ("speed=3", "speed: there is no such field"),
    ("lot_value", "'lot_value' is not KEY=VALUE"),
])
def test_a_value_that_cannot_work_names_its_field_and_changes_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str], assignment: str, said: str
) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777") == 0
    capsys.readouterr()

    code = cli(data_dir, "links", "set", "1", assignment)

    with Store.open(data_dir) as store:
        (link,) = store.load_links()
    assert code == 2
    assert capsys.readouterr().err.startswith(said)
    assert link.rules.lot_value == 1.0


def test_rules_come_from_a_file_checked_field_by_field(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text('lot_mode = "fixed"\nlot_value = 0.1\nsymbols_deny = ["XAUUSD"]\n')
    bad.write_text('symbols_allow = "EURUSD"\n')
    capsys.readouterr()

    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777",
               "--rules", str(bad)) == 2
    assert "symbols_allow: 'EURUSD' is not a list" in capsys.readouterr().err
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777",
               "--rules", str(good)) == 0
    with Store.open(data_dir) as store:
        (link,) = store.load_links()
    assert (link.rules.lot_mode, link.rules.lot_value) == (LotMode.FIXED, 0.1)
    assert link.rules.symbols_deny == ("XAUUSD",)


def test_a_missing_rules_file_is_one_sentence(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    capsys.readouterr()

    code = cli(data_dir, "links", "add", "--master", "12345", "--slave", "777",
               "--rules", str(tmp_path / "nowhere.toml"))

    assert code == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'nowhere.toml'}: no such file or folder"


def test_a_link_to_an_unknown_account_or_to_itself_is_refused(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    capsys.readouterr()

    assert cli(data_dir, "links", "add", "--master", "999", "--slave", "777") == 2
    assert "no account '999'" in capsys.readouterr().err
    assert cli(data_dir, "links", "add", "--master", "777", "--slave", SLAVE) == 2
    assert "master and slave are both" in capsys.readouterr().err


def test_a_removed_link_is_gone(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777") == 0

    assert cli(data_dir, "links", "remove", "1") == 0
    assert cli(data_dir, "links", "remove", "1") == 2

    assert "no link '1' (known links: none yet)" in capsys.readouterr().err


def test_keys_on_a_new_folder_say_how_to_add_the_account_first(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(data_dir, "keys", "create", "12345@Broker-Demo") == 1

    assert capsys.readouterr().err.strip() == (
        "no account '12345@Broker-Demo' (known accounts: none yet — add one with: copier "
        "accounts add --platform mt4|mt5 --login N --server S)")
    assert cli(data_dir, "accounts", "add", "--platform", "mt4", "--login", "12345",
               "--server", "Broker-Demo") == 0
    assert cli(data_dir, "keys", "create", "12345@Broker-Demo") == 0


def test_the_role_choices_are_the_store_roles() -> None:
    from copier.commands.accounts import ROLES
    from copier.store import AccountRole

    assert tuple(role.value for role in AccountRole) == ROLES


def test_building_the_parser_loads_neither_the_store_nor_qt() -> None:
    import subprocess
    import sys

    probe = ("import sys, copier.cli as c; c.build_parser(); print(sorted(m for m in "
             "('sqlalchemy', 'PySide6', 'copier.store') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)

    assert done.stdout.strip() == "[]"


def test_a_second_link_of_the_same_pair_is_refused_unless_meant(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pair(data_dir)
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777") == 0
    capsys.readouterr()

    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777") == 2
    said = capsys.readouterr().err
    assert "would copy every trade again" in said and "add --overlap" in said
    assert "Traceback" not in said
    assert cli(data_dir, "links", "add", "--master", "12345", "--slave", "777", "--overlap") == 0
