"""Master symbol → slave symbol (SPEC §4): explicit map, then prefix/suffix rewriting, then an
automatic match by normalised name against the slave's symbol list.

Normalising upper-cases a name, trims broker noise ("EURUSD.m", "EURUSD_i", "GER40-pro",
"EURUSDmicro", "US30.cash") and keeps letters and digits only, so "EURUSD.m" and "eurusd_i"
both read EURUSD.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import lru_cache

from copier.engine.config import LinkRules
from copier.engine.verdicts import Denial

# Trailing decorations brokers add to the same instrument; longest first so ".raw" beats ".r".
_NOISE_SUFFIXES = (
    "micro", "mini", ".cash", ".pro", "-pro", "_pro", ".ecn", "-ecn", "_ecn", ".raw", "-raw",
    "_raw", ".std", "-std", "_std", ".m", "_m", "-m", ".i", "_i", "-i", ".r", "_r", ".a", ".b",
    ".c", ".e", ".x", "+", "#", "!", ".",
)  # fmt: skip
_NON_ALNUM = re.compile(r"[^A-Z0-9]")


@lru_cache(maxsize=4096)
def normalise(name: str) -> str:
    """The instrument a symbol name stands for, without broker decoration."""
    text = name.strip().lower()
    trimmed = True
    while trimmed:
        trimmed = False
        for noise in _NOISE_SUFFIXES:
            if text.endswith(noise) and len(text) > len(noise):
                text = text[: -len(noise)]
                trimmed = True
                break
    return _NON_ALNUM.sub("", text.upper())


def rewrite(master_symbol: str, rules: LinkRules) -> str:
    """Strip the master's prefix/suffix and add the slave's."""
    name = master_symbol
    if rules.strip_prefix and name.startswith(rules.strip_prefix):
        name = name[len(rules.strip_prefix) :]
    if rules.strip_suffix and name.endswith(rules.strip_suffix):
        name = name[: -len(rules.strip_suffix)]
    return f"{rules.add_prefix}{name}{rules.add_suffix}"


def map_symbol(
    master_symbol: str, rules: LinkRules, slave_symbols: Collection[str]
) -> str | Denial:
    """The slave symbol to trade for ``master_symbol``, or why there is none."""
    explicit = _explicit(master_symbol, rules.symbol_map)
    if explicit is not None:
        if explicit in slave_symbols:
            return explicit
        return Denial(
            "symbol_map",
            f"{master_symbol}: mapped to {explicit}, which the slave does not have — copy skipped",
        )
    candidate = rewrite(master_symbol, rules)
    if candidate in slave_symbols:
        return candidate
    if rules.auto_match:
        matched = _auto_match(master_symbol, tuple(slave_symbols))
        if matched is not None:
            return matched
    return Denial(
        "symbol_map",
        f"{master_symbol}: no matching symbol on slave (tried {candidate}) — copy skipped",
    )


def _explicit(master_symbol: str, symbol_map: Mapping[str, str]) -> str | None:
    if master_symbol in symbol_map:
        return symbol_map[master_symbol]
    upper = master_symbol.upper()
    for master, slave in symbol_map.items():
        if master.upper() == upper:
            return slave
    return None


def _auto_match(master_symbol: str, slave_symbols: tuple[str, ...]) -> str | None:
    wanted = normalise(master_symbol)
    if not wanted:
        return None
    return _index(slave_symbols).get(wanted)


@lru_cache(maxsize=64)
def _index(slave_symbols: tuple[str, ...]) -> dict[str, str]:
    """Normalised name → slave symbol. When several share a name the shortest (then the first
    alphabetically) wins: "EURUSD" over "EURUSD.pro", so a plain contract is preferred."""
    index: dict[str, str] = {}
    for name in sorted(slave_symbols, key=lambda s: (len(s), s)):
        index.setdefault(normalise(name), name)
    return index
