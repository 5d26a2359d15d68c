"""``copier notify add URL | list | remove N | test``: the notification services of the data
folder, in words a trader can act on.

Exit codes: 0 done; 1 a test message that did not reach every service; 2 a request refused (a
bad address, a number not in the list, no service to test).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from copier.notify.book import ServiceBook



def add_parser(sub: Any) -> None:
    """Register ``notify`` on the ``copier`` sub-command parsers."""
    notify = sub.add_parser(
        "notify", help="notification services (Telegram, Discord, e-mail, webhooks…): add, "
                       "list, remove, send a test")
    actions = notify.add_subparsers(dest="notify_action", required=True)
    add = actions.add_parser("add", help="add a service by its Apprise address, e.g. "
                                         "tgram://BOT_TOKEN/CHAT_ID")
    add.add_argument("url", help="the service's address (a secret: kept in the key store)")
    actions.add_parser("list", help="the services, numbered, their secrets masked")
    remove = actions.add_parser("remove", help="remove service number N (as listed)")
    remove.add_argument("number", type=int)
    actions.add_parser("test", help="send a test message to every service now")


def run(args: argparse.Namespace) -> int:
    # Imported here: building the command line loads neither the notifier nor the store.
    from copier.notify.book import KEY_STORE, NotifyError, ServiceBook
    from copier.notify.notifier import send_test

    book = ServiceBook(args.data_dir)
    try:
        if args.notify_action == "add":
            service = book.add(args.url)
            where = ("in the operating system's key store" if service.where == KEY_STORE else
                     f"in {book.secrets_path}, readable by you only (this system has no key "
                     "store)")
            _say(f"added {service.label}; its address is kept {where}. "
                 "Run `copier notify test` to check it.")
            return 0
        if args.notify_action == "list":
            return _list(book)
        if args.notify_action == "remove":
            gone = book.remove(args.number)
            _say(f"removed {gone.label}")
            return 0
        tried, problems = send_test(book)
    except NotifyError as exc:
        _say(str(exc))
        return 2
    for problem in problems:
        _say(f"not delivered: {problem}")
    _say(f"test message sent to {tried - len(problems)} of {tried} services")
    return 1 if problems else 0


def _list(book: ServiceBook) -> int:
    services = book.services()
    if not services:
        print("No notification service yet: add one with copier notify add URL "
              "(see docs/notifications.md).")
        return 0
    for number, service in enumerate(services, start=1):
        print(f"{number}. {service.label}")
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
