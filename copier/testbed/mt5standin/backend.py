"""The stand-in as an MT5 backend: what a simulated account's worker loads instead of MetaTrader5.

``Mt5Config.backend`` carries one of these into the worker process (it is frozen and picklable);
the worker calls :meth:`StandIn.load` there. ``endpoint`` reaches a terminal served by a
:class:`.host.TerminalHost` (it outlives worker processes, as a real terminal does); with only
``profile`` the worker builds the simulated terminal itself, deterministically from the profile.
``clock`` is the clock the simulated terminals run on — the host's, for an endpoint — and so
the one the worker and the adapter stamp times with (the wall clock unless shifted, as the
demo's is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from copier.testbed.broker.clock import ShiftedClock
from copier.testbed.mt5standin.profiles import SimEndpoint, TerminalProfile


@dataclass(frozen=True, slots=True)
class StandIn:
    profile: TerminalProfile | None = None
    endpoint: SimEndpoint | None = None
    clock: ShiftedClock = field(default_factory=ShiftedClock)

    name = "simulated MT5 terminal (copier.testbed.mt5standin), not MetaTrader5"

    def load(self) -> ModuleType:
        import copier.testbed.mt5standin as standin
        from copier.testbed.mt5standin import registry

        if self.endpoint is not None:
            standin.use_endpoint(self.endpoint)
        elif self.profile is not None:
            registry.ensure(self.profile, self.clock)
        else:
            raise ValueError("a simulated MT5 terminal needs an endpoint or a profile")
        return standin

    def now_ms(self) -> int:
        return self.clock.now_ms()
