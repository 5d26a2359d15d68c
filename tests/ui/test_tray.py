"""The tray: its colour follows the overall state; a disconnect is notified once it has lasted
long enough; failed copies are summarised; risk stops are announced, other denials are not;
connected accounts are counted against every enabled one; messages name accounts and say what
happened in words; "Mute notifications" stops the pop-ups and is kept across restarts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    OrderType,
    Retcode,
    TerminalStatus,
)
from copier.events import CopyFailed
from copier.preferences import load_preferences
from copier.ui.assets import Assets
from copier.ui.core_signals import Problem, UiBridge
from copier.ui.main import Gui
from copier.ui.tray import TrayController
from tests.ui.conftest import Run, until


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

    assert [(n.title, n.text) for n in tray.history] == [("Risk stop", f"S1: {stop.text}")]


def test_stopped_copying_turns_the_tray_amber(qapp: Any) -> None:
    tray = _tray()
    tray.on_statuses([TerminalStatus("S1", connected=True)])

    tray.on_copying(False)

    assert tray.state() == "warn"
    assert tray.switch_action.text() == "Start copying"


def test_connected_accounts_are_counted_against_every_enabled_account(qapp: Any) -> None:
    tray = _tray()
    tray.set_accounts({f"S{n}": f"Account {n}" for n in range(1, 6)})
    tray.on_statuses([TerminalStatus(f"S{n}", connected=True) for n in range(1, 5)])

    assert "4 of 5 accounts connected" in tray.icon.toolTip()
    assert tray.state() == "error"  # the fifth has not even reported: it is down
    tray.on_statuses([TerminalStatus("S5", connected=True)])
    assert "5 of 5 accounts connected" in tray.icon.toolTip() and tray.state() == "ok"


def test_messages_name_accounts_by_their_names_in_words(qapp: Any) -> None:
    bridge = UiBridge()
    tray = TrayController(Assets.load(), bridge, disconnect_alert_s=30)
    slave = "mt5:777@Other-Live"
    tray.set_accounts({slave: "My VPS slave"})
    command = Command("c1", 1, slave, CommandKind.OPEN, 123, "EURUSD", OrderType.BUY, 0.1)
    bridge.handle(CopyFailed(command, ExecutionResult("c1", slave, int(Retcode.NO_MONEY))))
    bridge.flush()
    tray.on_statuses([TerminalStatus(slave, connected=False, since_ms=_ago_ms(45))])
    tray.check()
    tray.on_problems([Problem(0, "denied", slave, "daily loss 5.2 % reached — opening stopped",
                              rule="max_daily_loss", link_id=1)])

    texts = [n.text for n in tray.history]
    assert len(texts) == 3 and all("My VPS slave" in t and slave not in t for t in texts)
    assert texts[2] == "My VPS slave: daily loss 5.2 % reached — opening stopped"
    assert "NO_MONEY" not in texts[0] and "open of" not in texts[0]
    assert texts[0].startswith("opening EURUSD of master trade #123 on My VPS slave:")
    assert texts[1] == "My VPS slave has been disconnected for 45 seconds"


def test_mute_stops_the_pop_ups_but_not_the_status_bar(
    qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = _tray()
    shown: list[str] = []
    toggled: list[bool] = []
    tray.available = True
    monkeypatch.setattr(tray.icon, "isVisible", lambda: True)
    monkeypatch.setattr(tray.icon, "showMessage", lambda title, *_a: shown.append(title))
    tray.mute_toggled.connect(toggled.append)

    tray.notify("Risk stop", "one")
    tray.mute_action.trigger()
    tray.notify("Risk stop", "two")

    assert shown == ["Risk stop"] and toggled == [True] and tray.muted
    assert [n.text for n in tray.history] == ["one", "two"]  # still told in the window


def test_mute_is_kept_across_restarts(make_gui: Callable[..., Gui], run: Run[Any],
                                      tmp_path: Path) -> None:
    gui = make_gui(trade=False)
    run(gui.start())
    assert not gui.window.tray.mute_action.isChecked()

    gui.window.tray.mute_action.trigger()
    run(until(lambda: load_preferences(tmp_path / "settings.json").mute_notifications,
              what="the choice saved"))
    run(gui.window.settings.save())  # saving the other settings keeps it

    again = make_gui(preferences=load_preferences(tmp_path / "settings.json"), trade=False)
    assert again.window.tray.muted and again.window.tray.mute_action.isChecked()
