"""Calendar arithmetic for terms, billing periods and notice deadlines, in one place."""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a day the target month lacks becomes its last (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """Last day of a term of `months` starting on `start` (inclusive end)."""
    return add_months(start, months) - timedelta(days=1)


def cancellation_deadline(end_date: date, notice_days: int) -> date:
    """Last day a customer may still give notice not to renew: the end date minus the notice period.

    The end date is the last day covered, so a 30-day notice on a term ending 2028-03-30 must reach us by
    2028-02-29 (leap year) and one ending 2027-03-30 by 2027-02-28.
    """
    return end_date - timedelta(days=notice_days)
