"""``copier config export|import``: the whole set-up as one TOML file, checked before anything is
applied, and the same file again after a trip through an empty folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copier.cli import main
from copier.commands.config_format import parse, render
from copier.engine.config import Link, LinkRules
from copier.preferences import CONFIG_DIR_ENV, Preferences, load_preferences
from copier.setup_import import Setup
from copier.store import DATA_DIR_ENV, Store

ROOT = Path(__file__).resolve().parents[3]


def example() -> str:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    found = re.search(r"## A complete example.*?```toml\n(.*?)```", doc, re.S)
    assert found is not None, "docs/config.md lost its example"
    return found.group(1)


@pytest.fixture(autouse=True)
def _own_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "unused"))  # restored after (main sets it)
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)  # settings live in each data folder


def copier(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATA_DIR_ENV, CONFIG_DIR_ENV)}
    return subprocess.run([sys.executable, "-m", "copier.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_set_up_made_on_the_command_line_travels_to_an_empty_folder_unchanged(
    tmp_path: Path,
) -> None:
    first, second = ["--data-dir", "first"], ["--data-dir", "second"]
    steps = [
        ["accounts", "add", "--platform", "mt4", "--login", "12345", "--server", "Broker-Demo",
         "--role", "master", *first],
        ["accounts", "add", "--platform", "mt5", "--login", "777", "--server", "Other-Live",
         "--role", "slave", *first],
        ["links", "add", "--master", "12345", "--slave", "777", "--lot-mode", "equity_ratio",
         "--lot-value", "0.5", *first],
        ["config", "export", "--out", "a.toml", *first],
        ["config", "import", "a.toml", *second],
        ["config", "export", "--out", "b.toml", *second],
    ]
    for step in steps:
        done = copier(*step, cwd=tmp_path)
        assert done.returncode == 0, (step, done.stderr)
    listed = [copier("links", "list", "--json", *where, cwd=tmp_path) for where in (first, second)]

    assert (tmp_path / "a.toml").read_text() == (tmp_path / "b.toml").read_text()
    assert json.loads(listed[0].stdout) == json.loads(listed[1].stdout)
    assert json.loads(listed[0].stdout)[0]["rules"]["lot_mode"] == "equity_ratio"
    assert "tc1." not in (tmp_path / "a.toml").read_text()  # no key ever leaves


def test_the_documented_example_imports_and_exports_as_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "example.toml"
    source.write_text(example(), encoding="utf-8")

    assert main(["config", "import", str(source), "--data-dir", str(tmp_path / "d")]) == 0
    assert main(["config", "export", "--out", str(tmp_path / "out.toml"),
                 "--data-dir", str(tmp_path / "d")]) == 0

    assert (tmp_path / "out.toml").read_text(encoding="utf-8") == example()
    with Store.open(tmp_path / "d") as store:
        assert len(store.load_accounts()) == 3 and len(store.load_links()) == 2


def test_every_problem_is_named_by_its_place_and_nothing_is_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (example().replace("login = 88001", 'login = "x"')
           .replace("lot_value = 1.0", 'lot_value = "abc"', 1)
           .replace('symbols_deny = []', 'symbols_deny = "XAUUSD"', 1)
           .replace('mode = "normal"', 'mode = "weird"', 1)
           .replace("bind_port = 8080", "bind_port = 0"))
    source = tmp_path / "bad.toml"
    source.write_text(bad, encoding="utf-8")

    code = main(["config", "import", str(source), "--data-dir", str(tmp_path / "d")])

    err = capsys.readouterr().err
    lines = bad.splitlines()
    assert code == 2
    at = re.search(r"line (\d+): accounts\[3\]\.login: 'x' is not a whole number", err)
    assert at is not None and lines[int(at.group(1)) - 1] == 'login = "x"'
    at = re.search(r"line (\d+): links\[1\]\.rules\.lot_value", err)
    assert at is not None and lines[int(at.group(1)) - 1] == 'lot_value = "abc"'

    assert "links[1].rules.lot_value: 'abc' is not a number" in err
    assert "links[1].rules.symbols_deny: 'XAUUSD' is not a list" in err
    assert "links[1].mode: 'weird' is not one of normal, close_only, paused" in err
    assert "settings: port 0 is outside 1–65535" in err
    with Store.open(tmp_path / "d") as store:
        assert store.load_accounts() == []


def test_a_link_naming_an_account_nowhere_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "s.toml"
    source.write_text(example().replace('slave = "mt4:5501@OtherBroker-Real"',
                                        'slave = "mt4:1@Nowhere"'), encoding="utf-8")

    assert main(["config", "import", str(source), "--data-dir", str(tmp_path / "d")]) == 2
    assert "links[2].slave: no account mt4:1@Nowhere in the file" in capsys.readouterr().err


def test_a_dry_run_says_what_it_would_do_and_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "s.toml"
    source.write_text(example(), encoding="utf-8")

    assert main(["config", "import", str(source), "--dry-run",
                 "--data-dir", str(tmp_path / "d")]) == 0

    out = capsys.readouterr().out
    assert "add account mt4:12345@Broker-Demo" in out and "add link 'majors'" in out
    with Store.open(tmp_path / "d") as store:
        assert store.load_accounts() == [] and store.load_links() == []


def test_an_edited_file_changes_links_in_place_and_replace_removes_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    source = tmp_path / "s.toml"
    source.write_text(example(), encoding="utf-8")
    assert main(["config", "import", str(source), *data]) == 0
    assert main(["links", "add", "--master", "12345", "--slave", "88001", "--name", "extra",
                 "--overlap", *data]) == 0
    edited = example().replace("max_daily_loss_pct = 5.0", "max_daily_loss_pct = 3.0")
    source.write_text(edited, encoding="utf-8")
    capsys.readouterr()

    assert main(["config", "import", str(source), *data]) == 0
    merged = capsys.readouterr().out
    assert main(["config", "import", str(source), "--replace", *data]) == 0
    replaced = capsys.readouterr().out

    with Store.open(tmp_path / "d") as store:
        links = {link.name: link for link in store.load_links()}
    assert merged.strip() == "change #1 link 'majors' mt4:12345@Broker-Demo → mt5:88001@Broker-Live"
    assert "remove #3 link 'extra'" in replaced
    assert sorted(links) == ["majors", "reverse-small"]
    assert links["majors"].id == 1 and links["majors"].rules.max_daily_loss_pct == 3.0


def test_settings_go_to_the_folder_they_configure_and_its_own_data_folder_stays(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"data_dir": "/elsewhere"}))
    source = tmp_path / "s.toml"
    source.write_text(example().replace('theme = "light"', 'theme = "dark"'), encoding="utf-8")

    assert main(["config", "import", str(source), "--data-dir", str(folder)]) == 0

    saved = load_preferences(folder / "settings.json")
    assert saved == Preferences(theme="dark", data_dir="/elsewhere")


def test_an_unreadable_file_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "setup.toml"
    binary.write_bytes(b"\xff\xfe\x00bad")

    assert main(["config", "import", str(tmp_path / "missing.toml")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{tmp_path / 'missing.toml'}: no such file or folder")
    assert main(["config", "import", str(binary)]) == 2
    assert "not a text file" in capsys.readouterr().err


def test_the_example_parses_to_what_the_page_says() -> None:
    loaded = parse(example())

    roles = {a.id: a.role.value for a in loaded.setup.accounts}
    assert roles == {"mt4:12345@Broker-Demo": "master", "mt4:5501@OtherBroker-Real": "slave",
                     "mt5:88001@Broker-Live": "slave"}
    assert [link.name for link in loaded.setup.links] == ["majors", "reverse-small"]
    assert loaded.setup.links[0].rules.trading_hours == (420, 1200)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(name=text, mapping=st.dictionaries(text.filter(bool), text, max_size=3),
       lot=st.floats(min_value=1e-6, max_value=1e6), magic=st.lists(st.integers(0, 2**31)))
def test_any_name_symbol_map_lot_and_magic_survive_the_file(
    name: str, mapping: dict[str, str], lot: float, magic: list[int]
) -> None:
    rules = LinkRules(lot_value=lot, symbol_map=mapping, magic_allow=tuple(magic))
    link = Link(0, "mt4:1@A", "mt4:2@A", rules, name=name)

    loaded = parse(render(Setup((), (link,)), Preferences()))

    assert loaded.setup.links == (link,)


def test_a_symbol_ending_in_a_newline_is_quoted_in_the_file() -> None:
    """``^…$`` matched "0\\n" as a bare key, which TOML cannot read back (found by hypothesis)."""
    link = Link(0, "mt4:1@A", "mt4:2@A", LinkRules(symbol_map={"0\n": "X"}), name="n")
    loaded = parse(render(Setup((), (link,)), Preferences()))
    assert loaded.setup.links == (link,)
