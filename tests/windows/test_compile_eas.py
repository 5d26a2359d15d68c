"""scripts/compile_eas.py, which the release runs with the real MetaEditor: the data folder laid
out as the installer leaves it, the log judged (0 errors and 0 warnings, or the release fails),
and the compiled files put where build.spec ships them. MetaEditor itself is a stand-in here
(tests/windows/fixtures/fake_metaeditor.py, held to its documented command line)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

compile_eas = load_script("compile_eas")
FAKE = [sys.executable, str(Path(__file__).parent / "fixtures" / "fake_metaeditor.py")]


@pytest.fixture
def ea(tmp_path: Path) -> Path:
    """A copy of the repository's EA sources, so compiled files land in the copy."""
    copy = tmp_path / "ea"
    shutil.copytree(ROOT / "ea", copy, ignore=shutil.ignore_patterns("*.ex4", "*.ex5"))
    return copy


@pytest.mark.parametrize(("platform", "mql"), [("mt4", "MQL4"), ("mt5", "MQL5")])
def test_the_data_folder_is_laid_out_as_the_installer_leaves_it(
    tmp_path: Path, ea: Path, platform: str, mql: str
) -> None:
    experts = compile_eas.lay_out(tmp_path / "data", platform, ea)

    assert sorted(p.name for p in experts) == sorted(
        p.name for p in (ea / mql / "Experts").glob(f"*.mq{mql[-1]}"))
    assert len(experts) == 2  # the Monitor and the Executor
    assert all(p.parent == tmp_path / "data" / mql / "Experts" for p in experts)
    includes = tmp_path / "data" / mql / "Include" / "TradeCopy"
    assert sorted(p.name for p in includes.iterdir()) == sorted(
        p.name for p in (ea / "Include" / "TradeCopy").iterdir())


def test_an_ea_file_missing_from_the_sources_fails_before_metaeditor_runs(
    tmp_path: Path, ea: Path
) -> None:
    (ea / "Include" / "TradeCopy" / "Json.mqh").unlink()

    with pytest.raises(compile_eas.LayoutError, match=r"Json\.mqh"):
        compile_eas.lay_out(tmp_path / "data", "mt4", ea)


def test_every_ea_compiles_and_is_shipped_beside_its_source(tmp_path: Path, ea: Path) -> None:
    code = compile_eas.main(["--mt4-editor", *FAKE, "--mt5-editor", *FAKE,
                             "--work", str(tmp_path / "work"), "--ea", str(ea)])

    assert code == 0
    for mql, compiled in (("MQL4", ".ex4"), ("MQL5", ".ex5")):
        sources = sorted((ea / mql / "Experts").glob(f"*.mq{mql[-1]}"))
        assert sources and all(s.with_suffix(compiled).is_file() for s in sources)


def test_an_include_that_does_not_resolve_fails_the_release(
    tmp_path: Path, ea: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monitor = ea / "MQL5" / "Experts" / "TradeCopy_Monitor.mq5"
    text = monitor.read_text(encoding="utf-8")
    monitor.write_text("#include <TradeCopy/Missing.mqh>\n" + text, encoding="utf-8")

    code = compile_eas.main(["--mt5-editor", *FAKE, "--platform", "mt5",
                             "--work", str(tmp_path / "work"), "--ea", str(ea)])

    out = capsys.readouterr().out
    assert code == 1
    # refused by the installer's own include check, before MetaEditor is asked
    assert "mt5: FAILED — the installer's layout:" in out
    assert "Missing.mqh" in out and not monitor.with_suffix(".ex5").exists()


@pytest.mark.parametrize(("log", "why"), [
    ("x.mq5(3,5) : warning 43: possible loss of data\nResult: 0 errors, 1 warnings, 9 msec",
     "0 errors, 1 warnings"),
    ("compiling x.mq5\n", "no 'Result:' line"),
    ("Result: 0 errors, 0 warnings, 9 msec elapsed", "no fresh"),
])
def test_a_warning_a_missing_result_or_no_compiled_file_is_a_failure(
    tmp_path: Path, log: str, why: str
) -> None:
    ok, summary, _ = compile_eas.judge(log, tmp_path / "x.ex5", time.time())

    assert not ok and why in summary


def test_the_log_is_read_as_utf16_with_its_byte_order_mark(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_bytes("Result: 0 errors, 0 warnings — ünïcode".encode("utf-16"))

    assert compile_eas.read_log(log).startswith("Result: 0 errors, 0 warnings")


def test_a_missing_metaeditor_is_said_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = compile_eas.main(["--mt5-editor", str(tmp_path / "MetaEditor64.exe"),
                             "--platform", "mt5"])

    assert code == 2 and "no MetaEditor" in capsys.readouterr().out
