"""Notifications beyond the tray: the core's disconnects, failed copies, risk stops and API key
warnings, folded and rate-limited, sent to the trader's services (Telegram, Discord, e-mail,
Pushover, webhooks…) through Apprise from a thread of the notifier's own — in the window and in
``copier run`` alike. ``copier notify`` and Settings → Notifications manage the services."""

from copier.notify.book import NotifyError, Service, ServiceBook
from copier.notify.notifier import Notifier, send_test
from copier.notify.policy import Message, NoticePolicy

__all__ = [
    "Message",
    "NoticePolicy",
    "Notifier",
    "NotifyError",
    "Service",
    "ServiceBook",
    "send_test",
]
