"""Where the notification service addresses live: the secrets in the OS key store, a list of
them (with the secrets masked) in the data folder.

A service address is a secret: it carries the bot token, webhook key or mail password. Each one
is kept in the operating system's key store through keyring (Windows Credential Manager, macOS
Keychain, Secret Service), under the service name ``TradeCopier`` and the user name
``notify:<id>``, one entry per address (Windows caps one entry at 2,560 bytes). Where no key store
is available (a Linux server without a Secret Service) the address goes to
``<data>/notify-urls.json`` instead, created with mode 0600 (readable by its owner only), and the
trader is told so. ``<data>/notify.json`` lists the addresses in order with their masked form
(Apprise's privacy mode, e.g. ``tgram://1...9/``) and where each secret is, so the list can be
shown without reading a secret, and a running copier sees a change by the file's time stamp.

Addresses are checked with Apprise when they are added; Apprise is imported only then.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from copier.store.paths import default_data_dir

INDEX_FILE = "notify.json"
SECRETS_FILE = "notify-urls.json"
KEYRING_SERVICE = "TradeCopier"
KEY_STORE = "key store"
FILE_STORE = "file"
EXAMPLES = ("tgram://BOT_TOKEN/CHAT_ID, discord://WEBHOOK_ID/WEBHOOK_TOKEN, "
            "pover://USER_KEY@APP_TOKEN, mailtos://user:password@example.com or "
            "jsons://example.com/hook")


class NotifyError(Exception):
    """A request about notification services that cannot be done; the message is a sentence."""


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    label: str  # the address with its secrets masked
    where: str  # KEY_STORE | FILE_STORE


def check_url(url: str) -> str:
    """The masked form of ``url`` when Apprise can send to it; else NotifyError in words."""
    text = url.strip()
    if not text:
        raise NotifyError(f"No address was given: paste one such as {EXAMPLES}.")
    import apprise  # here, not at the top: a second's import the copy path never pays

    with _quiet_here(logging.getLogger("apprise")):  # the refusal below says it in words
        service = apprise.Apprise.instantiate(text)
    if service is None:
        raise NotifyError(
            f"{_kind(text)} is not a notification address TradeCopier can send to. "
            f"It should look like {EXAMPLES} (see docs/notifications.md)."
        )
    return str(service.url(privacy=True)).partition("?")[0]  # its default options left out


class ServiceBook:
    """The notification services of one data folder (None: the default data folder)."""

    def __init__(self, data_dir: Path | None = None, backend: KeyringBackend | None = None
                 ) -> None:
        self.folder = data_dir if data_dir is not None else default_data_dir()
        self.index_path = self.folder / INDEX_FILE
        self.secrets_path = self.folder / SECRETS_FILE
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    def services(self) -> list[Service]:
        """The services in the order they were added; reads no secret."""
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
            return [Service(str(s["id"]), str(s["label"]), str(s["where"]))
                    for s in data.get("services", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotifyError(
                f"The list of notification services ({self.index_path}) cannot be read "
                f"({exc!r}); remove the file and add the services again."
            ) from None

    def stamp(self) -> int:
        """Changes whenever the list changes (0: no list)."""
        try:
            return self.index_path.stat().st_mtime_ns
        except OSError:
            return 0

    def add(self, url: str) -> Service:
        """Check and keep ``url``; the new service says where its secret went."""
        label = check_url(url)
        known = self.services()
        if url.strip() in self.urls():
            raise NotifyError(f"{label} is already in the list.")
        service_id = secrets.token_hex(6)
        where = KEY_STORE
        try:
            self.backend.set_password(KEYRING_SERVICE, _user(service_id), url.strip())
        except (KeyringError, RuntimeError):
            where = FILE_STORE
            stored = self._file_secrets()
            stored[service_id] = url.strip()
            self._write_file_secrets(stored)
        service = Service(service_id, label, where)
        self._write_index([*known, service])
        return service

    def remove(self, number: int) -> Service:
        """Forget the ``number``-th service (1 is the first, as listed)."""
        known = self.services()
        if not 1 <= number <= len(known):
            listed = f"1 to {len(known)}" if known else "none: the list is empty"
            raise NotifyError(f"There is no service number {number} (the numbers are {listed}).")
        gone = known.pop(number - 1)
        if gone.where == KEY_STORE:
            with contextlib.suppress(PasswordDeleteError, KeyringError, RuntimeError):
                self.backend.delete_password(KEYRING_SERVICE, _user(gone.id))
        else:
            stored = self._file_secrets()
            stored.pop(gone.id, None)
            self._write_file_secrets(stored)
        self._write_index(known)
        return gone

    def urls(self) -> list[str]:
        """Every service's address (the secrets), in order; one whose secret is gone is left
        out."""
        found: list[str] = []
        stored: dict[str, str] | None = None
        for service in self.services():
            url: str | None = None
            if service.where == KEY_STORE:
                with contextlib.suppress(KeyringError, RuntimeError):
                    url = self.backend.get_password(KEYRING_SERVICE, _user(service.id))
            else:
                stored = self._file_secrets() if stored is None else stored
                url = stored.get(service.id)
            if url:
                found.append(url)
        return found

    # ----- files --------------------------------------------------------------------------
    def _write_index(self, services: list[Service]) -> None:
        data: dict[str, Any] = {
            "version": 1,
            "services": [{"id": s.id, "label": s.label, "where": s.where} for s in services],
        }
        _write(self.index_path, json.dumps(data, indent=2) + "\n", mode=0o644)

    def _file_secrets(self) -> dict[str, str]:
        try:
            data = json.loads(self.secrets_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _write_file_secrets(self, stored: dict[str, str]) -> None:
        _write(self.secrets_path, json.dumps(stored, indent=2) + "\n", mode=0o600)


def _user(service_id: str) -> str:
    return f"notify:{service_id}"


def _write(path: Path, text: str, *, mode: int) -> None:
    """Write ``path`` whole through a temporary file created with ``mode`` from the start (a
    secret is never readable by others, not even for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


@contextlib.contextmanager
def _quiet_here(logger: logging.Logger) -> Iterator[None]:
    """Drop ``logger``'s records made on this thread meanwhile (other threads keep theirs)."""
    thread = threading.get_ident()

    def elsewhere(record: logging.LogRecord) -> bool:
        return record.thread != thread

    logger.addFilter(elsewhere)
    try:
        yield
    finally:
        logger.removeFilter(elsewhere)


def _kind(text: str) -> str:
    """The address named without its secrets: only its scheme is repeated back."""
    scheme, colon, _ = text.partition("://")
    if colon and scheme.isascii() and scheme.replace("+", "").isalnum():
        return f"The {scheme}:// address given"
    return "The address given"
