"""The desktop app's own settings (bind address and port, remote EAs over TLS, theme, start with
Windows, data folder, log level, tray behaviour), kept as a small JSON file in the data folder they
configure. Qt-free."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from platformdirs import user_config_dir

from copier.bridge.allowlist import AllowListError, parse_entry
from copier.bridge.config import is_loopback_host
from copier.settings_check import convert_each
from copier.store.paths import default_data_dir
from copier.userpath import user_path

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "TRADECOPIER_CONFIG_DIR"
SETTINGS_FILE = "settings.json"
THEMES = ("light", "dark")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class PreferencesError(ValueError):
    """Settings a user entered that cannot work; ``problems`` lists each one in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Preferences:
    bind_host: str = "127.0.0.1"  # where EAs on this machine connect (plain ws: loopback only)
    bind_port: int = 8080
    # Remote EAs (opt in): a second listener, TLS only, for EAs on other machines.
    remote_enabled: bool = False
    remote_host: str = "0.0.0.0"
    remote_port: int = 8443
    self_signed: bool = True  # a certificate made in the data folder; else the files below
    cert_file: str = ""
    key_file: str = ""
    remote_allow: tuple[str, ...] = ()  # addresses and CIDR ranges the remote listener admits
    theme: str = "light"
    start_with_windows: bool = False
    data_dir: str = ""  # empty: $TRADECOPIER_DATA_DIR or the user data folder
    log_level: str = "INFO"
    minimise_to_tray: bool = True  # closing the window keeps copying in the tray
    disconnect_alert_s: int = 30  # notify when an account stays disconnected this long
    mute_notifications: bool = False  # the tray shows no pop-up messages (its menu switches it)

    def problems(self) -> list[str]:
        found: list[str] = []
        try:
            ipaddress.ip_address(self.bind_host)
        except ValueError:
            if self.bind_host != "localhost":
                found.append(f"bind address '{self.bind_host}' is not an IP address")
        else:
            if not is_loopback_host(self.bind_host):
                found.append(PLAIN_WS_REFUSED.format(host=self.bind_host))
        if not 1 <= self.bind_port <= 65535:
            found.append(f"port {self.bind_port} is outside 1–65535")
        if self.remote_enabled:
            found.extend(self.remote_problems())
        if self.theme not in THEMES:
            found.append(f"theme must be one of {', '.join(THEMES)}")
        if self.log_level not in LOG_LEVELS:
            found.append(f"log level must be one of {', '.join(LOG_LEVELS)}")
        if self.disconnect_alert_s < 0:
            found.append("the disconnect alert delay cannot be negative")
        return found

    def remote_problems(self) -> list[str]:
        """What stops the remote listener from starting with these settings, in words."""
        found: list[str] = []
        try:
            ipaddress.ip_address(self.remote_host)
        except ValueError:
            found.append(f"remote address '{self.remote_host}' is not an IP address "
                         "(0.0.0.0 listens on every network)")
        if not 1 <= self.remote_port <= 65535:
            found.append(f"remote port {self.remote_port} is outside 1–65535")
        elif self.remote_port == self.bind_port:
            found.append(f"the remote port must differ from the EA bridge port {self.bind_port}")
        if not self.self_signed and not (self.cert_file and self.key_file):
            found.append("remote EAs connect only over TLS: choose a certificate and its key "
                         "file, or use a self-signed certificate")
        for entry in self.remote_allow:
            try:
                parse_entry(entry)
            except AllowListError as exc:
                found.append(f"allow list: {exc}")
        if not self.remote_allow and not is_loopback_host(self.remote_host):
            found.append("remote EAs need an allow list: the addresses or ranges of the "
                         "machines whose EAs may connect (e.g. 203.0.113.7, 192.168.1.0/24)")
        return found

    def validated(self) -> Preferences:
        found = self.problems()
        if found:
            raise PreferencesError(found)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preferences:
        """Known settings of the right type (every element checked) are taken; a refused one keeps
        its default and is logged in words (an old or hand-edited file must never stop the app
        from starting). Unknown settings are left out."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError:
            values, problems = convert_each(data, _TYPES)
        for problem in problems:
            log.warning("settings file: %s; the default is used", problem)
        return cls(**values)

    @property
    def data_path(self) -> Path | None:
        return user_path(self.data_dir) if self.data_dir else None  # %VAR%, quotes, ~

    @property
    def restart_settings(self) -> tuple[Any, ...]:
        """The settings read once at start (the listeners and the database are open while the
        app runs)."""
        return (self.bind_host, self.bind_port, self.data_dir, self.remote_enabled,
                self.remote_host, self.remote_port, self.self_signed, self.cert_file,
                self.key_file, self.remote_allow)


# Each setting's type, read once: what ``from_dict`` checks a value against.
_TYPES: dict[str, Any] = typing.get_type_hints(Preferences)

PLAIN_WS_REFUSED = (
    "the EA bridge on {host} would accept plain ws (unencrypted) from other machines, so "
    "their API keys would cross the network in clear: keep it on 127.0.0.1 and turn on "
    "Remote EAs (TLS) below"
)


def preferences_path(data_dir: Path | None = None) -> Path:
    """The settings file: ``settings.json`` in the data folder it configures (``data_dir``, else
    ``$TRADECOPIER_DATA_DIR`` — which ``--data-dir`` sets — else the user data folder), so
    ``copier --data-dir D`` reads D's settings. ``$TRADECOPIER_CONFIG_DIR`` overrides it."""
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    if override:
        return Path(override) / SETTINGS_FILE
    return (data_dir or default_data_dir()) / SETTINGS_FILE


def legacy_preferences_path() -> Path:
    """Where settings lived before they moved into the data folder (read when that has none)."""
    return Path(user_config_dir("TradeCopier", appauthor=False)) / SETTINGS_FILE


def load_preferences(path: Path, *, fallback: Path | None = None) -> Preferences:
    """The settings in ``path``; when it does not exist, those in ``fallback`` (an older
    location), else the defaults."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if fallback is not None and fallback != path:
            return load_preferences(fallback)
        return Preferences()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Preferences()
    return Preferences.from_dict(data) if isinstance(data, dict) else Preferences()


def save_preferences(preferences: Preferences, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous file, never half of one."""
    preferences.validated()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(preferences.to_dict(), indent=2), encoding="utf-8")
    temporary.replace(path)
