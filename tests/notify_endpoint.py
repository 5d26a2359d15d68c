"""A webhook endpoint on 127.0.0.1 (port 0) that keeps what Apprise's ``json://`` service posts:
``{"version": "1.0", "title": ..., "message": ..., "attachments": [], "type": ...}``, as its
NotifyJSON plugin builds it (apprise/plugins/custom_json.py; https://appriseit.com/services/json/).
Nothing leaves the machine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Endpoint:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.status = 200  # what the endpoint answers

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"json://{host}:{port}/hook"

    def wait_for(self, count: int, timeout_s: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    box: list[Endpoint] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            box[0].received.append(body)
            box[0].paths.append(self.path)
            self.send_response(box[0].status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Endpoint(server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
