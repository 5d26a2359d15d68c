"""MT5 passwords in the OS key store (Windows Credential Manager / DPAPI, macOS Keychain, Secret
Service) through keyring — never in the database, never in a log. Qt-free; blocking."""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "TradeCopier"


class VaultError(RuntimeError):
    """The key store refused; the message says what happened in words a user can act on."""


class PasswordVault:
    """Passwords by account id, in the key store under the service name ``TradeCopier``.
    ``backend`` defaults to the one keyring chooses for this system."""

    def __init__(self, backend: KeyringBackend | None = None, service: str = SERVICE) -> None:
        self._backend = backend
        self.service = service

    @property
    def backend(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    def store(self, account_id: str, password: str) -> None:
        try:
            self.backend.set_password(self.service, account_id, password)
        except (KeyringError, RuntimeError) as exc:
            raise VaultError(
                f"{account_id}: the operating system's key store is not available ({exc}) — "
                "the password was not saved"
            ) from exc

    def has(self, account_id: str) -> bool:
        try:
            return self.backend.get_password(self.service, account_id) is not None
        except (KeyringError, RuntimeError):
            return False

    def forget(self, account_id: str) -> None:
        try:
            self.backend.delete_password(self.service, account_id)
        except PasswordDeleteError:
            pass  # nothing stored: nothing to forget
        except (KeyringError, RuntimeError) as exc:
            raise VaultError(f"{account_id}: could not remove the stored password ({exc})") from exc
