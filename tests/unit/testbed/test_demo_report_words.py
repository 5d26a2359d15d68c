"""The headless demo's report says which rules refused copies in the trader's words, never the
rules' short names (those stay in the JSON report, for scripts)."""

from __future__ import annotations

from copier.testbed.demo import DemoReport


def test_the_denials_are_counted_by_the_words_of_their_rules() -> None:
    report = DemoReport(seed=1, transport="sim", denied={
        "below_minimum": 47, "trading_hours": 45, "magic_allow": 2, "magic_deny": 3})  # fmt: skip

    text = report.describe()

    assert ("copies not made, by rule: below the minimum lot 47, magic number filter 5, "
            "trading hours 45") in text  # fmt: skip
    assert "_" not in text
    assert report.to_dict()["denied"] == {
        "below_minimum": 47, "magic_allow": 2, "magic_deny": 3, "trading_hours": 45}


def test_no_denial_says_none() -> None:
    assert "copies not made, by rule: none" in DemoReport(seed=1, transport="sim").describe()
