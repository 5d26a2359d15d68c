"""How the copy service classifies results that are not plain successes."""

from __future__ import annotations

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Retcode
from copier.service import settle_already_closed


def command(kind: CommandKind) -> Command:
    return Command(id="L1-T5-S2", link_id=1, slave_id="s", kind=kind, master_ticket=5,
                   symbol="EURUSD", order_type=OrderType.BUY, volume=0.1, slave_ticket=9)


def result(retcode: Retcode) -> ExecutionResult:
    return ExecutionResult("L1-T5-S2", "s", int(retcode), "EURUSD: position #9 is already closed")


def test_close_of_a_position_its_own_stop_already_closed_is_nothing_to_do() -> None:
    settled = settle_already_closed(command(CommandKind.CLOSE), result(Retcode.POSITION_CLOSED))

    assert settled.ok
    assert settled.retcode == Retcode.NO_CHANGES
    assert "nothing to do" in settled.message


def test_stop_change_of_a_position_already_closed_is_nothing_to_do() -> None:
    settled = settle_already_closed(command(CommandKind.MODIFY), result(Retcode.POSITION_CLOSED))

    assert settled.ok


def test_open_answered_position_closed_stays_a_failure() -> None:
    settled = settle_already_closed(command(CommandKind.OPEN), result(Retcode.POSITION_CLOSED))

    assert not settled.ok


def test_other_close_failures_stay_failures() -> None:
    settled = settle_already_closed(command(CommandKind.CLOSE), result(Retcode.MARKET_CLOSED))

    assert settled.retcode == Retcode.MARKET_CLOSED
