"""Timing figures measured by the suite: reported, not failed.

A test marked ``perf`` takes the ``perf`` fixture and hands it each figure with its bound,
``perf.bound("decision durable, p50", ms, 2.0, "ms")``, instead of asserting the bound: how fast
a shared machine runs at that moment decides the figure, not the code. Every figure is printed
at the end of the run ("perf figures"), those past their bound marked ``OVER``; with
``TRADECOPIER_PERF_STRICT=1`` (a quiet machine, a benchmark run) a figure past its bound fails
its test. What a perf test checks besides its figures is asserted as usual.

When the run is spread over worker processes (pytest-xdist), each worker hands its figures to
the controller when it finishes (``config.workeroutput``), which prints them all, by test id.
"""

from __future__ import annotations

import os
from dataclasses import astuple, dataclass, field
from typing import Any

import pytest

STRICT_ENV = "TRADECOPIER_PERF_STRICT"
WORKER_OUTPUT_KEY = "tradecopier_perf"


@dataclass(frozen=True, slots=True)
class Figure:
    test: str
    label: str
    value: float
    limit: float
    unit: str

    @property
    def over(self) -> bool:
        return self.value >= self.limit

    def line(self) -> str:
        mark = "OVER " if self.over else "ok   "
        return (f"{mark}{self.label}: {self.value:.3g} {self.unit} (bound {self.limit:g} "
                f"{self.unit})  [{self.test}]")


@dataclass
class PerfFigures:
    """The figures of one test."""

    test: str
    strict: bool
    figures: list[Figure] = field(default_factory=list)

    def bound(self, label: str, value: float, limit: float, unit: str) -> None:
        """Record ``value`` against its upper bound ``limit`` (below it is within)."""
        figure = Figure(self.test, label, value, limit, unit)
        self.figures.append(figure)
        _RUN.append(figure)
        if self.strict and figure.over:
            pytest.fail(f"{STRICT_ENV}=1: {figure.line()}", pytrace=False)


_RUN: list[Figure] = []


@pytest.fixture
def perf(request: pytest.FixtureRequest) -> PerfFigures:
    if request.node.get_closest_marker("perf") is None:
        pytest.fail("a test that takes the perf fixture is marked @pytest.mark.perf",
                    pytrace=False)
    return PerfFigures(_test_id(request.node.nodeid), os.environ.get(STRICT_ENV) == "1")


def _test_id(nodeid: str) -> str:
    """The test's id without the ``@group`` pytest-xdist appends under ``--dist loadgroup``."""
    at = nodeid.rfind("@")
    return nodeid[:at] if at > nodeid.rfind("]") else nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the figures
        workeroutput[WORKER_OUTPUT_KEY] = [list(astuple(figure)) for figure in _RUN]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    figures = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY, [])
    _RUN.extend(Figure(*figure) for figure in figures)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _RUN:
        return
    _RUN.sort(key=lambda figure: figure.test)  # workers finish in any order; one test's stay
    over = sum(f.over for f in _RUN)
    verdict = "failed" if os.environ.get(STRICT_ENV) == "1" else "reported, not failed"
    terminalreporter.section(f"perf figures ({over} past their bound, {verdict})"
                             if over else "perf figures")
    for figure in _RUN:
        terminalreporter.write_line(figure.line())
