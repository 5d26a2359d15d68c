"""How soon the core's event loop gets the interpreter back from the copier's other threads.

The core's loop shares the GIL with the store's writer thread, the key re-check's worker
thread and, in the window's process, the GUI thread. A thread that wants the GIL while another
runs Python code waits until that one blocks (a socket, SQLite's own work) or until the switch
interval has passed — 5 ms by default (``sys.setswitchinterval``, https://docs.python.org/3/
library/sys.html#sys.setswitchinterval). A copy that arrives while the writer builds a batch's
rows, or while a re-check answers a chunk of keys, waits that long before its frame is even
read. With 10,000 EA sessions the copies' longest wait was 37.8–54.0 ms at 5 ms and 19.5–37.8 ms
at 0.2 ms (p99 17.2–22.6 against 8.4–17.9 ms), for the same CPU per event (docs/performance.md,
"Measured again from clean trees; the switch interval").

``hand_gil_often`` sets the core's interval while it runs and returns the one it replaced, which
the caller puts back when the core stops.
"""

from __future__ import annotations

import sys

CORE_SWITCH_INTERVAL_S = 0.0002


def hand_gil_often() -> float:
    """Set the switch interval to ``CORE_SWITCH_INTERVAL_S`` (or leave a shorter one set);
    return the interval it replaced."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, CORE_SWITCH_INTERVAL_S))
    return previous


def restore_switch_interval(previous: float) -> None:
    sys.setswitchinterval(previous)
