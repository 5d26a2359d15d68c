"""The desktop app's own settings (bind address and port, theme, start with Windows, data folder,
log level, tray behaviour), kept as a small JSON file in the user's config folder. Qt-free."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

log = logging.getLogger(__name__)

CONFIG_DIR_ENV = "TRADECOPIER_CONFIG_DIR"
THEMES = ("light", "dark")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class PreferencesError(ValueError):
    """Settings a user entered that cannot work; ``problems`` lists each one in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Preferences:
    bind_host: str = "127.0.0.1"  # where EAs connect; other addresses need TLS (SPEC §9)
    bind_port: int = 8080
    theme: str = "light"
    start_with_windows: bool = False
    data_dir: str = ""  # empty: $TRADECOPIER_DATA_DIR or the user data folder
    log_level: str = "INFO"
    minimise_to_tray: bool = True  # closing the window keeps copying in the tray
    disconnect_alert_s: int = 30  # notify when an account stays disconnected this long

    def problems(self) -> list[str]:
        found: list[str] = []
        try:
            ipaddress.ip_address(self.bind_host)
        except ValueError:
            if self.bind_host != "localhost":
                found.append(f"bind address '{self.bind_host}' is not an IP address")
        if not 1 <= self.bind_port <= 65535:
            found.append(f"port {self.bind_port} is outside 1–65535")
        if self.theme not in THEMES:
            found.append(f"theme must be one of {', '.join(THEMES)}")
        if self.log_level not in LOG_LEVELS:
            found.append(f"log level must be one of {', '.join(LOG_LEVELS)}")
        if self.disconnect_alert_s < 0:
            found.append("the disconnect alert delay cannot be negative")
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
        """Known keys of the right type are taken; anything else keeps its default (an old or
        hand-edited file must never stop the app from starting)."""
        defaults = cls()
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data and type(data[f.name]) is type(getattr(defaults, f.name)):
                values[f.name] = data[f.name]
        return cls(**values)

    @property
    def data_path(self) -> Path | None:
        return Path(self.data_dir).expanduser() if self.data_dir else None


def preferences_path() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    folder = Path(override) if override else Path(user_config_dir("TradeCopier", appauthor=False))
    return folder / "settings.json"


def load_preferences(path: Path) -> Preferences:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
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
