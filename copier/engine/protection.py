"""Protection and risk rules (SPEC §5) for copies that add exposure, run in this order:

max daily loss → max drawdown → equity floor → daily profit target → minimum margin level → max
signal age → trading days → trading hours → max orders per minute → max lot per order → max open
positions → max volume per symbol → max price deviation.

Every rule has one interface, ``(OpenContext) -> None | Denial | Clamp``; the first denial wins,
a clamp lowers the volume the later rules see. They guard opens, increases and pending placement
only: closes, SL/TP changes and deletions of existing copies never come here, so a trader can
always get out. Each rule acts only when its own setting is on, and ``protection_on`` tells
whether any is, so a link without protection skips them all. Risk stops (daily loss, drawdown,
equity floor) act by ``drawdown_action``, the daily profit target by ``profit_target_action``:
stop_opening denies market opens and still lets pending orders be placed, close_only denies
both, close_all also asks the router to close every open copy of the link (``Denial.close_all``).

``risk_breach`` is the same check without an order: the copy service runs it on every account
update of a slave, and a breach becomes a ``RiskStop`` that holds for the rest of the trading
day (``stop_in_force`` words what it refuses). Trading days and hours read the slave's trading
clock (broker time, ``copier.engine.tradingday``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter
from typing import NamedTuple

from copier.domain import MarginMode, MasterEvent, Side, SymbolSpec
from copier.engine.config import DrawdownAction, LinkRules
from copier.engine.sizing import ceil_to_step, dec, floor_to_step
from copier.engine.state import RiskStop, SlaveView
from copier.engine.tradingday import hhmm
from copier.engine.verdicts import Clamp, Denial, fmt_lots, fmt_lots_beside, fmt_money

_MINUTE_MS = 60_000
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class OpenContext(NamedTuple):
    """One proposed copy that adds exposure: what the protection rules decide over."""

    rules: LinkRules
    event: MasterEvent
    slave: SlaveView
    spec: SymbolSpec  # the slave symbol's
    side: Side  # the slave order's side (after reversing)
    volume: float  # slave lots, already sized
    is_pending: bool
    now_ms: int


class Protected(NamedTuple):
    volume: float
    clamps: tuple[Clamp, ...] = ()


Rule = Callable[[OpenContext], Denial | Clamp | None]


# --- risk stops: also callable without an order, for a service watching equity -----------------


def daily_loss_breach(rules: LinkRules, slave: SlaveView) -> str | None:
    """Why the day's loss limit is reached (without the action), or None."""
    start = slave.day_start_equity
    if start <= 0 or not (rules.max_daily_loss_money or rules.max_daily_loss_pct):
        return None
    loss = start - slave.account.equity
    pct = loss / start * 100.0
    if rules.max_daily_loss_money and loss >= rules.max_daily_loss_money:
        limit = fmt_money(rules.max_daily_loss_money)
        return f"daily loss {fmt_money(loss)} reached the limit {limit}"
    if rules.max_daily_loss_pct and pct >= rules.max_daily_loss_pct:
        return f"daily loss {pct:.1f}% reached the limit {rules.max_daily_loss_pct:g}%"
    return None


def drawdown_breach(rules: LinkRules, slave: SlaveView) -> str | None:
    """Why the drawdown limit from the day's or all-time equity peak is reached, or None."""
    if not rules.max_drawdown_pct:
        return None
    day = rules.drawdown_from == "day"
    peak = max(slave.equity_peak_day if day else slave.equity_peak_all_time, 0.0)
    if peak <= 0:
        return None
    drawdown = (peak - slave.account.equity) / peak * 100.0
    if drawdown < rules.max_drawdown_pct:
        return None
    which = "the day's" if day else "the all-time"
    return (
        f"drawdown {drawdown:.1f}% from {which} equity peak {fmt_money(peak)} "
        f"reached the limit {rules.max_drawdown_pct:g}%"
    )


