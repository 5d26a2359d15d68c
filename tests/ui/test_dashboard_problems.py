"""The dashboard's list of errors and refusals: it can be paused to read, shows whole reasons,
says rules in words, and the success rate says what it counts (issue #18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel

from copier.ui.core_signals import CopyCounts, Problem, UiBridge
from copier.ui.pages.dashboard import PROBLEM_COLUMNS, DashboardPage
from copier.ui.session import CoreSession

LONG = ("USDJPY.m: lot 0.0099 below broker minimum 0.01 — copy skipped; raise the link's "
        "multiplier or choose 'use the minimum' under Lot sizing to copy trades this small")
REASON = [c.title for c in PROBLEM_COLUMNS].index("Reason")


def _problem(n: int, text: str = LONG) -> Problem:
    return Problem(1_780_000_000_000 + n, "denied", "demo-slave", text, rule="below_minimum")


def _page(make_session: Callable[..., CoreSession], qtbot: Any) -> DashboardPage:
    page = DashboardPage(make_session(trade=False), UiBridge())
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    return page


def test_a_paused_list_holds_still_and_takes_the_new_rows_on_resume(
    make_session: Callable[..., CoreSession], qtbot: Any
) -> None:
    page = _page(make_session, qtbot)
    page.on_problems([_problem(1)])
    page.tick()
    assert page.problems.rowCount() == 1

    page.pause.setChecked(True)
    page.on_problems([_problem(2), _problem(3)])
    page.tick()

    assert page.problems.rowCount() == 1  # still: the trader is reading
    assert "2 new" in page.pause.text()
    page.pause.setChecked(False)
    assert page.problems.rowCount() == 3
    assert page.pause.text() == "Pause the list"


def test_the_whole_reason_is_shown_wrapped_and_the_rule_in_words(
    make_session: Callable[..., CoreSession], qtbot: Any
) -> None:
    page = _page(make_session, qtbot)
    page.on_problems([_problem(1)])
    page.tick()
    view = page.problems_view

    assert page.problems.item(0, REASON).text() == LONG
    assert page.problems.item(0, REASON).toolTip() == LONG
    assert view.wordWrap()
    line = view.fontMetrics().height()
    assert view.rowHeight(0) >= 2 * line  # wrapped onto more lines, not cut at the edge
    visible_right = view.columnViewportPosition(REASON) + view.columnWidth(REASON)
    assert visible_right <= view.viewport().width() + 1  # the reason column ends on screen
    what = [c.title for c in PROBLEM_COLUMNS].index("What")
    assert page.problems.item(0, what).text() == "denied: below the minimum lot"


def test_success_rate_says_refusals_do_not_count_and_shows_them_beside(
    make_session: Callable[..., CoreSession], qtbot: Any
) -> None:
    page = _page(make_session, qtbot)
    page.on_counts(CopyCounts(events=10, sent=4, executed=4, failed=0, denied=6))
    page.tick()

    assert page.figures["success"].text() == "100.0 %"
    assert "refused" in page.figures["success"].toolTip()
    captions = [label.text() for label in page.figures["success"].findChildren(QLabel)]
    assert "success of sent copies" in captions
    assert page.figures["refused"].text() == "6"
