"""The store's errors: failures a user can read, e.g. an unknown account or a newer database."""

from __future__ import annotations


class StoreError(Exception):
    """Something the store refused or could not do, said in words a trader understands."""


class StoreClosed(StoreError):
    """Work was handed to a store that has been closed."""
