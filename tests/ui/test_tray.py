"""The tray: its colour follows the overall state; a disconnect is notified once it has lasted
long enough; failed copies are summarised; risk stops are announced, other denials are not."""

from __future__ import annotations

import time
from typing import Any

from copier.domain import TerminalStatus
from copier.ui.assets import Assets
from copier.ui.core_signals import Problem, UiBridge
from copier.ui.tray import TrayController


def _tray(alert_s: int = 30) -> TrayController:
    return TrayController(Assets.load(), UiBridge(), disconnect_alert_s=alert_s)


def _ago_ms(seconds: float) -> int:
    return int((time.time() - seconds) * 1000)


def test_a_disconnect_is_notified_once_it_has_lasted_the_alert_delay(qapp: Any) -> None:
    tray = _tray(alert_s=30)

    tray.on_statuses([TerminalStatus("S1", connected=True, since_ms=_ago_ms(100))])
    assert tray.state() == "ok"
    tray.on_statuses([TerminalStatus("S1", connected=False, since_ms=_ago_ms(5))])
    assert tray.state() == "error"
    assert tray.history == []
    tray.on_statuses([TerminalStatus("S2", connected=False, since_ms=_ago_ms(45),
                                     detail="bad API key")])
    tray.check()
    tray.check()

    assert [(n.title, n.text.split(" has")[0]) for n in tray.history] == [
        ("Account disconnected", "S2")]
    assert "bad API key" in tray.history[0].text
    tray.on_statuses([TerminalStatus("S2", connected=True)])
    assert tray.history[-1].title == "Reconnected"


def test_failed_copies_in_a_burst_become_one_summary(qapp: Any) -> None:
    tray = _tray()
    failures = [Problem(0, "failed", "S1", f"EURUSD: open failed #{n}", rule="REJECT")
                for n in range(5)]

    tray.on_problems(failures[:1])
    tray.on_problems(failures[1:])

    assert [n.text for n in tray.history] == ["EURUSD: open failed #0"]
    tray.failed_notice_every_s = 0  # the next summary is due
    tray.check()
    assert [n.title for n in tray.history] == ["Copy failed", "Copy failed"]
    assert tray.history[1].text == "4 copies failed; the latest: EURUSD: open failed #4"


def test_a_risk_stop_is_announced_and_an_ordinary_denial_is_not(qapp: Any) -> None:
    tray = _tray()
    stop = Problem(0, "denied", "S1", "daily loss 5.2 % reached — opening stopped",
                   rule="max_daily_loss", link_id=1)
    ordinary = Problem(0, "denied", "S1", "GER40: no matching symbol", rule="symbol_map")

    tray.on_problems([ordinary, stop, stop])

    assert [(n.title, n.text) for n in tray.history] == [("Risk stop", stop.text)]


def test_stopped_copying_turns_the_tray_amber(qapp: Any) -> None:
    tray = _tray()
    tray.on_statuses([TerminalStatus("S1", connected=True)])

    tray.on_copying(False)

    assert tray.state() == "warn"
    assert tray.switch_action.text() == "Start copying"
