"""The notifier: subscribes to the core's bus and sends the policy's messages through Apprise
from a thread of its own, so neither the copy path nor the core loop ever waits for a network.

On the core loop the bus handler only checks the event's type and hands the few watched ones to
the policy under a lock (microseconds). The worker thread wakes every ``tick_s``, notices a
changed list of services (``copier notify add`` while ``copier run`` runs, or Settings), takes
the messages that are due and sends them. Apprise (about 0.1–0.3 s to import, with requests) is
imported on that thread the first time a message goes out, never on the copy path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from copier.events import Bus
from copier.notify.book import NotifyError, ServiceBook
from copier.notify.policy import WATCHED, Message, NoticePolicy

log = logging.getLogger(__name__)

TICK_S = 0.5
STOP_WAIT_S = 2.0
APP_NAME = "TradeCopier"

# (addresses, message) → what went wrong, one sentence per service that did not take it.
Send = Callable[[list[str], Message], list[str]]


def apprise_send(urls: list[str], message: Message) -> list[str]:
    """Deliver ``message`` to every address through Apprise (blocking: call off the core loop).
    Each address gets its own attempt, so one dead service does not hide the others."""
    import apprise  # lazily: see the module's docstring

    # Its INFO lines ("Notifying 1 service(s)") repeat ours; its warnings say why one failed.
    logging.getLogger("apprise").setLevel(logging.WARNING)
    asset = apprise.AppriseAsset(app_id=APP_NAME, app_desc="TradeCopier — MT4/MT5 trade copier")
    problems: list[str] = []
    for url in urls:
        sender = apprise.Apprise(asset=asset)
        if not sender.add(url):
            problems.append("a saved notification address is no longer valid: remove it and "
                            "add it again")
            continue
        label = sender.urls(privacy=True)[0]
        if not sender.notify(body=message.body, title=message.title,
                             notify_type=message.level):
            problems.append(f"{label} did not accept the message (see the log for the reason)")
    return problems


class Notifier:
    """Messages about one data folder's copier, to that folder's services."""

    def __init__(self, book: ServiceBook, *, policy: NoticePolicy | None = None,
                 send: Send = apprise_send, tick_s: float = TICK_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.book = book
        self.policy = policy or NoticePolicy()
        self.send = send
        self.tick_s = tick_s
        self.clock = clock
        self.sent: list[Message] = []  # the last messages handed to the services, for the UI
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._stamp = -1
        self._urls: list[str] = []

    def attach(self, bus: Bus) -> None:
        self._unsubscribe = bus.subscribe(self.handle)

    def handle(self, event: object) -> None:
        """The bus handler (core loop): watched events go to the policy, the rest are ignored."""
        if isinstance(event, WATCHED):
            now = self.clock()
            with self._guard:
                self.policy.offer(event, now)

    def forget(self, account_id: str) -> None:
        """The account is no longer served (removed or disabled): its disconnect is not news."""
        with self._guard:
            self.policy.forget(account_id)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Unsubscribe, send what is waiting (for at most STOP_WAIT_S) and end the thread."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop.set()
        if self._thread is not None:
            # A message being delivered finishes on its own (the thread is a daemon): a slow
            # service must not hold up closing the app.
            self._thread.join(STOP_WAIT_S)
            self._thread = None

    def check(self, *, flush: bool = False) -> list[Message]:
        """One round of the worker: reload the services if their list changed, send what is due
        (with ``flush``: everything waiting). Returns the messages sent (the worker calls this;
        tests may too)."""
        self._reload()
        with self._guard:
            messages = self.policy.due(self.clock(), flush=flush)
        if not messages or not self._urls:
            return []
        for message in messages:
            for problem in self.send(list(self._urls), message):
                log.warning("notification not delivered: %s", problem)
            log.info("notification sent: %s — %s", message.title, message.body)
        self.sent = [*self.sent, *messages][-50:]
        return messages

    def _reload(self) -> None:
        stamp = self.book.stamp()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._urls = self.book.urls() if stamp else []
        except NotifyError as exc:
            log.warning("%s", exc)
            self._urls = []

    def _run(self) -> None:
        stopping = False
        while not stopping:
            stopping = self._stop.wait(self.tick_s)
            try:  # the last round sends what is still waiting: a failure just before a stop
                self.check(flush=stopping)
            except Exception:  # a bug here must never take the copier down
                log.exception("sending notifications failed")


def send_test(book: ServiceBook, send: Send = apprise_send) -> tuple[int, list[str]]:
    """``copier notify test`` and the Settings button: one message to every service now.
    Returns (services tried, problems); NotifyError when there is none."""
    urls = book.urls()
    if not urls:
        raise NotifyError("No notification service is set up: add one first "
                          "(copier notify add URL, or Settings → Notifications).")
    message = Message("test", "TradeCopier test",
                      "This is a test from TradeCopier: notifications reach you here.", "info")
    return len(urls), send(urls, message)
