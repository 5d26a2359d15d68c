"""The EA files that really ship: the bundle build.spec makes holds every file the installer
installs, found there through the same ``ea_sources()`` (``sys._MEIPASS`` in a frozen app); and
the repository's EAs, installed into a data folder, have every include resolved there."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

from copier.domain import Platform
from copier.eas.folders import open_data_folder
from copier.eas.install import install_eas
from copier.eas.sources import default_ea_root, ea_sources, unresolved_includes

REPO = Path(__file__).resolve().parents[3]
SHARED_INCLUDES = REPO / "ea" / "Include" / "TradeCopy"


def _bundle_files() -> list[tuple[str, str]]:
    """build.spec's own ``shipped_files()``, run against the repository (the spec itself runs
    only inside PyInstaller)."""
    tree = ast.parse((REPO / "build.spec").read_text(encoding="utf-8"))
    function = next(node for node in tree.body
                    if isinstance(node, ast.FunctionDef) and node.name == "shipped_files")
    namespace: dict[str, object] = {"ROOT": REPO, "Path": Path}
    exec(compile(ast.Module([function], []), "build.spec", "exec"), namespace)
    files = namespace["shipped_files"]()  # type: ignore[operator]
    assert isinstance(files, list)
    return files


@pytest.mark.parametrize("platform", [Platform.MT4, Platform.MT5])
def test_a_frozen_app_finds_every_ea_file_in_its_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: Platform
) -> None:
    bundle = tmp_path / "_internal"
    for source, folder in _bundle_files():
        target = bundle / folder / Path(source).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    expected = [(s.source.relative_to(REPO / "ea"), s.destination)
                for s in ea_sources(platform, REPO / "ea")]
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)

    frozen_root = default_ea_root()
    found = [(s.source.relative_to(frozen_root), s.destination) for s in ea_sources(platform)]

    assert frozen_root == bundle / "ea"
    assert any("/Experts/TradeCopy_" in destination for _source, destination in expected)
    assert found == expected


# Needs the shared includes in ea/Include/TradeCopy (issue #11 moves them there from
# ea/MQL4/Include and ea/MQL5/Include); it runs as soon as that folder exists.
@pytest.mark.skipif(not SHARED_INCLUDES.is_dir(),
                    reason="the shared EA includes are not in ea/Include/TradeCopy yet")
@pytest.mark.parametrize("platform", [Platform.MT4, Platform.MT5])
def test_the_shipped_eas_install_with_every_include_resolved(
    tmp_path: Path, platform: Platform
) -> None:
    folder = tmp_path / "D"
    mql, ext = ("MQL4", "mq4") if platform is Platform.MT4 else ("MQL5", "mq5")
    (folder / mql).mkdir(parents=True)
    terminal = open_data_folder(folder)

    report = install_eas(terminal)

    assert report.ok, report.describe()
    assert unresolved_includes(folder, platform) == []
    installed = {p.name for p in (folder / mql / "Include" / "TradeCopy").iterdir()}
    assert installed == {p.name for p in SHARED_INCLUDES.glob("*.mqh")}
    experts = {p.name for p in (folder / mql / "Experts").iterdir()}
    assert {f"TradeCopy_Monitor.{ext}", f"TradeCopy_Executor.{ext}"} <= experts
