"""The notification policy: a disconnect only after its grace, bursts folded into one message per
kind and minute with their count, the same risk stop not repeated, each key once, and sentences
without code words."""

from __future__ import annotations

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Retcode, TerminalStatus
from copier.engine.state import CopyDenied
from copier.events import ApiKeyExpiring, CopyFailed, CopyWasDenied, TerminalStatusChanged
from copier.notify.policy import NoticePolicy


def failed(n: int, retcode: int = Retcode.NO_MONEY, message: str = "") -> CopyFailed:
    command = Command(id=f"c{n}", link_id=1, slave_id="5551@Demo", kind=CommandKind.OPEN,
                      master_ticket=1000 + n, symbol="EURUSD", order_type=OrderType.BUY)
    return CopyFailed(command, ExecutionResult(f"c{n}", "5551@Demo", retcode, message))


def status(connected: bool, detail: str = "") -> TerminalStatusChanged:
    return TerminalStatusChanged(TerminalStatus("7001@Broker", connected, detail=detail))


def stop(rule: str = "max_daily_loss", link_id: int = 1) -> CopyWasDenied:
    reason = "daily loss 5.2% reached the limit 5% — opening stopped"
    return CopyWasDenied(CopyDenied(link_id, "5551@Demo", 1, 1, rule, reason))


def test_a_burst_of_failures_is_one_message_with_its_count() -> None:
    policy = NoticePolicy(gather_s=5, every_s=60)
    for n in range(7):
        policy.offer(failed(n), 100.0 + n * 0.1)

    assert policy.due(104.0) == []  # still gathering the burst
    [message] = policy.due(105.0)

    assert message.title == "Copy failed"
    assert message.body.startswith("7 copies failed in the last minute: opening EURUSD of "
                                   "master trade #1000 on 5551@Demo: not enough free margin")
    assert "and 2 more" in message.body  # five named, the rest counted
    assert "NO_MONEY" not in message.body and "10019" not in message.body
    assert policy.due(200.0) == []  # nothing left over


def test_a_kind_sends_at_most_once_a_minute_and_folds_what_came_between() -> None:
    policy = NoticePolicy(gather_s=1, every_s=60)
    policy.offer(failed(1), 0.0)
    assert len(policy.due(1.0)) == 1
    for n in range(2, 5):
        policy.offer(failed(n, message="EURUSD: the market is closed"), 10.0 + n)

    assert policy.due(30.0) == []
    assert policy.due(60.9) == []
    [folded] = policy.due(61.0)
    assert folded.body == ("3 copies failed in the last minute: opening EURUSD of master trade "
                           "#1002 on 5551@Demo: the market is closed; opening EURUSD of master "
                           "trade #1003 on 5551@Demo: the market is closed; opening EURUSD of "
                           "master trade #1004 on 5551@Demo: the market is closed.")


def test_kinds_are_limited_separately() -> None:
    policy = NoticePolicy(gather_s=0, every_s=60)
    policy.offer(failed(1), 0.0)
    policy.offer(stop(), 0.0)

    assert sorted(m.kind for m in policy.due(0.0)) == ["failed", "risk"]


def test_a_blip_shorter_than_the_grace_is_never_mentioned() -> None:
    policy = NoticePolicy(grace_s=30, gather_s=0)
    policy.offer(status(False), 0.0)
    policy.offer(status(False), 10.0)  # repeated statuses do not restart the grace
    assert policy.due(29.0) == []
    policy.offer(status(True), 29.5)

    assert policy.due(40.0) == []
    assert policy.due(400.0) == []


def test_a_lasting_disconnect_is_reported_once_and_so_is_the_reconnect() -> None:
    policy = NoticePolicy(grace_s=30, gather_s=0, every_s=60)
    policy.offer(status(False, "the EA stopped answering"), 0.0)
    policy.offer(status(False, "the EA stopped answering"), 20.0)

    [down] = policy.due(31.0)
    assert down.title == "Account disconnected"
    assert down.body == ("7001@Broker has been disconnected for 31 seconds (the EA stopped "
                         "answering).")
    assert policy.due(200.0) == []  # said once, not every minute

    policy.offer(status(True), 300.0)
    [back] = policy.due(300.0)
    assert back.body == "7001@Broker is connected again after 5 minutes."


def test_an_account_removed_while_disconnected_is_not_reported() -> None:
    policy = NoticePolicy(grace_s=30, gather_s=0)
    policy.offer(status(False), 0.0)
    policy.forget("7001@Broker")

    assert policy.due(100.0) == []


def test_the_same_risk_stop_is_not_repeated_but_another_link_s_is() -> None:
    policy = NoticePolicy(gather_s=0, every_s=60, repeat_stop_s=1800)
    for second in range(10):
        policy.offer(stop(), float(second))
    [first] = policy.due(10.0)
    assert first.body == ("A risk limit stopped copying: 5551@Demo: daily loss 5.2% reached the "
                          "limit 5% — opening stopped.")

    policy.offer(stop(), 100.0)
    policy.offer(stop(link_id=2), 100.0)
    [second] = policy.due(100.0)
    assert second.body.startswith("A risk limit stopped copying")  # only link 2's
    policy.offer(stop(), 1900.0)
    assert len(policy.due(1900.0)) == 1  # half an hour on, said again


def test_a_filter_refusal_is_not_a_risk_stop() -> None:
    policy = NoticePolicy(gather_s=0)
    policy.offer(stop(rule="max_lot_per_order"), 0.0)

    assert policy.due(10.0) == []


def test_each_expiring_key_is_reported_once() -> None:
    policy = NoticePolicy(gather_s=0, every_s=0)
    warning = ApiKeyExpiring("7001@Broker", "k-12", 0, 3)
    policy.offer(warning, 0.0)
    policy.offer(warning, 1.0)

    [message] = policy.due(2.0)
    assert message.body == ("7001@Broker: API key k-12 expires in 3 days — generate a new one "
                            "in Accounts.")
    policy.offer(warning, 5.0)
    assert policy.due(100.0) == []


def test_next_due_says_when_to_look_again() -> None:
    policy = NoticePolicy(grace_s=30, gather_s=5)
    assert policy.next_due() is None
    policy.offer(status(False), 10.0)
    policy.offer(failed(1), 12.0)

    assert policy.next_due() == 17.0
