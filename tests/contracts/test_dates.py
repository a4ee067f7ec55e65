"""Calendar arithmetic: month ends and leap years in terms and notice deadlines."""

from datetime import date

import pytest

from contracts.dates import add_months, cancellation_deadline, term_end


@pytest.mark.parametrize(
    ("end", "notice", "deadline"),
    [
        (date(2028, 3, 30), 30, date(2028, 2, 29)),  # leap year: through Feb 29
        (date(2027, 3, 30), 30, date(2027, 2, 28)),  # common year
        (date(2028, 3, 1), 1, date(2028, 2, 29)),
        (date(2027, 3, 1), 1, date(2027, 2, 28)),
        (date(2026, 12, 31), 90, date(2026, 10, 2)),
        (date(2027, 1, 31), 31, date(2026, 12, 31)),  # across a year end
        (date(2026, 5, 31), 0, date(2026, 5, 31)),  # no notice: until the last day
        (date(2029, 2, 28), 365, date(2028, 2, 29)),  # a year's notice spanning Feb 29
    ],
)
def test_cancellation_deadline(end, notice, deadline):
    assert cancellation_deadline(end, notice) == deadline


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2027, 3, 1), 1, date(2027, 3, 31)),  # eve is Feb 28: month end kept
        (date(2028, 3, 1), 12, date(2029, 2, 28)),  # eve is Feb 29 (leap)
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # starts on a leap day
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 15), 3, date(2026, 4, 14)),
        (date(2026, 5, 1), 36, date(2029, 4, 30)),
    ],
)
def test_term_end(start, months, end):
    assert term_end(start, months) == end


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2027, 2, 28), 1, keep_month_end=True) == date(2027, 3, 31)
