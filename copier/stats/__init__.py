"""Copy statistics (SPEC §8) from the store: per link and per slave, per UTC day and in total.

Qt-free, so the Statistics screen and ``copier stats --json`` print the same figures. Everything is
read from the trade log: copy rows (status, fills, slippage), denials, and the master events that
give the master's own prices.

What the figures mean:

* ``copies`` counts copy commands (one trade-log row each); ``executed``/``failed``/``expired``/
  ``in_flight`` split them by status, and ``success_rate`` is executed over finished copies.
* ``volume_copied`` is the volume the slave opened (executed opens and filled pendings).
* ``pnl`` is the realised profit of the copies, from the slave's own fills: each executed close
  realises (close − average open) × side × closed volume. ``master_pnl`` is the same for the
  master's trades that the link copied, from the master's own fills. Open positions count once
  they are closed, on the day of the close.
* ``slippage_points`` adds up each fill's slippage (positive: the slave got a worse price) and
  ``slippage_money`` prices it with the slave symbol's tick value. A reversed copy has none: it
  deals on the other side of the spread from the master, so the gap to the master's price is the
  spread, not slippage (``copier.store.rows.slippage_points``); the screen says so.
* Money needs a symbol's tick size and tick value, which the trade log does not keep. The
  copier saves the specs each terminal last reported (table ``symbol_specs``) and
  ``compute_stats`` prices with those; specs passed live (``specs``, as the running app does)
  win per account and symbol. So ``copier stats`` run from a shell, with the app closed, prints
  the figures the Statistics screen shows. A trade or fill whose spec is unknown (its terminal
  never reported one) is counted in ``unpriced`` and left out of the money figures, never
  guessed.
* Totals over several links add up per link, so ``master_pnl`` of a slave (or of everything) is
  the master's result once per link that copied it.

Modules: ``report`` (the typed statistics), ``figures`` (tallies, money), ``aggregated``
(``statistics`` and ``compute_stats``: from the store's SQL sums) and ``rowwise``
(``build_stats``: the same figures by replaying every row, the reference the sums are tested
against).
"""

from copier.stats.aggregated import compute_stats, statistics
from copier.stats.figures import DAY_MS, SpecBook, day_of, money, overlay_specs
from copier.stats.report import Figures, LinkFigures, SlaveFigures, Statistics
from copier.stats.rowwise import TradeLog, build_stats, read_trade_log

__all__ = [
    "DAY_MS",
    "Figures",
    "LinkFigures",
    "SlaveFigures",
    "SpecBook",
    "Statistics",
    "TradeLog",
    "build_stats",
    "compute_stats",
    "day_of",
    "money",
    "overlay_specs",
    "read_trade_log",
    "statistics",
]
