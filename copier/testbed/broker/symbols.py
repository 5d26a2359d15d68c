"""The symbol catalogue: underlying markets and how each simulated broker lists them.

Brokers name and size the same market differently (``EURUSD`` / ``EURUSD.m``, ``XAUUSD`` / ``GOLD``,
an index CFD at 1 or 10 contracts per lot), and those differences are what the copier's mapping
rules exist for, so each catalogue here reproduces one kind of broker faithfully.
"""

from __future__ import annotations

from dataclasses import dataclass

from copier.domain import FillingFlag, SymbolSpec

FOK_AND_IOC = FillingFlag.FOK | FillingFlag.IOC
RETURN_ONLY = 0  # neither bit set: the broker only takes ORDER_FILLING_RETURN


@dataclass(frozen=True, slots=True)
class Instrument:
    """One underlying market; every broker symbol for it quotes around the same mid."""

    name: str
    mid: float  # starting mid price
    volatility: float  # standard deviation of the mid's move over one second, in price units
    currency_profit: str


# Brisker than a real market (about 8 points a second on EURUSD), so a demo or a test sees
# pending fills and SL/TP hits within minutes rather than hours.
INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        Instrument("EURUSD", 1.08500, 0.00008, "USD"),
        Instrument("GBPUSD", 1.27000, 0.00010, "USD"),
        Instrument("USDJPY", 150.000, 0.012, "JPY"),
        Instrument("XAUUSD", 2350.00, 0.30, "USD"),
        Instrument("GER40", 18500.0, 2.0, "EUR"),
        Instrument("US30", 39000.0, 4.0, "USD"),
    )
}


@dataclass(frozen=True, slots=True)
class Listing:
    """A broker's symbol: its contract spec, the market it tracks and its spread.

    ``spec.tick_value`` here is in the profit currency; the broker converts it to the account
    currency at the current rate when it reports the spec.
    """

    spec: SymbolSpec
    underlying: str
    spread_points: int


@dataclass(frozen=True, slots=True)
class Catalogue:
    name: str
    company: str
    server: str
    listings: tuple[Listing, ...]

    def listing(self, symbol: str) -> Listing | None:
        for entry in self.listings:
            if entry.spec.name == symbol:
                return entry
        return None

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(entry.spec.name for entry in self.listings)


def _listing(
    name: str,
    underlying: str,
    *,
    digits: int,
    contract: float,
    spread: int,
    vmin: float = 0.01,
    vmax: float = 100.0,
    step: float = 0.01,
    stops: int = 0,
    filling: int = FOK_AND_IOC,
    description: str = "",
) -> Listing:
    point = 10.0**-digits
    spec = SymbolSpec(
        name=name,
        digits=digits,
        point=point,
        contract_size=contract,
        tick_size=point,
        tick_value=point * contract,
        volume_min=vmin,
        volume_max=vmax,
        volume_step=step,
        stops_level=stops,
        filling_mode=filling,
        currency_profit=INSTRUMENTS[underlying].currency_profit,
        description=description or underlying,
    )
    return Listing(spec=spec, underlying=underlying, spread_points=spread)


def _fx_majors(
    suffix: str = "",
    *,
    spreads: tuple[int, int, int] = (10, 14, 12),
    vmin: float = 0.01,
    step: float = 0.01,
    stops: int = 0,
    filling: int = FOK_AND_IOC,
) -> tuple[Listing, ...]:
    return tuple(
        _listing(
            f"{name}{suffix}",
            name,
            digits=digits,
            contract=100_000,
            spread=spread,
            vmin=vmin,
            step=step,
            stops=stops,
            filling=filling,
        )
        for (name, digits), spread in zip(
            (("EURUSD", 5), ("GBPUSD", 5), ("USDJPY", 3)), spreads, strict=True
        )
    )


# A plain MT5 broker: the names everyone expects, both filling modes, no stops level.
STANDARD = Catalogue(
    name="standard",
    company="Sim Markets Ltd",
    server="SimMarkets-Demo",
    listings=(
        *_fx_majors(),
        _listing("XAUUSD", "XAUUSD", digits=2, contract=100, spread=25, vmax=50),
        _listing("GER40", "GER40", digits=1, contract=1, spread=15, vmin=0.1, step=0.1, vmax=500),
        _listing("US30", "US30", digits=1, contract=1, spread=20, vmin=0.1, step=0.1, vmax=500),
    ),
)

# A broker that suffixes every name, sells index CFDs at 10 contracts per lot, and fills FOK only.
SUFFIX = Catalogue(
    name="suffix",
    company="Suffix Capital",
    server="SuffixCapital-Live",
    listings=(
        *_fx_majors(".m", spreads=(16, 20, 18), filling=FillingFlag.FOK),
        _listing("XAUUSD.r", "XAUUSD", digits=2, contract=100, spread=30, vmax=50, filling=1),
        _listing("GER40.m", "GER40", digits=1, contract=10, spread=20, vmax=50, filling=1),
        _listing("US30.m", "US30", digits=1, contract=10, spread=30, vmax=50, filling=1),
    ),
)

# A broker that calls gold GOLD, trades in steps of 0.1 lot, keeps a stops level and fills IOC only.
GOLD = Catalogue(
    name="gold",
    company="Golden Bridge Markets",
    server="GoldenBridge-Real",
    listings=(
        *_fx_majors(spreads=(20, 25, 22), vmin=0.1, step=0.1, stops=20, filling=FillingFlag.IOC),
        _listing(
            "GOLD",
            "XAUUSD",
            digits=2,
            contract=100,
            spread=35,
            vmin=0.1,
            step=0.1,
            vmax=50,
            stops=50,
            filling=FillingFlag.IOC,
            description="Gold vs US Dollar",
        ),
        _listing(
            "DE40",
            "GER40",
            digits=1,
            contract=1,
            spread=20,
            vmin=0.1,
            step=0.1,
            vmax=500,
            stops=30,
            filling=FillingFlag.IOC,
        ),
    ),
)

# A market-execution ECN: raw spreads, ORDER_FILLING_RETURN only, US30 at 10 contracts per lot.
ECN = Catalogue(
    name="ecn",
    company="Raw ECN Prime",
    server="RawECN-Server",
    listings=(
        *_fx_majors(spreads=(2, 4, 3), filling=RETURN_ONLY),
        _listing("XAUUSD", "XAUUSD", digits=2, contract=100, spread=12, vmax=50, filling=0),
        _listing("US30", "US30", digits=1, contract=10, spread=8, vmax=50, filling=0),
    ),
)

CATALOGUES: dict[str, Catalogue] = {c.name: c for c in (STANDARD, SUFFIX, GOLD, ECN)}


def catalogue(name: str) -> Catalogue:
    try:
        return CATALOGUES[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUES))
        raise ValueError(f"unknown broker catalogue '{name}' (known: {known})") from None