def equity_floor_breach(rules: LinkRules, slave: SlaveView) -> str | None:
    floor, equity = rules.equity_floor, slave.account.equity
    if floor and equity <= floor:
        return f"equity {fmt_money(equity)} is at or below the floor {fmt_money(floor)}"
    return None


def profit_target_reached(rules: LinkRules, slave: SlaveView) -> str | None:
    """Why the day's profit target is reached (without the action), or None."""
    start = slave.day_start_equity
    if start <= 0 or not (rules.daily_profit_target_money or rules.daily_profit_target_pct):
        return None
    gain = slave.account.equity - start
    pct = gain / start * 100.0
    if rules.daily_profit_target_money and gain >= rules.daily_profit_target_money:
        target = fmt_money(rules.daily_profit_target_money)
        return f"daily profit {fmt_money(gain)} reached the target {target}"
    if rules.daily_profit_target_pct and pct >= rules.daily_profit_target_pct:
        return f"daily profit {pct:.1f}% reached the target {rules.daily_profit_target_pct:g}%"
    return None


def risk_breach(rules: LinkRules, slave: SlaveView) -> tuple[str, str, DrawdownAction] | None:
    """The first risk limit the slave's equity has reached — (rule, why, action) — or None.
    The copy service calls it on every account update; the rules below at every open."""
    loss_action, target_action = rules.drawdown_action, rules.profit_target_action
    for rule, why, action in (
        ("max_daily_loss", daily_loss_breach(rules, slave), loss_action),
        ("max_drawdown", drawdown_breach(rules, slave), loss_action),
        ("equity_floor", equity_floor_breach(rules, slave), loss_action),
        ("daily_profit_target", profit_target_reached(rules, slave), target_action),
    ):
        if why is not None:
            return rule, why, action
    return None


def risk_stop(rules: LinkRules, slave: SlaveView, *, is_pending: bool = False) -> Denial | None:
    """The risk stop a copy meets now (daily loss, drawdown, equity floor, profit target),
    acting by its action; None when no limit is reached (or the action lets the copy pass)."""
    breach = risk_breach(rules, slave)
    if breach is None:
        return None
    rule, why, action = breach
    return _risk_action(action, rule, why, is_pending)


def stop_in_force(stop: RiskStop, *, is_pending: bool) -> Denial | None:
    """What a latched risk stop refuses: market opens (stop_opening) or every copy that adds
    exposure (close_only, close_all, whose sweep was done when it was set)."""
    denial = _risk_action(stop.action, stop.rule, stop.reason, is_pending)
    return None if denial is None else replace(denial, close_all=False)


def _risk_action(
    action: DrawdownAction, rule: str, why: str, is_pending: bool
) -> Denial | None:
    if action is DrawdownAction.STOP_OPENING:
        return None if is_pending else Denial(rule, f"{why} — opening stopped")
    if action is DrawdownAction.CLOSE_ONLY:
        return Denial(rule, f"{why} — link is close-only")
    return Denial(rule, f"{why} — closing all copies", close_all=True)


def _on_symbol(ctx: OpenContext, denial: Denial | None) -> Denial | None:
    if denial is None:
        return None
    return replace(denial, reason=f"{ctx.spec.name}: {denial.reason}")


# --- the rules ----------------------------------------------------------------------------------


def _account_breach(
    ctx: OpenContext, rule: str, why: str | None, action_field: str = "drawdown_action"
) -> Denial | None:
    """An account-level limit (``why`` says how it is passed, None when it is not) as a denial
    by the action the link set for it (read only on a breach: no breach, no setting looked at)."""
    if why is None:
        return None
    action: DrawdownAction = getattr(ctx.rules, action_field)
    return _on_symbol(ctx, _risk_action(action, rule, why, ctx.is_pending))


def max_daily_loss(ctx: OpenContext) -> Denial | None:
    why = daily_loss_breach(ctx.rules, ctx.slave)
    return _account_breach(ctx, "max_daily_loss", why)


