"""Business-time arithmetic: weekends, provincial statutory holidays, time zones."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from csol.servicedesk.sla import add_business_time, business_time_between, is_business_day

TORONTO = ZoneInfo("America/Toronto")
DAY = timedelta(days=1)


def at(*args, zone=TORONTO):
    return datetime(*args, tzinfo=zone)


def test_saint_jean_baptiste_is_a_holiday_in_quebec_only():
    # 2026-06-24 is a Wednesday.
    assert not is_business_day(at(2026, 6, 24).date(), "QC")
    assert is_business_day(at(2026, 6, 24).date(), "ON")


def test_one_business_day_skips_saint_jean_baptiste_in_quebec():
    # Given a request on Tuesday 23 June 10:00, then in Quebec the answer is due Thursday 10:00 ...
    assert add_business_time(at(2026, 6, 23, 10), DAY, "QC") == at(2026, 6, 25, 10)
    # ... while in Ontario the Wednesday counts.
    assert add_business_time(at(2026, 6, 23, 10), DAY, "ON") == at(2026, 6, 24, 10)


def test_canada_day_counts_nowhere():
    # Tuesday 30 June 9:00 → Canada Day (Wednesday) skipped → Thursday 2 July 9:00.
    for province in ("ON", "QC"):
        assert add_business_time(at(2026, 6, 30, 9), DAY, province) == at(2026, 7, 2, 9)
    vancouver = ZoneInfo("America/Vancouver")
    assert add_business_time(at(2026, 6, 30, 9, zone=vancouver), DAY, "BC") == at(
        2026, 7, 2, 9, zone=vancouver
    )


def test_friday_request_is_due_monday_and_weekend_request_by_end_of_monday():
    assert add_business_time(at(2026, 6, 26, 15), DAY, "ON") == at(2026, 6, 29, 15)
    # Saturday: the clock starts Monday 00:00 and runs one full business day.
    assert add_business_time(at(2026, 6, 27, 11), DAY, "ON") == at(2026, 6, 30, 0)


def test_good_friday_and_thanksgiving_skip_several_days():
    # Thursday 2 April 2026 12:00 + 1 day: Good Friday and the weekend are skipped → Monday 12:00.
    assert add_business_time(at(2026, 4, 2, 12), DAY, "ON") == at(2026, 4, 6, 12)
    # Five business days from Friday 9 October 2026 9:00; Thanksgiving Monday 12 October does not count.
    assert add_business_time(at(2026, 10, 9, 9), 5 * DAY, "QC") == at(2026, 10, 19, 9)


def test_family_day_is_ontario_not_quebec():
    # Monday 16 February 2026: Family Day in Ontario, a working day in Quebec.
    assert add_business_time(at(2026, 2, 13, 10), DAY, "ON") == at(2026, 2, 17, 10)
    assert add_business_time(at(2026, 2, 13, 10), DAY, "QC") == at(2026, 2, 16, 10)


def test_business_time_between_ignores_weekends_and_holidays():
    assert business_time_between(at(2026, 6, 26, 18), at(2026, 6, 29, 6), "ON") == timedelta(hours=12)
    assert business_time_between(at(2026, 6, 27, 0), at(2026, 6, 29, 0), "ON") == timedelta(0)
    # Across Saint-Jean-Baptiste: only Tuesday's and Thursday's hours count in Quebec.
    assert business_time_between(at(2026, 6, 23, 12), at(2026, 6, 25, 12), "QC") == DAY
    assert business_time_between(at(2026, 6, 23, 12), at(2026, 6, 25, 12), "ON") == 2 * DAY
    assert business_time_between(at(2026, 6, 25), at(2026, 6, 23), "ON") == timedelta(0)


def test_adding_then_measuring_agree():
    start = at(2026, 12, 23, 14, 30)
    end = add_business_time(start, 3 * DAY, "NS")
    assert business_time_between(start, end, "NS") == 3 * DAY
