"""Sales tax rates in force (DOMAIN.md), with the dates they took effect."""

from datetime import date
from decimal import Decimal

from django.db import migrations

GST = Decimal("0.05")
# province, kind, rate, valid from, valid to
RATES = [
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


def load(apps, schema_editor):
    TaxRate = apps.get_model("billing", "TaxRate")
    for province, kind, rate, valid_from, valid_to in RATES:
        TaxRate.objects.update_or_create(
            province=province, kind=kind, valid_from=valid_from, defaults={"rate": rate, "valid_to": valid_to}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_billing_models")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
