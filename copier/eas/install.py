"""Copying our EAs into a terminal's data folder, and the typed report of what was done.

Each file goes where :func:`copier.eas.sources.ea_sources` says: the experts into
``MQLn/Experts``, the shared includes into ``MQLn/Include/TradeCopy``, where the EAs'
``#include <TradeCopy/...>`` finds them. A set of EA files that is incomplete is not installed at
all (half a set does not compile); after copying, every include of the installed EAs is checked
to resolve in the data folder. Blocking file work: run it off the UI thread.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from copier.eas.folders import TerminalFolder
from copier.eas.sources import (
    EXPERT_PREFIX,
    MQL_FOLDER,
    default_ea_root,
    ea_sources,
    missing_sources,
    unresolved_includes,
)

# Where versions before issue #11 put the files (where the EAs' includes never resolved).
OLD_FOLDERS = ("Experts/TradeCopier", "Include/TradeCopier")


@dataclass(frozen=True, slots=True)
class InstallReport:
    """What installing into one data folder did."""

    terminal: TerminalFolder
    copied: tuple[Path, ...] = ()  # files that were not there before
    replaced: tuple[Path, ...] = ()  # files that were there and now hold the shipped version
    problems: tuple[str, ...] = ()  # sentences a trader can act on
    leftovers: tuple[Path, ...] = ()  # folders of an earlier version's install, safe to delete

    @property
    def ok(self) -> bool:
        return bool(self.copied or self.replaced) and not self.problems

    def lines(self) -> list[str]:
        out = [f"{self.terminal.title}: {self.terminal.data_path}"]
        if self.copied:
            out.append(f"  copied: {', '.join(p.name for p in self.copied)}")
        if self.replaced:
            out.append(f"  replaced: {', '.join(p.name for p in self.replaced)}")
        out += [f"  not done: {problem}" for problem in self.problems]
        out += [f"  {folder} holds copies an earlier TradeCopier put there, which do not "
                "compile; delete that folder" for folder in self.leftovers]
        if self.ok:
            mql = MQL_FOLDER[self.terminal.platform]
            experts = [p for p in (*self.copied, *self.replaced) if p.parent.name == "Experts"]
            compiled = {p.stem for p in experts if p.suffix.lower() in (".ex4", ".ex5")}
            compiled_all = all(p.stem in compiled for p in experts)
            then = ("refresh the terminal's Navigator (right-click Expert Advisors → Refresh) or "
                    "restart the terminal" if compiled_all else
                    "open MetaEditor (F4) and compile each TradeCopy EA there (F7)")
            out.append(f"  the EAs are in {mql}\\Experts: {then}")
        return out

    def describe(self) -> str:
        return "\n".join(self.lines())


def install_eas(terminal: TerminalFolder, ea_root: Path | None = None) -> InstallReport:
    """Copy the shipped EA files for ``terminal``'s platform into its data folder."""
    root = default_ea_root() if ea_root is None else ea_root
    sources = ea_sources(terminal.platform, root)
    missing = missing_sources(terminal.platform, root, sources)
    if missing:
        return InstallReport(terminal, problems=tuple(missing))
    copied: list[Path] = []
    replaced: list[Path] = []
    problems: list[str] = []
    for source, destination in sources:
        target = terminal.data_path / destination
        existed = target.exists()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            problems.append(f"could not write {target} ({exc.strerror or exc}): close MetaEditor "
                            "if it has the file open, and check the folder is writable")
            continue
        (replaced if existed else copied).append(target)
    if not problems:
        problems += [f"{problem} — the EA will not compile"
                     for problem in unresolved_includes(terminal.data_path, terminal.platform)]
    return InstallReport(terminal, tuple(copied), tuple(replaced), tuple(problems),
                         _leftovers(terminal))


def _leftovers(terminal: TerminalFolder) -> tuple[Path, ...]:
    mql = terminal.data_path / MQL_FOLDER[terminal.platform]
    found = []
    for relative in OLD_FOLDERS:
        folder = mql / relative
        if folder.is_dir() and any(p.name.startswith(EXPERT_PREFIX) or p.suffix == ".mqh"
                                   for p in folder.iterdir()):
            found.append(folder)
    return tuple(found)
