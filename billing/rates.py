"""The sales tax rates in force (DOMAIN.md), with the dates they took effect.

Loaded by a data migration and restored after a database flush (post_migrate), so every environment,
test databases included, has them. Agents add later changes in the back office (TaxRate).
"""

from datetime import date
from decimal import Decimal

GST = Decimal("0.05")
# province, kind, rate, valid from, valid to
DEFAULT_RATES = [
    *[(p, "GST", GST, date(2008, 1, 1), None) for p in ("AB", "BC", "MB", "SK", "QC", "NT", "NU", "YT")],
    ("BC", "PST", Decimal("0.07"), date(2013, 4, 1), None),
    ("MB", "RST", Decimal("0.07"), date(2019, 7, 1), None),
    ("SK", "PST", Decimal("0.06"), date(2017, 3, 23), None),
    ("QC", "QST", Decimal("0.09975"), date(2013, 1, 1), None),
    ("ON", "HST", Decimal("0.13"), date(2010, 7, 1), None),
    ("NB", "HST", Decimal("0.15"), date(2016, 7, 1), None),
    ("NL", "HST", Decimal("0.15"), date(2016, 7, 1), None),
    ("PE", "HST", Decimal("0.15"), date(2016, 10, 1), None),
    ("NS", "HST", Decimal("0.15"), date(2010, 7, 1), date(2025, 3, 31)),
    ("NS", "HST", Decimal("0.14"), date(2025, 4, 1), None),
]


def ensure_default_rates(tax_rate_model, using: str = "default") -> int:
    """Create the default rates that are missing (by province, tax and start date); never overwrite."""
    created = 0
    for province, kind, rate, valid_from, valid_to in DEFAULT_RATES:
        _row, was_created = tax_rate_model.objects.using(using).get_or_create(
            province=province, kind=kind, valid_from=valid_from, defaults={"rate": rate, "valid_to": valid_to}
        )
        created += was_created
    return created
