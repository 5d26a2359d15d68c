"""The nearest-rank percentile, checked against the method's worked example
(https://en.wikipedia.org/wiki/Percentile#The_nearest-rank_method: 15, 20, 35, 40, 50)."""

from __future__ import annotations

from copier.percentiles import percentile

SAMPLE = [15.0, 20.0, 35.0, 40.0, 50.0]


def test_the_worked_example_of_the_nearest_rank_method() -> None:
    assert [percentile(SAMPLE, f) for f in (0.05, 0.30, 0.40, 0.50, 1.00)] == [
        15.0, 20.0, 20.0, 35.0, 50.0
    ]


def test_p99_of_a_thousand_is_the_990th_value_and_of_one_the_value_itself() -> None:
    thousand = [float(n) for n in range(1, 1001)]

    assert percentile(thousand, 0.99) == 990.0
    assert percentile([7.0], 0.99) == percentile([7.0], 0.0) == 7.0
