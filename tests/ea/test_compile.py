"""Every EA compiles with g++ -std=c++17 -Wall -Werror from a terminal data folder, includes resolve
as MetaEditor resolves them, each platform compiles its own #ifdef branch; a broken EA is refused
at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.build import CompileError, compile_ea, compile_from_data_folder

from copier.cli import main

pytestmark = pytest.mark.timeout(120)

FIXTURES = Path(__file__).parent / "fixtures"


def test_each_ea_compiles_to_a_binary(ea_binaries: dict[str, Path]) -> None:
    assert sorted(ea_binaries) == ["executor4", "executor5", "monitor4", "monitor5"]
    assert all(path.is_file() and path.stat().st_size > 0 for path in ea_binaries.values())


def test_a_call_to_an_unknown_function_is_refused_with_file_and_line(
        tmp_path: Path, ea_runtime: Path) -> None:
    source = FIXTURES / "Broken_Unknown.mq4"

    with pytest.raises(CompileError) as refused:
        compile_ea(source, tmp_path, ea_runtime)

    assert f"{source}:14:" in str(refused.value)
    assert "PositionsTotalOnAllAccounts" in str(refused.value)


def _program(root: Path, folder: str, expert: str, body: str, includes: dict[str, str]) -> Path:
    for rel, text in includes.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    source = root / folder / "Experts" / expert
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(body, encoding="utf-8")
    return source


def test_the_eas_compile_from_a_data_folder_laid_out_as_the_installer_leaves_it(
        ea_data_folder: Path, ea_binaries: dict[str, Path]) -> None:
    assert sorted(p.name for p in (ea_data_folder / "MQL4/Include/TradeCopy").iterdir()) == sorted(
        p.name for p in (ea_data_folder / "MQL5/Include/TradeCopy").iterdir())

    # ea_binaries compiles each EA from this data folder (compile_from_data_folder), once
    assert all(binary.is_file() for binary in ea_binaries.values())


def test_an_angle_include_is_found_only_under_the_platforms_include_folder(tmp_path: Path) -> None:
    # docs.mql4.com/basis/preprosessor/include: <file> is taken from MQL4\Include, "the current
    # directory is not included in the search"
    body = '#include <Lib.mqh>\nint OnInit() { return(LibValue()); }\n'
    source = _program(tmp_path, "MQL4", "A.mq4", body,
                      {"MQL4/Experts/Lib.mqh": "int LibValue() { return(0); }\n"})

    with pytest.raises(CompileError) as refused:
        compile_ea(source, tmp_path / "out")

    assert f"{source}:1: cannot open include file 'Lib.mqh'" in str(refused.value)


def test_a_quoted_include_is_found_beside_the_file_that_names_it(
        tmp_path: Path, ea_runtime: Path) -> None:
    body = '#include <Pkg/Outer.mqh>\nint OnInit() { return(Inner()); }\n'
    source = _program(tmp_path, "MQL5", "B.mq5", body, {
        "MQL5/Include/Pkg/Outer.mqh": '#include "Inner.mqh"\n',
        "MQL5/Include/Pkg/Inner.mqh": "int Inner() { return(INIT_SUCCEEDED); }\n"})

    assert compile_ea(source, tmp_path / "out", ea_runtime).is_file()


def test_each_platform_compiles_only_its_own_ifdef_branch(
        tmp_path: Path, ea_runtime: Path) -> None:
    shared = ("#ifdef __MQL4__\nint Which() { return(4); }\n#endif\n#ifdef __MQL5__\n"
              "int Which() { return(5); }\nint Only5(MqlTradeRequest &r);\n#endif\n")
    includes = {"MQL4/Include/S.mqh": shared, "MQL5/Include/S.mqh": shared}
    body = "#include <S.mqh>\nint OnInit() { return(Which()-%d); }\n"
    four = _program(tmp_path, "MQL4", "C.mq4", body % 4, includes)
    five = _program(tmp_path, "MQL5", "C.mq5", body % 5, includes)

    assert compile_ea(four, tmp_path / "out", ea_runtime).is_file()
    assert compile_ea(five, tmp_path / "out", ea_runtime).is_file()


@pytest.mark.parametrize("platform, experts", [
    ("MQL4", ("TradeCopy_Monitor.mq4", "TradeCopy_Executor.mq4")),
    ("MQL5", ("TradeCopy_Monitor.mq5", "TradeCopy_Executor.mq5")),
])
def test_copier_eas_install_leaves_eas_that_compile_in_the_data_folder(
        tmp_path: Path, platform: str, experts: tuple[str, ...],
        capsys: pytest.CaptureFixture[str], ea_runtime: Path) -> None:
    """Issue #11's acceptance, as a trader runs it: the command line installs into a terminal's
    data folder, and every EA compiles there with nothing but what the install put in it."""
    data = tmp_path / "Terminal" / "D0E8209F77C8CF37AD8BF550E51FF075"
    (data / platform).mkdir(parents=True)

    assert main(["eas", "install", "--terminal", str(data)]) == 0
    capsys.readouterr()

    for expert in experts:
        assert compile_from_data_folder(data, expert, tmp_path / "out", ea_runtime).is_file()
