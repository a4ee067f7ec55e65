"""`{{ value|isodate }}`: the same text as `{{ value|date }}` (ISO 2026-11-29 in both languages,
see csol/formats) for a fraction of its cost: the tables of the list pages show dozens of dates."""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True, is_safe=True)
def isodate(value) -> str:
    """The date (of a datetime, in the active time zone) as YYYY-MM-DD; "" for anything else."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""
