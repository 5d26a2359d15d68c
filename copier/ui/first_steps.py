"""The first launch's guide: three steps (add the master, add a slave, make a link), each with the
button that does it and a tick once it is done. Shown on the dashboard until all three are, so
a new trader never faces a green "Copying is ON" over an empty table without a hint."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from copier.engine.config import Link
from copier.ui.session import AccountView

STEPS = (
    ("master", "Add the master account — the one whose trades are copied.", "Add master…"),
    ("slave", "Add a slave account — the one that copies them.", "Add slave…"),
    ("link", "Make a link from the master to the slave, with its lot sizing and rules.",
     "Make a link…"),
)
DONE, TODO = "✔", "○"


def _has_role(accounts: Sequence[AccountView], *roles: str) -> bool:
    return any(a.role in roles for a in accounts)


class FirstSteps(QGroupBox):
    """Three steps with their buttons; ``refresh`` ticks what is done and hides the guide once
    everything is."""

    add_master = Signal()
    add_slave = Signal()
    make_link = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Start here: three steps to your first copy", parent)
        self.setObjectName("firstSteps")
        grid = QGridLayout(self)
        self.marks: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        signals = {"master": self.add_master, "slave": self.add_slave, "link": self.make_link}
        for row, (key, text, button_text) in enumerate(STEPS):
            mark = QLabel(TODO)
            label = QLabel(f"{row + 1}. {text}")
            label.setWordWrap(True)
            button = QPushButton(button_text)
            button.clicked.connect(signals[key])  # signal to signal
            grid.addWidget(mark, row, 0)
            grid.addWidget(label, row, 1)
            grid.addWidget(button, row, 2)
            self.marks[key], self.buttons[key] = mark, button
        grid.setColumnStretch(1, 1)
        self.hide()

    def refresh(self, accounts: Sequence[AccountView], links: Sequence[Link]) -> None:
        done = {
            "master": _has_role(accounts, "master", "both"),
            "slave": _has_role(accounts, "slave", "both"),
            "link": bool(links),
        }
        for key, finished in done.items():
            self.marks[key].setText(DONE if finished else TODO)
            self.buttons[key].setEnabled(not finished)
        self.setVisible(not all(done.values()))
