"""The Settings screen's Notifications section: the services the copier sends its disconnects,
failed copies, risk stops and API key warnings to (copier.notify), listed with their secrets
masked; an address pasted here is checked and kept in the key store; a button sends a test.
Every step that may wait (the key store, Apprise's import, the network) runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from copier.notify import NotifyError, Service, ServiceBook, send_test
from copier.notify.book import EXAMPLES, KEY_STORE
from copier.ui.session import CoreSession
from copier.ui.widgets import launch


class NotifySection(QGroupBox):
    """Add, remove and test the notification services of the data folder ``book()`` names."""

    def __init__(self, session: CoreSession, book: Callable[[], ServiceBook],
                 parent: QWidget | None = None) -> None:
        super().__init__("Notifications (Telegram, Discord, e-mail, Pushover, webhooks…)", parent)
        self.session = session
        self.book = book
        self.services = QListWidget()
        self.services.setMaximumHeight(56)
        self.url = QLineEdit()
        self.url.setPlaceholderText("paste a service address, e.g. tgram://BOT_TOKEN/CHAT_ID")
        self.url.setToolTip(f"Addresses look like {EXAMPLES}; they are kept in the key store.")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(lambda: launch(self.add(), on_error=self.show_message))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(
            lambda: launch(self.remove(), on_error=self.show_message))
        self.test_button = QPushButton("Send test")
        self.test_button.clicked.connect(lambda: launch(self.test(), on_error=self.show_message))
        self.message = QLabel("Disconnects, failed copies, risk stops and key warnings, "
                              "folded: at most one message a minute of each kind.")
        self.message.setWordWrap(True)
        self.setToolTip("Disconnects that last, failed copies, risk stops and API keys about "
                        "to stop working are sent to these services — a burst as one message, "
                        "at most one a minute of each kind. copier run sends them too.")
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.services)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    async def refresh(self) -> list[Service]:
        services = await self.session.run_blocking(self.book().services)
        self.services.clear()
        self.services.addItems([s.label for s in services])
        return services

    async def add(self) -> None:
        url = self.url.text()
        try:
            service = await self.session.run_blocking(self.book().add, url)
        except NotifyError as exc:
            self.show_message(str(exc))
            return
        self.url.clear()
        where = ("the key store" if service.where == KEY_STORE else
                 "a file in the data folder readable by you only (no key store here)")
        self.show_message(f"added {service.label} (kept in {where}); press Send test to "
                          "check it")
        await self.refresh()

    async def remove(self) -> None:
        row = self.services.currentRow()
        if row < 0:
            self.show_message("choose the service to remove in the list first")
            return
        try:
            gone = await self.session.run_blocking(self.book().remove, row + 1)
        except NotifyError as exc:
            self.show_message(str(exc))
            return
        self.show_message(f"removed {gone.label}")
        await self.refresh()

    async def test(self) -> None:
        self.test_button.setEnabled(False)
        self.show_message("sending…")
        try:
            tried, problems = await self.session.run_blocking(send_test, self.book())
        except NotifyError as exc:
            self.show_message(str(exc))
            return
        finally:
            self.test_button.setEnabled(True)
        text = f"test message sent to {tried - len(problems)} of {tried} services"
        self.show_message("; ".join([text, *problems]))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
