"""Installing the EAs into a data folder: the shared includes land in MQLn/Include/TradeCopy where
the EAs' ``#include <TradeCopy/...>`` finds them, the experts (and compiled files) in
MQLn/Experts; what was copied or replaced is reported, and every failure is a sentence."""

from __future__ import annotations

from pathlib import Path

from copier.domain import Platform
from copier.eas.folders import TerminalFolder, open_data_folder
from copier.eas.install import install_eas
from copier.eas.sources import ea_sources, unresolved_includes
from tests.eas_fakes import EX4_BYTES, make_ea_tree


def _terminal(tmp_path: Path, mql: str) -> TerminalFolder:
    folder = tmp_path / "D"
    (folder / mql).mkdir(parents=True)
    return open_data_folder(folder, ea_root=tmp_path / "ea")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)).replace("\\", "/")
                  for p in folder.rglob("*") if p.is_file())


def test_each_file_goes_where_the_eas_include_resolves(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)
    terminal = _terminal(tmp_path, "MQL4")

    report = install_eas(terminal, ea_root)

    assert report.ok, report.describe()
    assert _files(terminal.data_path) == [
        "MQL4/Experts/TradeCopy_Executor.ex4",
        "MQL4/Experts/TradeCopy_Executor.mq4",
        "MQL4/Experts/TradeCopy_Monitor.ex4",
        "MQL4/Experts/TradeCopy_Monitor.mq4",
        "MQL4/Include/TradeCopy/Json.mqh",
        "MQL4/Include/TradeCopy/Sha1.mqh",
        "MQL4/Include/TradeCopy/Ws.mqh",
    ]
    assert (terminal.data_path / "MQL4/Experts/TradeCopy_Executor.ex4").read_bytes() == EX4_BYTES
    assert unresolved_includes(terminal.data_path, Platform.MT4) == []
    assert len(report.copied) == 7 and report.replaced == ()
    assert "copied: Json.mqh" in report.describe()
    assert "refresh the terminal's Navigator" in report.describe()  # a compiled EA came with it


def test_installing_again_replaces_the_files_and_says_so(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)
    terminal = _terminal(tmp_path, "MQL5")
    install_eas(terminal, ea_root)
    (terminal.data_path / "MQL5/Include/TradeCopy/Json.mqh").write_text("// old", encoding="utf-8")

    report = install_eas(terminal, ea_root)

    assert report.ok and report.copied == ()
    assert sorted(p.name for p in report.replaced) == [
        "Json.mqh", "Sha1.mqh", "TradeCopy_Executor.mq5", "TradeCopy_Monitor.mq5", "Ws.mqh"]
    assert (terminal.data_path / "MQL5/Include/TradeCopy/Json.mqh").read_text() == "// Json\n"
    assert "replaced:" in report.describe()
    assert "compile each TradeCopy EA there (F7)" in report.describe()  # no .ex5 shipped


def test_an_incomplete_set_of_ea_files_installs_nothing_and_says_why(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)
    for include in (ea_root / "Include" / "TradeCopy").iterdir():
        include.unlink()
    terminal = _terminal(tmp_path, "MQL5")

    report = install_eas(terminal, ea_root)

    assert not report.ok
    assert _files(terminal.data_path) == []
    assert "include files are missing" in report.describe()
    assert "reinstall TradeCopier" in report.describe()


def test_an_include_that_does_not_resolve_after_copying_is_reported(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)
    monitor = ea_root / "MQL5/Experts/TradeCopy_Monitor.mq5"
    monitor.write_text("#include <TradeCopy/Json.mqh>\n#include <TradeCopier/Json.mqh>\n",
                       encoding="utf-8")
    (ea_root / "Include/TradeCopy/Ws.mqh").write_text('#include "Nowhere.mqh"\n')
    terminal = _terminal(tmp_path, "MQL5")

    report = install_eas(terminal, ea_root)

    assert not report.ok
    text = report.describe()
    assert "#include <TradeCopier/Json.mqh> is not in" in text
    assert '#include "Nowhere.mqh" is not in' in text
    assert "will not compile" in text


