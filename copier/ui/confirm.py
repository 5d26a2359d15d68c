"""Asking before an action that cannot be undone: a window-modal question that never blocks the
copier's loop (``open``, not ``exec``), saying what goes with the action, with the action's own
name on its button ("Remove", "Delete link") rather than a bare Yes — or, where the trader has
more than one way to go on, a button for each ("Leave them open", "Close them") beside Cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str, action: str,
            on_yes: Callable[[], object]) -> QMessageBox:
    """Open the question; ``on_yes`` runs only when the trader clicks ``action``."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    yes = box.button(QMessageBox.StandardButton.Yes)
    yes.setText(action)
    yes.clicked.connect(on_yes)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter does not destroy anything
    box.open()
    return box


def choose(parent: QWidget, title: str, text: str,
           choices: Sequence[tuple[str, Callable[[], object]]]) -> QMessageBox:
    """Open a question with one button per choice (its own words) and Cancel, the default;
    each choice's function runs only when its button is clicked."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel,
                      parent)
    for label, on_click in choices:
        button = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        button.clicked.connect(on_click)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter does not destroy anything
    box.open()
    return box
