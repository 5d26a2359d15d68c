"""Words a trader understands for every MT5 trade retcode and MetaTrader5 last_error() code."""

from __future__ import annotations

from copier.domain import Retcode

RETCODE_TEXT: dict[int, str] = {
    10004: "requote — the broker offered a different price",
    10006: "the broker rejected the request",
    10007: "the request was cancelled by the trader",
    10008: "order placed",
    10009: "done",
    10010: "only part of the volume was filled",
    10011: "the trade server reported an error processing the request",
    10012: "the trade server did not answer in time",
    10013: "the broker says the request is invalid",
    10014: "the volume is not allowed for this symbol",
    10015: "the price is not valid for this symbol",
    10016: "the stop loss or take profit is too close to the price or on the wrong side",
    10017: "trading is disabled for this account or symbol",
    10018: "the market is closed",
    10019: "not enough free margin",
    10020: "the price changed before execution",
    10021: "no quotes to execute at (price off)",
    10022: "the order expiration is not valid",
    10023: "the order changed while it was being processed",
    10024: "too many requests — the broker is throttling",
    10025: "nothing to change: the values are already set",
    10026: "the broker has disabled automated trading",
    10027: "AutoTrading is disabled in the terminal — press the AutoTrading button",
    10028: "the request is locked for processing",
    10029: "the order or position is frozen (too close to the market to change)",
    10030: "the broker does not support this filling mode for the symbol",
    10031: "the terminal has no connection to the trade server",
    10032: "this operation is only allowed on live accounts",
    10033: "the broker's limit on pending orders is reached",
    10034: "the broker's volume limit for this symbol is reached",
    10035: "the order does not exist or is already processed",
    10036: "the position is already closed",
    10038: "the close volume is larger than the position",
    10039: "a close order for this position already exists",
    10040: "the broker's limit on open positions is reached",
    10041: "the pending order activation was rejected and the order cancelled",
    10042: "only buy positions are allowed on this symbol",
    10043: "only sell positions are allowed on this symbol",
    10044: "only closing positions is allowed on this symbol",
    10045: "FIFO rule: the oldest position on this symbol must be closed first",
    10046: "hedging is prohibited on this account",
    Retcode.EXPIRED: "the signal is older than the allowed maximum age — not executed",
    Retcode.DEVIATION: "the price is too far from the master's fill — not executed",
    Retcode.DUPLICATE: "already executed — nothing done twice",
}

LAST_ERROR_TEXT: dict[int, str] = {
    1: "success",
    -1: "the terminal call failed",
    -2: "the terminal refused the request's parameters",
    -3: "the terminal is out of memory",
    -4: "not found in the terminal",
    -5: "the terminal and the MetaTrader5 package versions do not match — update the terminal",
    -6: "login failed: check the account number, password and server",
    -7: "the terminal does not support this function",
    -8: "AutoTrading is disabled in the terminal — allow algorithmic trading",
    -10000: "the link to the terminal failed",
    -10001: "could not send to the terminal",
    -10002: "could not read from the terminal",
    -10003: "could not start or reach the terminal (check its path and that it may run)",
    -10004: "no connection to the terminal (it is closed or not responding)",
    -10005: "the terminal did not answer in time",
}

# last_error() codes after which the link to the terminal is gone and must be re-established.
CONNECTION_LOST_CODES = frozenset({-10000, -10001, -10002, -10003, -10004, -10005})


def retcode_text(retcode: int) -> str:
    return RETCODE_TEXT.get(retcode, f"the trade server answered with code {retcode}")


def last_error_text(code: int, description: str = "") -> str:
    text = LAST_ERROR_TEXT.get(code)
    if text is None:
        return f"terminal error {code}: {description}" if description else f"terminal error {code}"
    return text


def trade_message(symbol: str, retcode: int, detail: str = "") -> str:
    """e.g. ``"EURUSD.m: not enough free margin (broker: No money)"``."""
    text = f"{symbol}: {retcode_text(retcode)}" if symbol else retcode_text(retcode)
    return f"{text} ({detail})" if detail else text
