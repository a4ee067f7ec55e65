"""Load the sales tax rates in force (billing/rates.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from billing.rates import ensure_default_rates

    ensure_default_rates(apps.get_model("billing", "TaxRate"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_billing_models")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
