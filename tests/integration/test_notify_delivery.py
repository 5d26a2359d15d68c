"""Notifications delivered for real: the core's bus → the notifier's thread → Apprise's json://
service → a webhook endpoint on 127.0.0.1. A burst of failed copies arrives as ONE folded message;
a lasting disconnect is sent by the core alone (no window), so `copier run` notifies too."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from copier.app import AppConfig, CopierApp
from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Retcode, TerminalStatus
from copier.events import CopyFailed, TerminalStatusChanged
from copier.notify import NoticePolicy, Notifier, ServiceBook
from tests.keystore import MemoryKeyring
from tests.notify_endpoint import endpoint


def failed(n: int) -> CopyFailed:
    command = Command(id=f"c{n}", link_id=1, slave_id="5551@Demo", kind=CommandKind.OPEN,
                      master_ticket=2000 + n, symbol="GBPUSD", order_type=OrderType.SELL)
    return CopyFailed(command, ExecutionResult(f"c{n}", "5551@Demo", Retcode.MARKET_CLOSED))


def test_a_burst_of_failed_copies_reaches_the_webhook_as_one_message(tmp_path: Path) -> None:
    with endpoint() as hook:
        book = ServiceBook(tmp_path, backend=MemoryKeyring())
        book.add(hook.url)
        app = CopierApp(AppConfig(data_dir=tmp_path, bridge=False, load_accounts=False))
        assert app.notifier is not None
        app.notifier.policy = NoticePolicy(gather_s=0.3, every_s=60)
        app.notifier.book = book  # the same folder, with the test's key store
        app.notifier.tick_s = 0.05
        app.notifier.start()
        try:
            for n in range(12):
                app.bus.publish(failed(n))
            [message] = hook.wait_for(1)
            time.sleep(0.6)  # anything else would have come by now
        finally:
            app.notifier.stop()
            app.store.close()

    assert len(hook.received) == 1
    assert message["title"] == "Copy failed"
    assert message["message"].startswith(
        "12 copies failed in the last minute: opening GBPUSD of master trade #2000 on "
        "5551@Demo: the market is closed")
    assert message["message"].endswith("; and 7 more.")
    assert message["type"] == "failure"
    assert hook.paths == ["/hook"]


def test_a_lasting_disconnect_is_sent_without_any_window(tmp_path: Path) -> None:
    with endpoint() as hook:
        book = ServiceBook(tmp_path, backend=MemoryKeyring())
        book.add(hook.url)
        notifier = Notifier(book, policy=NoticePolicy(grace_s=0.2, gather_s=0), tick_s=0.05)
        notifier.start()
        try:
            notifier.handle(TerminalStatusChanged(TerminalStatus("7001@Broker", False)))
            [message] = hook.wait_for(1)
        finally:
            notifier.stop()

    assert message["title"] == "Account disconnected"
    assert message["message"].startswith("7001@Broker has been disconnected for")


async def test_an_account_the_trader_removes_is_not_reported_disconnected(
    tmp_path: Path,
) -> None:
    with endpoint() as hook:
        book = ServiceBook(tmp_path, backend=MemoryKeyring())
        book.add(hook.url)
        app = CopierApp(AppConfig(data_dir=tmp_path, bridge=False, load_accounts=False))
        assert app.notifier is not None
        app.notifier.book = book
        app.notifier.policy = NoticePolicy(grace_s=0.1, gather_s=0)
        app.bus.publish(TerminalStatusChanged(TerminalStatus("7001@Broker", False)))
        app.bus.publish(TerminalStatusChanged(TerminalStatus("7002@Broker", False)))
        await app.remove_account("7001@Broker")
        await asyncio.sleep(0.2)
        sent = app.notifier.check()
        await app.stop()

    assert [m.body[:30] for m in sent] == ["7002@Broker has been disconnec"]


def test_what_is_waiting_when_the_copier_stops_is_still_sent(tmp_path: Path) -> None:
    with endpoint() as hook:
        book = ServiceBook(tmp_path, backend=MemoryKeyring())
        book.add(hook.url)
        notifier = Notifier(book, policy=NoticePolicy(gather_s=60), tick_s=0.05)
        notifier.start()
        notifier.handle(failed(1))
        notifier.handle(failed(2))
        notifier.stop()
        received = hook.wait_for(1, timeout_s=2)

    assert [m["message"][:34] for m in received] == ["2 copies failed in the last minute"]


def test_a_service_that_refuses_is_logged_and_the_notifier_goes_on(tmp_path: Path) -> None:
    with endpoint() as hook:
        hook.status = 500
        book = ServiceBook(tmp_path, backend=MemoryKeyring())
        book.add(hook.url)
        notifier = Notifier(book, policy=NoticePolicy(gather_s=0, every_s=0))
        notifier.handle(failed(1))
        assert len(notifier.check()) == 1
        notifier.handle(failed(2))
        assert len(notifier.check()) == 1

    assert len(hook.received) == 2


def test_the_copy_path_never_loads_apprise(tmp_path: Path) -> None:
    """Starting the core and publishing events does not import Apprise: only a message that is
    due does, on the notifier's thread."""
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from copier.app import AppConfig, CopierApp\n"
        "async def main():\n"
        f"    app = CopierApp(AppConfig(data_dir=Path({str(tmp_path)!r}), bridge=False))\n"
        "    await app.start()\n"
        "    await asyncio.sleep(0.3)\n"
        "    await app.stop()\n"
        "asyncio.run(main())\n"
        "print('apprise' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
