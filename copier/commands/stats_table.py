"""``copier stats`` as tables a trader reads in a terminal: one row per link, per slave and the
total, with the Statistics screen's figures (``copier.stats.Statistics``); ``--json`` prints them
all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from copier.commands.common import format_table

if TYPE_CHECKING:  # imported when the command runs: building the parser stays light
    from copier.stats import Figures, Statistics

COLUMNS = ("copies", "executed", "failed", "success", "lots", "P&L", "master P&L",
           "slippage pts", "denials")


def _figures(total: Figures) -> tuple[str, ...]:
    rate = total.success_rate
    return (
        str(total.copies), str(total.executed), str(total.failed),
        "-" if rate is None else f"{rate * 100:.1f}%", f"{total.volume_copied:.2f}",
        f"{total.pnl:.2f}", f"{total.master_pnl:.2f}", f"{total.slippage_points:.1f}",
        str(total.denials),
    )  # fmt: skip


def render(figures: Statistics) -> str:
    """The tables, or a sentence when nothing was copied yet."""
    if not figures.links:
        return "no copies yet: statistics appear once a link has copied a trade"
    link_rows = [
        (f"#{link.link_id}" + (f" {link.name}" if link.name else ""),
         f"{link.master_id} → {link.slave_id}", *_figures(link.total))
        for link in figures.links
    ]
    link_rows.append(("total", "", *_figures(figures.total)))
    slave_rows = [(slave.slave_id, *_figures(slave.total)) for slave in figures.slaves]
    parts = [
        "per link",
        format_table(("link", "master → slave", *COLUMNS), link_rows),
        "",
        "per slave",
        format_table(("slave", *COLUMNS), slave_rows),
    ]
    unpriced = figures.total.unpriced
    if unpriced:
        parts += ["", f"{unpriced} fill(s) left out of the money figures: their terminal never "
                      "reported the symbol's tick value"]
    return "\n".join(parts)
