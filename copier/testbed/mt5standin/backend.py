"""The stand-in as an MT5 backend: what a simulated account's worker loads instead of MetaTrader5.

``Mt5Config.backend`` carries one of these into the worker process (it is frozen and picklable);
the worker calls :meth:`StandIn.load` there. ``endpoint`` reaches a terminal served by a
:class:`.host.TerminalHost` (it outlives worker processes, as a real terminal does); with only
``profile`` the worker builds the simulated terminal itself, deterministically from the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from copier.testbed.mt5standin.profiles import SimEndpoint, TerminalProfile


@dataclass(frozen=True, slots=True)
class StandIn:
    profile: TerminalProfile | None = None
    endpoint: SimEndpoint | None = None

    name = "simulated MT5 terminal (copier.testbed.mt5standin), not MetaTrader5"

    def load(self) -> ModuleType:
        import copier.testbed.mt5standin as standin
        from copier.testbed.mt5standin import registry

        if self.endpoint is not None:
            standin.use_endpoint(self.endpoint)
        elif self.profile is not None:
            registry.ensure(self.profile)
        else:
            raise ValueError("a simulated MT5 terminal needs an endpoint or a profile")
        return standin
