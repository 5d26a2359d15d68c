"""Everything that exists to simulate the outside world, kept apart from the product.

``broker`` is the simulated broker behind the simulated terminal adapter; ``mt5standin`` stands in
for the ``MetaTrader5`` package (held to its documentation) so the MT5-direct adapter runs on
Linux; ``refea`` is the reference EA client written from ``docs/protocol.md``; ``demo``,
``demo_ea``, ``demo_mt5`` and ``demo_core`` build the demo worlds behind ``copier demo``.
The product's own packages never import this one except where a user asks for a simulation
(``copier demo``, ``--self-test``, a simulated account).
"""
