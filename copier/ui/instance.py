"""One TradeCopier window per user: the first launch listens on a local socket named after the
user; a second launch finds it, asks it to come to the front, and exits."""

from __future__ import annotations

import getpass
import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_TIMEOUT_MS = 500
RAISE = b"raise\n"


def instance_name(user: str | None = None) -> str:
    try:
        who = user or getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment: still one per machine
        who = "user"
    return "TradeCopier-" + re.sub(r"[^A-Za-z0-9_.-]", "_", who)


class SingleInstance(QObject):
    activated = Signal()  # another launch asked this one to come to the front

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or instance_name()
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True when this is the first instance (it now listens); False when another one runs,
        which has been asked to show its window."""
        if self._ask_running_instance():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A crash can leave the socket file behind (Unix); nobody answered on it above.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                return True  # cannot guard: better to run twice than not at all
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _ask_running_instance(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(RAISE)
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    def _on_connection(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_message(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._on_message(socket)

    def _on_message(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(RAISE.strip()):
            self.activated.emit()