def max_drawdown(ctx: OpenContext) -> Denial | None:
    why = drawdown_breach(ctx.rules, ctx.slave)
    return _account_breach(ctx, "max_drawdown", why)


def equity_floor(ctx: OpenContext) -> Denial | None:
    why = equity_floor_breach(ctx.rules, ctx.slave)
    return _account_breach(ctx, "equity_floor", why)


def daily_profit_target(ctx: OpenContext) -> Denial | None:
    why = profit_target_reached(ctx.rules, ctx.slave)
    return _account_breach(ctx, "daily_profit_target", why, "profit_target_action")


def min_margin_level(ctx: OpenContext) -> Denial | None:
    minimum, level = ctx.rules.min_margin_level_pct, ctx.slave.account.margin_level
    if minimum and level is not None and level < minimum:
        return Denial(
            "min_margin_level",
            f"{ctx.spec.name}: margin level {level:.0f}% below the minimum {minimum:g}% — "
            "copy denied",
        )
    return None


def max_signal_age(ctx: OpenContext) -> Denial | None:
    limit = ctx.rules.max_signal_age_ms
    age = ctx.now_ms - ctx.event.time_ms
    if limit and age > limit:
        return Denial(
            "max_signal_age",
            f"{ctx.spec.name}: signal is {age:,} ms old, limit {limit:,} ms — copy skipped",
        )
    return None


def trading_days(ctx: OpenContext) -> Denial | None:
    days = ctx.rules.trading_days
    if not days:
        return None
    clock = ctx.slave.clock
    weekday = clock.weekday(ctx.now_ms)
    if weekday not in days:
        return Denial(
            "trading_days",
            f"{ctx.spec.name}: {_DAY_NAMES[weekday]} ({clock.name}) is not a trading day for "
            "this link — copy skipped",
        )
    return None


def trading_hours(ctx: OpenContext) -> Denial | None:
    hours = ctx.rules.trading_hours
    if hours is None:
        return None
    start, end = hours
    clock = ctx.slave.clock
    minute = clock.minute_of_day(ctx.now_ms)
    # A window whose end is not after its start runs over midnight (22:00–06:00).
    inside = start <= minute < end if start < end else minute >= start or minute < end
    if inside:
        return None
    return Denial(
        "trading_hours",
        f"{ctx.spec.name}: {hhmm(minute)} {clock.name} is outside trading hours "
        f"{hhmm(start)}–{hhmm(end)} — copy skipped",
    )


def max_orders_per_minute(ctx: OpenContext) -> Denial | None:
    limit = ctx.rules.max_orders_per_minute
    if not limit or len(ctx.slave.recent_order_times_ms) < limit:
        return None  # fewer orders ever sent than the limit: nothing to count
    recent = sum(1 for t in ctx.slave.recent_order_times_ms if 0 <= ctx.now_ms - t < _MINUTE_MS)
    if recent >= limit:
        return Denial(
            "max_orders_per_minute",
            f"{ctx.spec.name}: {recent} orders sent in the last minute, limit {limit} — "
            "copy denied",
        )
    return None


def max_lot_per_order(ctx: OpenContext) -> Denial | None:
    limit = ctx.rules.max_lot_per_order
    if limit and ctx.volume > limit:
        return Denial(
            "max_lot_per_order",
            f"{ctx.spec.name}: lot {fmt_lots_beside(ctx.volume, limit)} above max lot per order "
            f"{fmt_lots(limit)} — copy denied",
        )
    return None


def max_open_positions(ctx: OpenContext) -> Denial | None:
    limit = ctx.rules.max_open_positions
    if not limit or ctx.is_pending:
        return None
    positions = ctx.slave.positions
    netting = ctx.slave.account.margin_mode is MarginMode.NETTING
    if netting and any(p.symbol == ctx.spec.name for p in positions):
        return None  # a netting deal on a held symbol adds no position
    if len(positions) >= limit:
        return Denial(
            "max_open_positions",
            f"{ctx.spec.name}: {len(positions)} positions open, limit {limit} — copy denied",
        )
    return None


