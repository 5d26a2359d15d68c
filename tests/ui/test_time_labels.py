"""How long ago something happened, as the dashboard and the accounts page write it."""

from __future__ import annotations

from copier.ui.widgets import fmt_ago


def test_ago_is_measured_from_the_time_given_even_the_epoch_itself() -> None:
    assert fmt_ago(0) == ""  # never happened
    assert fmt_ago(1, now_ms=125_001) == "2 min ago"
    assert fmt_ago(1, now_ms=0) == "0 s ago"  # a clock at 0 is a time, not "ask the wall clock"
