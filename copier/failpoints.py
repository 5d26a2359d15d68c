"""Named points of the copy path where the fault suite can make the copier die on the spot.

``TRADECOPIER_FAILPOINT=name:N`` (read once, at import) makes the Nth pass through ``reach(name)``
end the process at once, with no clean-up of any kind — SIGKILL on POSIX, ``os._exit`` on
Windows — as a power cut would. Unset (always, outside the fault suite) a pass costs one
comparison. The points: ``after_send`` (a decision's commands written to the slaves, the decision
not yet committed; docs/store.md "Send before the commit"); ``inside_run`` (an event of a run
decided and its commands written, the next event of the run not yet decided, nothing of the run
committed; docs/store.md "Events that arrive together").
"""

from __future__ import annotations

import os
import signal
import sys

_NAME, _, _COUNT = os.environ.get("TRADECOPIER_FAILPOINT", "").partition(":")
_left = int(_COUNT) if _NAME and _COUNT.isdigit() else 0


def reach(name: str) -> None:
    global _left
    if _left <= 0 or name != _NAME:
        return
    _left -= 1
    if _left == 0:
        sys.stderr.write(f"failpoint {name} reached: the copier dies here\n")
        sys.stderr.flush()
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)
