"""`|isodate` writes what `|date` writes (ISO in both languages), dates and date-times alike."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

BOTH = Template("{{ value|date }}|{{ value|isodate }}")


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 11, 29),
        # 02:30 UTC is still the 28th in Toronto: both filters show the local date.
        datetime(2026, 11, 29, 2, 30, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 11, 29, 23, 59, tzinfo=ZoneInfo("America/Toronto")),
        None,
        "",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_isodate_is_the_date_filter(value, language):
    with translation.override(language):
        with_date, with_isodate = BOTH.render(Context({"value": value})).split("|")
    assert with_isodate == with_date
