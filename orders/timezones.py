"""Delivery windows are agreed in the ship-to site's local time, not the server's."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

# Where a province or territory spans zones, the zone of most of its people (and of its sites here).
PROVINCE_TIMEZONES = {
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


def site_timezone(site) -> ZoneInfo:
    return ZoneInfo(PROVINCE_TIMEZONES.get(getattr(site, "province", ""), settings.TIME_ZONE))


def as_site_time(value, site):
    """Read an aware datetime's wall-clock time as the site's local time (forms parse in the server's)."""
    naive = timezone.make_naive(value, timezone.get_current_timezone())
    return timezone.make_aware(naive, site_timezone(site))
