"""Calendar arithmetic for terms, billing periods and notice deadlines, in one place."""

import calendar
from datetime import date, timedelta


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def add_months(day: date, months: int, *, keep_month_end: bool = False) -> date:
    """`day` moved by whole months; a day the target month lacks becomes its last (Jan 31 + 1 = Feb 28/29).

    With `keep_month_end`, a month end stays a month end (Feb 28, 2027 + 1 = Mar 31).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if keep_month_end else min(day.day, last))


def term_end(start: date, months: int) -> date:
    """Last day of a term of `months` starting on `start`: the day before the same date `months` later.

    Counted from the eve of the start so that month ends and leap days land where people expect:
    Mar 1 + 1 month ends Mar 31; Feb 29, 2028 + 12 months ends Feb 28, 2029; Jan 31 + 1 month ends Feb 28.
    """
    eve = start - timedelta(days=1)
    return add_months(eve, months, keep_month_end=is_month_end(eve))


def cancellation_deadline(end_date: date, notice_days: int) -> date:
    """Last day a customer may still give notice not to renew: the end date minus the notice period.

    The end date is the last day covered, so a 30-day notice on a term ending 2028-03-30 must reach us by
    2028-02-29 (leap year) and one ending 2027-03-30 by 2027-02-28.
    """
    return end_date - timedelta(days=notice_days)
