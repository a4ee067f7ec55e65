"""Canadian sales taxes: rates are data (TaxRate), this module only applies them.

Tax is computed per document on the summed net of each (place of supply, tax category) group, each
tax kind on the price before any tax (so QST is not charged on GST), rounded once per group and kind
by `quantize_money`.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import FEDERAL_TAX_KINDS, TaxRate
from csol.core.money import quantize_money

STANDARD = "standard"
PST_EXEMPT = "pst_exempt"
ZERO_RATED = "zero_rated"
TAX_CATEGORIES = (STANDARD, PST_EXEMPT, ZERO_RATED)

# Display order of tax kinds on documents.
KIND_ORDER = {"GST": 0, "HST": 1, "PST": 2, "RST": 3, "QST": 4}


@dataclass(frozen=True)
class TaxLine:
    kind: str
    province: str
    tax_category: str
    base: Decimal
    rate: Decimal
    amount: Decimal


def rates_in_force(province: str, on: date) -> dict[str, Decimal]:
    """Tax kind → rate in force in the province on the date."""
    rows = TaxRate.objects.filter(province=province, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    rates = {row.kind: row.rate for row in rows}
    if not rates:
        raise _no_rate(province, on)
    return rates


def rates_table():
    """A `rate_lookup` for `compute_taxes` that reads the rates once (jobs taxing many documents)."""
    by_province: dict[str, list[TaxRate]] = defaultdict(list)
    for row in TaxRate.objects.all():
        by_province[row.province].append(row)

    def lookup(province: str, on: date) -> dict[str, Decimal]:
        rates = {
            row.kind: row.rate
            for row in by_province.get(province, ())
            if row.valid_from <= on and (row.valid_to is None or row.valid_to >= on)
        }
        if not rates:
            raise _no_rate(province, on)
        return rates

    return lookup


def _no_rate(province: str, on: date) -> ValidationError:
    return ValidationError(
        _("No sales tax rate is recorded for %(province)s on %(date)s.") % {"province": province, "date": on},
        code="no_tax_rate",
    )


def applicable(kind: str, category: str) -> bool:
    """Whether a tax kind applies to a product's tax category."""
    if category == ZERO_RATED:
        return False
    if category == PST_EXEMPT:
        return kind in FEDERAL_TAX_KINDS
    return True


def compute_taxes(groups, on: date, rate_lookup=rates_in_force) -> list[TaxLine]:
    """Taxes of a document whose lines are `(province, category, net)` triples, on the tax date."""
    bases: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for province, category, net in groups:
        if category not in TAX_CATEGORIES:
            raise ValidationError(
                _("Unknown tax category %(category)s.") % {"category": category}, code="tax_category"
            )
        bases[(province, category)] += Decimal(net)
    taxes = []
    for (province, category), base in sorted(bases.items()):
        if category == ZERO_RATED:
            continue
        for kind, rate in rate_lookup(province, on).items():
            if applicable(kind, category):
                taxes.append(TaxLine(kind, province, category, base, rate, quantize_money(base * rate)))
    taxes.sort(key=lambda t: (KIND_ORDER.get(t.kind, 9), t.province, t.tax_category))
    return taxes


def taxes_by_kind(taxes) -> list[tuple[str, Decimal]]:
    """Total per tax kind, in display order (what the document shows per kind)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for tax in taxes:
        totals[tax.kind] += tax.amount
    return sorted(totals.items(), key=lambda item: KIND_ORDER.get(item[0], 9))
