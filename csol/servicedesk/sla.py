"""Business-time arithmetic for service-level targets.

A business day is a whole local day, Monday to Friday, that is not a statutory holiday of the
customer's province (the `holidays` package keeps the federal and provincial calendars). Time on
weekends and holidays does not count. "One business day" from Friday 15:00 is therefore Monday
15:00, and from a Saturday it is the end of Monday: the customer gets one full working day.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BUSINESS_DAY = timedelta(days=1)

# Each province's business hours are kept in its own time zone (the largest population's).
PROVINCE_TIME_ZONES = {
    "AB": "America/Edmonton",
    "BC": "America/Vancouver",
    "MB": "America/Winnipeg",
    "NB": "America/Moncton",
    "NL": "America/St_Johns",
    "NS": "America/Halifax",
    "NT": "America/Yellowknife",
    "NU": "America/Iqaluit",
    "ON": "America/Toronto",
    "PE": "America/Halifax",
    "QC": "America/Toronto",
    "SK": "America/Regina",
    "YT": "America/Whitehorse",
}


@lru_cache(maxsize=32)
def _calendar(province: str):
    # The calendar object computes years lazily as dates are asked for.
    return holidays.country_holidays("CA", subdiv=province)


def zone_for(province: str) -> ZoneInfo:
    return ZoneInfo(PROVINCE_TIME_ZONES.get(province, "America/Toronto"))


def is_business_day(day: date, province: str) -> bool:
    """Monday to Friday and not a statutory holiday in the province."""
    return day.weekday() < 5 and day not in _calendar(province)


def _next_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=zone)


def add_business_time(start: datetime, duration: timedelta, province: str) -> datetime:
    """The moment `duration` of business time after `start` (an aware datetime)."""
    zone = zone_for(province)
    current = start.astimezone(zone)
    remaining = duration
    # Bounded: a year of non-business days would be absurd; stop rather than loop forever.
    for _ in range(3700):
        midnight = _next_midnight(current, zone)
        if is_business_day(current.date(), province):
            left_today = midnight - current
            if remaining <= left_today:
                return current + remaining
            remaining -= left_today
        current = midnight
    raise ValueError("business time beyond ten years")


def business_time_between(start: datetime, end: datetime, province: str) -> timedelta:
    """The business time elapsed from `start` to `end` (zero when end is not after start)."""
    zone = zone_for(province)
    current = start.astimezone(zone)
    end = end.astimezone(zone)
    elapsed = timedelta(0)
    while current < end:
        midnight = _next_midnight(current, zone)
        stop = min(midnight, end)
        if is_business_day(current.date(), province):
            elapsed += stop - current
        current = stop
    return elapsed