def test_includes_are_read_in_utf16_as_metaeditor_saves_them(tmp_path: Path) -> None:
    data = tmp_path / "D"
    experts = data / "MQL5" / "Experts"
    experts.mkdir(parents=True)
    text = "#include <TradeCopy/Absent.mqh>\n"
    (experts / "TradeCopy_Monitor.mq5").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))

    assert len(unresolved_includes(data, Platform.MT5)) == 1


def test_a_file_that_cannot_be_written_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)
    terminal = _terminal(tmp_path, "MQL5")
    (terminal.data_path / "MQL5/Experts/TradeCopy_Monitor.mq5").mkdir(parents=True)  # in the way

    report = install_eas(terminal, ea_root)

    assert not report.ok
    assert "could not write" in report.describe()
    assert "check the folder is writable" in report.describe()


def test_copies_an_earlier_version_left_in_the_wrong_folders_are_pointed_out(
    tmp_path: Path
) -> None:
    ea_root = make_ea_tree(tmp_path)
    terminal = _terminal(tmp_path, "MQL5")
    old = terminal.data_path / "MQL5" / "Experts" / "TradeCopier"
    old.mkdir(parents=True)
    (old / "TradeCopy_Monitor.mq5").write_text("// old", encoding="utf-8")

    report = install_eas(terminal, ea_root)

    assert report.ok
    assert report.leftovers == (old,)
    assert "earlier TradeCopier" in report.describe()


def test_sources_are_listed_per_platform_with_destinations(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)

    mt5 = {destination for _source, destination in ea_sources(Platform.MT5, ea_root)}

    assert mt5 == {"MQL5/Include/TradeCopy/Json.mqh", "MQL5/Include/TradeCopy/Sha1.mqh",
                   "MQL5/Include/TradeCopy/Ws.mqh", "MQL5/Experts/TradeCopy_Monitor.mq5",
                   "MQL5/Experts/TradeCopy_Executor.mq5"}


def test_only_the_includes_the_platforms_compiler_reads_must_resolve(tmp_path: Path) -> None:
    # One shared include for both platforms, its differences under __MQL4__/__MQL5__
    # (https://docs.mql4.com/basis/preprosessor/conditional_compilation)
    ea_root = make_ea_tree(tmp_path)
    (ea_root / "Include/TradeCopy/Net.mqh").write_text(
        '#ifdef __MQL5__\n#include "Mt5Sockets.mqh"\n#else\n#include "Mt4Sockets.mqh"\n#endif\n',
        encoding="utf-8")
    (ea_root / "Include/TradeCopy/Mt4Sockets.mqh").write_text("// ws2_32\n", encoding="utf-8")
    for expert in ea_root.glob("MQL?/Experts/TradeCopy_Monitor.mq?"):
        expert.write_text("#include <TradeCopy/Net.mqh>\n", encoding="utf-8")

    mt4 = install_eas(_terminal(tmp_path / "4", "MQL4"), ea_root)
    mt5 = install_eas(_terminal(tmp_path / "5", "MQL5"), ea_root)

    assert mt4.ok, mt4.describe()
    assert not mt5.ok
    assert mt5.problems == ('MQL5/Include/TradeCopy/Net.mqh: #include "Mt5Sockets.mqh" is not in '
                            f"{tmp_path / '5' / 'D' / 'MQL5' / 'Include' / 'TradeCopy'} — the EA "
                            "will not compile",)


def test_a_define_from_an_include_counts_for_the_lines_after_it(tmp_path: Path) -> None:
    data = tmp_path / "D"
    (data / "MQL5" / "Include" / "TradeCopy").mkdir(parents=True)
    (data / "MQL5" / "Experts").mkdir(parents=True)
    (data / "MQL5/Include/TradeCopy/Json.mqh").write_text("#define TC_JSON\n", encoding="utf-8")
    (data / "MQL5/Experts/TradeCopy_Monitor.mq5").write_text(
        "#include <TradeCopy/Json.mqh>\n#ifndef TC_JSON\n#include <TradeCopy/Absent.mqh>\n#endif\n"
        "#ifdef __MQL4__\n#include <TradeCopy/Absent.mqh>\n#endif\n", encoding="utf-8")

    assert unresolved_includes(data, Platform.MT5) == []
