"""Running a reference EA: the async entry point and ``copier sim-ea`` argument handling."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable, Sequence

from copier.bridge.protocol import PATH, Role
from copier.domain import MarginMode, Platform
from copier.testbed.broker import BrokerFaults, Market, SimAccount, SimBroker, catalogue
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.refea.client import EaSettings, ReferenceEa

log = logging.getLogger(__name__)


async def run_reference_ea(
    url: str,
    key: str,
    role: Role | str,
    broker: SimBroker,
    *,
    tick_ms: int | None = None,
    trade_every_ms: int | None = None,
    seed: int = 0,
    stop: asyncio.Event | None = None,
) -> ReferenceEa:
    """Run a reference EA on ``broker`` until ``stop`` is set or the bridge refuses it for good.

    ``tick_ms`` moves the broker's prices (when nothing else does); ``trade_every_ms`` lets a
    seeded random trader act on the account (a monitor with something to report).
    """
    ea = ReferenceEa(broker, EaSettings(url=url, key=key, role=Role(role), seed=seed))
    helpers = []
    if tick_ms:
        helpers.append(asyncio.create_task(_every(tick_ms, broker.tick)))
    if trade_every_ms:
        trader = RandomTrader(broker, seed=seed)
        helpers.append(asyncio.create_task(_every(trade_every_ms, trader.step)))
    runner = asyncio.create_task(ea.run())
    waiter = asyncio.create_task((stop or asyncio.Event()).wait())
    try:
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await ea.stop()
        for task in (*helpers, waiter):
            task.cancel()
        await asyncio.gather(runner, *helpers, waiter, return_exceptions=True)
    if ea.fatal is not None:
        log.error("the bridge refused this EA: %d %s", *ea.fatal)
    return ea


async def _every(period_ms: int, action: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(period_ms / 1000.0)
        action()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="copier sim-ea", description="A reference EA on a simulated account."
    )
    parser.add_argument("--role", choices=[r.value for r in Role], required=True)
    parser.add_argument("--url", default=f"ws://127.0.0.1:8080{PATH}")
    parser.add_argument("--key", required=True, help="the account's API key")
    parser.add_argument("--login", type=int, required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--company", default="")
    parser.add_argument("--platform", choices=[x.value for x in Platform], default="mt5")
    parser.add_argument("--margin", choices=[x.value for x in MarginMode], default="hedging")
    parser.add_argument("--broker", default="standard", help="symbol catalogue of the broker")
    parser.add_argument("--balance", type=float, default=10_000.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tick-ms", type=int, default=50, help="price updates (0: none)")
    parser.add_argument(
        "--trade-every-ms", type=int, default=0, help="a random trader acts this often (0: never)"
    )
    parser.add_argument("--execution-delay-ms", type=int, default=0)
    return parser.parse_args(argv)


def broker_from_args(args: argparse.Namespace) -> SimBroker:
    account = SimAccount(
        login=args.login,
        server=args.server,
        company=args.company,
        platform=Platform(args.platform),
        margin_mode=MarginMode(args.margin),
        balance=args.balance,
    )
    faults = BrokerFaults(execution_delay_ms=args.execution_delay_ms)
    return SimBroker(account, catalogue(args.broker), Market(seed=args.seed), faults=faults,
                     seed=args.seed)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """``copier sim-ea``: 0 after Ctrl+C, 2 when the bridge refused the EA for good."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    broker = broker_from_args(args)
    try:
        ea = asyncio.run(
            run_reference_ea(
                args.url, args.key, args.role, broker, tick_ms=args.tick_ms or None,
                trade_every_ms=args.trade_every_ms or None, seed=args.seed,
            )
        )  # fmt: skip
    except KeyboardInterrupt:
        return 0
    return 2 if ea.fatal is not None else 0
