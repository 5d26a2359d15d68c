"""Regression guard: PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that
returns nothing, and the process later aborts in none_dealloc. The installed PySide6 must not."""

from __future__ import annotations

import sys

import pytest

QtWidgets = pytest.importorskip("PySide6.QtWidgets")


def test_calls_returning_nothing_keep_the_refcount_of_none(qapp: object) -> None:
    label = QtWidgets.QLabel()
    label.setText("warm-up")
    before = sys.getrefcount(None)

    for _ in range(1000):
        label.setText("x")

    assert sys.getrefcount(None) - before > -50, "PySide6 leaks references to None: pin < 6.12"


def test_installed_pyside_is_below_the_leaking_release() -> None:
    import PySide6

    major, minor = (int(p) for p in PySide6.__version__.split(".")[:2])

    assert (major, minor) < (6, 12), f"PySide6 {PySide6.__version__} is known to leak None"
