"""What reading a link's rules costs (``LinkRules.from_dict``, on the path that loads links):
the hand-written coercion it had before, the msgspec conversion it has now, and pydantic v2 for
comparison — the same dicts, the three taking turns in one run, several rounds.

Each parse includes the checks between rules (``validate``), as ``from_dict`` does, so the figures
differ only by the conversion. The dicts are what the store hands back (every rule present, after
JSON): a new link's defaults, and a link with most rules set.

pydantic (not a dependency; ``pip install pydantic`` to include it) is measured in its lax mode:
its strict mode will not build a dataclass from a dict at all, and lax mode reads ``"7"`` as 7,
so it would still need a strict type per field to refuse the text the issue names.

    python bench/rules_parse.py [--rounds 7] [--parses 2000] [--old REV]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from copier.engine.config import LinkRules  # noqa: E402

BUSY = {
    "lot_mode": "risk_percent",
    "lot_value": 1.5,
    "risk_no_sl": "fallback_lot",
    "risk_fallback_lot": 0.02,
    "max_lot": 5.0,
    "symbol_map": {"GOLD": "XAUUSD.r", "US30": "DJ30"},
    "add_suffix": ".m",
    "symbol_lot_multipliers": {"DJ30": 10.0},
    "stops_mode": "fixed",
    "fixed_sl_points": 150,
    "symbols_allow": ["EUR*", "GOLD"],
    "magic_allow": [7, 8],
    "order_types": ["buy", "sell_limit"],
    "max_daily_loss_pct": 5.0,
    "max_drawdown_pct": 12.5,
    "drawdown_action": "close_all",
    "trading_hours": [420, 1260],
    "trading_days": [0, 1, 2, 3, 4],
    "max_orders_per_minute": 20,
}


def stored(rules: Any) -> dict[str, Any]:
    """The rules as the store returns them: every rule, through JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(rules.to_dict()))
    return loaded


def old_parser(revision: str) -> Callable[[dict[str, Any]], Any]:
    """``LinkRules.from_dict`` as it was at ``revision`` (its module imports only the stdlib)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:copier/engine/config.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("old_rules_config")
    sys.modules[module.__name__] = module  # dataclasses resolve the module's annotations by name
    exec(compile(source, "old copier/engine/config.py", "exec"), module.__dict__)
    parse: Callable[[dict[str, Any]], Any] = module.LinkRules.from_dict
    return parse


def pydantic_parser() -> Callable[[dict[str, Any]], Any] | None:
    try:
        from pydantic import TypeAdapter
    except ImportError:
        return None
    adapter = TypeAdapter(LinkRules)

    def parse(data: dict[str, Any]) -> LinkRules:
        rules: LinkRules = adapter.validate_python(data)
        rules.validate()
        return rules

    return parse


def per_parse_us(parse: Callable[[dict[str, Any]], Any], data: dict[str, Any], n: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(n):
        parse(data)
    return (time.perf_counter_ns() - start) / n / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--parses", type=int, default=2000)
    parser.add_argument("--old", default="aa209de", help="revision of the earlier from_dict")
    args = parser.parse_args()

    parsers: dict[str, Callable[[dict[str, Any]], Any]] = {
        "old": old_parser(args.old),
        "msgspec": LinkRules.from_dict,
    }
    pydantic = pydantic_parser()
    if pydantic is not None:
        parsers["pydantic"] = pydantic
    inputs = {"defaults": stored(LinkRules()), "busy": stored(LinkRules.from_dict(BUSY))}
    for name, data in inputs.items():  # every parser reads both the same
        assert all(stored(p(data)) == data for p in parsers.values()), name

    figures: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for input_name, data in inputs.items():
            for parser_name, parse in parsers.items():  # taking turns within each round
                figures.setdefault((input_name, parser_name), []).append(
                    per_parse_us(parse, data, args.parses)
                )
    busy = LinkRules.from_dict(inputs["busy"])
    checks = statistics.median(
        per_parse_us(lambda _: busy.validate(), {}, args.parses) for _ in range(args.rounds)
    )
    print(
        f"Python {sys.version.split()[0]}, {args.rounds} rounds × {args.parses} parses; "
        "µs per parse (median, min–max of the rounds)"
    )
    for (input_name, parser_name), runs in figures.items():
        print(
            f"  {input_name:<9} {parser_name:<9} {statistics.median(runs):8.1f}"
            f"   ({min(runs):.1f}–{max(runs):.1f})"
        )
    print(f"  of which the checks between rules (validate, busy): {checks:.1f}")


if __name__ == "__main__":
    main()