def max_volume_per_symbol(ctx: OpenContext) -> Denial | Clamp | None:
    limit = ctx.rules.max_volume_per_symbol
    if not limit or ctx.is_pending:
        return None
    symbol = ctx.spec.name
    if ctx.slave.account.margin_mode is MarginMode.NETTING:
        net = sum(p.side.sign * p.volume for p in ctx.slave.positions if p.symbol == symbol)
        current, room = abs(net), limit - ctx.side.sign * net
    else:
        current = sum(p.volume for p in ctx.slave.positions if p.symbol == symbol)
        room = limit - current
    if ctx.volume <= room + 1e-9:
        return None
    step = dec(ctx.spec.volume_step)
    clamped = floor_to_step(dec(max(room, 0.0)), step)
    minimum = max(ceil_to_step(dec(ctx.spec.volume_min), step), step)
    head = f"{ctx.spec.name}: {fmt_lots(current)} lots held, max {fmt_lots(limit)} per symbol"
    if clamped < minimum:
        return Denial(
            "max_volume_per_symbol",
            f"{head}, no room for {fmt_lots(ctx.volume)} — copy denied",
        )
    return Clamp(
        float(clamped),
        "max_volume_per_symbol",
        f"{head}: lot {fmt_lots(ctx.volume)} reduced to {fmt_lots(clamped)}",
    )


def max_deviation(ctx: OpenContext) -> Denial | None:
    limit = ctx.rules.max_deviation_points
    quote = ctx.slave.quotes.get(ctx.spec.name)
    if not limit or ctx.is_pending or quote is None or ctx.spec.point <= 0:
        return None
    price = quote.ask if ctx.side is Side.BUY else quote.bid
    points = abs(price - ctx.event.price) / ctx.spec.point
    if points <= limit + 1e-6:
        return None
    digits = max(ctx.spec.digits, 0)
    return Denial(
        "max_deviation",
        f"{ctx.spec.name}: slave price {price:.{digits}f} is {points:.0f} points from the "
        f"master's fill {ctx.event.price:.{digits}f}, limit {limit} — copy denied",
    )


RULES: tuple[Rule, ...] = (
    max_daily_loss,
    max_drawdown,
    equity_floor,
    daily_profit_target,
    min_margin_level,
    max_signal_age,
    trading_days,
    trading_hours,
    max_orders_per_minute,
    max_lot_per_order,
    max_open_positions,
    max_volume_per_symbol,
    max_deviation,
)


# The settings that turn the rules above on (0, empty or None: off). The drawdown action and
# reference only shape a rule that one of these has turned on.
_SWITCHES = attrgetter(
    "max_daily_loss_money", "max_daily_loss_pct", "max_drawdown_pct", "equity_floor",
    "daily_profit_target_money", "daily_profit_target_pct",
    "min_margin_level_pct", "max_signal_age_ms", "trading_days", "max_orders_per_minute",
    "max_lot_per_order", "max_open_positions", "max_volume_per_symbol", "max_deviation_points",
)  # fmt: skip


def protection_on(rules: LinkRules) -> bool:
    """Whether any protection rule can act under ``rules``; when none can, every copy passes."""
    return rules.trading_hours is not None or any(_SWITCHES(rules))


def check_protection(ctx: OpenContext) -> Protected | Denial:
    """Run every rule in order: the first denial wins, clamps carry their volume forward."""
    clamps: list[Clamp] = []
    for rule in RULES:
        verdict = rule(ctx)
        if verdict is None:
            continue
        if isinstance(verdict, Denial):
            return verdict
        clamps.append(verdict)
        ctx = ctx._replace(volume=verdict.volume)
    return Protected(ctx.volume, tuple(clamps))
