"""Which adapter serves a configured account: the registry of terminal kinds.

An account's ``settings["connection"]`` names its kind: ``ea`` (our Expert Advisors, through the
bridge; the default) or ``mt5`` (MT5 driven directly through the MetaTrader5 package, one worker
process per terminal). Adding a platform means one adapter and one entry here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copier.store import AccountRecord
from copier.terminals.base import Terminal
from copier.userpath import windows_path, windows_path_key

log = logging.getLogger(__name__)

KEYRING_SERVICE = "TradeCopier"  # where the desktop app keeps MT5 passwords (never the database)
EA, MT5 = "ea", "mt5"

Factory = Callable[[AccountRecord], Terminal]


def stored_password(account_id: str) -> str | None:
    """An MT5 password from the OS key store, or None (the terminal then uses its saved login)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, account_id)
    except Exception as exc:  # no key store on this system: the terminal's own login applies
        log.warning("%s: no password from the key store (%s)", account_id, exc)
        return None


def mt5_terminal(account: AccountRecord, state_dir: Path | None = None) -> Terminal:
    """``state_dir``: where the account's last known books are kept between runs."""
    from copier.terminals.mt5 import Mt5Config, Mt5Terminal
    from copier.terminals.mt5.portable import portable_setting

    settings: dict[str, Any] = account.settings
    state = str(state_dir / "mt5-state" / f"{account.id}.json") if state_dir else ""
    config = Mt5Config(
        path=windows_path(str(settings.get("terminal_path", ""))),
        login=account.login,
        server=account.server,
        password=stored_password(account.id),
        poll_ms=int(settings.get("poll_ms", 10)),
        account_id=account.id,
        state_path=state,
        portable=portable_setting(settings),
        log_dir=str(state_dir) if state_dir else "",
    )
    return Mt5Terminal(config)


def _path_key(account: AccountRecord) -> str:
    """Windows paths: one terminal whatever the slashes and letter case."""
    return windows_path_key(str(account.settings.get("terminal_path", "")))


def shared_terminal(account: AccountRecord, others: list[AccountRecord]) -> str:
    """Why an MT5-direct account cannot be served ("" when it can): another enabled one uses
    the same terminal. One terminal is logged in to one account at a time, and connecting
    with another login switches it (https://www.mql5.com/en/docs/python_metatrader5/mt5login_py):
    the two would take the terminal from each other, and a master could copy its own copies."""
    if str(account.settings.get("connection", EA)) != MT5:
        return ""
    for other in others:
        if (
            other.id != account.id
            and other.enabled
            and str(other.settings.get("connection", EA)) == MT5
            and _path_key(other) == _path_key(account)
        ):
            return (
                f"{account.id} cannot use the MT5 terminal at "
                f"{account.settings.get('terminal_path', '')}: account {other.id} already uses "
                "it, and one terminal is logged in to one account at a time — install a second "
                "terminal (a copy of its folder) for this account and choose that one"
            )
    return ""


class TerminalRegistry:
    """The kinds of connection an account may name, each with the factory that serves it.

    Whoever composes the copier registers what this run can serve (``default_registry``); an
    account of a kind nobody registered — an EA account while the bridge is off — is skipped
    with a warning, never served by something else.
    """

    def __init__(self) -> None:
        self._factories: dict[str, Factory] = {}

    def register(self, kind: str, factory: Factory) -> None:
        self._factories[kind] = factory

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def terminals_for(self, accounts: list[AccountRecord]) -> list[Terminal]:
        """One terminal per enabled account. An account whose terminal an earlier one already
        uses (``shared_terminal``) is refused with a warning."""
        made: list[Terminal] = []
        served: list[AccountRecord] = []
        for account in accounts:
            if not account.enabled:
                continue
            kind = str(account.settings.get("connection", EA))
            factory = self._factories.get(kind)
            if factory is None:
                log.warning("%s: connection %r cannot be served here", account.id, kind)
                continue
            clash = shared_terminal(account, served)
            if clash:
                log.warning("%s", clash)
                continue
            served.append(account)
            made.append(factory(account))
        return made


def default_registry(
    ea_terminal: Factory | None, state_dir: Path | None = None
) -> TerminalRegistry:
    """MT5 direct always; EA sessions when there is a bridge to serve them (``ea_terminal``)."""
    registry = TerminalRegistry()
    registry.register(MT5, lambda account: mt5_terminal(account, state_dir))
    if ea_terminal is not None:
        registry.register(EA, ea_terminal)
    return registry
