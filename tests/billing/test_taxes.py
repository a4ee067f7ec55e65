"""Sales taxes: every province and territory, Nova Scotia's change, rounding, sums of parts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.taxes import compute_taxes, rates_in_force, taxes_by_kind

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 2)

# province → expected tax per kind on a $1,000.00 standard-rated supply
EXPECTED = {
    "AB": {"GST": "50.00"},
    "NT": {"GST": "50.00"},
    "NU": {"GST": "50.00"},
    "YT": {"GST": "50.00"},
    "BC": {"GST": "50.00", "PST": "70.00"},
    "MB": {"GST": "50.00", "RST": "70.00"},
    "SK": {"GST": "50.00", "PST": "60.00"},
    "ON": {"HST": "130.00"},
    "NB": {"HST": "150.00"},
    "NL": {"HST": "150.00"},
    "PE": {"HST": "150.00"},
    "NS": {"HST": "140.00"},
    "QC": {"GST": "50.00", "QST": "99.75"},
}


@pytest.mark.parametrize("province", sorted(EXPECTED))
def test_every_province_and_territory(province):
    taxes = compute_taxes([(province, "standard", Decimal("1000.00"))], ON)
    assert {kind: str(amount) for kind, amount in taxes_by_kind(taxes)} == EXPECTED[province]


def test_all_thirteen_provinces_and_territories_have_rates():
    from csol.core.models import Province

    assert set(EXPECTED) == set(Province.values)
    for province in Province.values:
        assert rates_in_force(province, ON)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 31), "15.00"),
        (date(2025, 4, 1), "14.00"),
        (date(2024, 12, 1), "15.00"),
        (date(2026, 1, 1), "14.00"),
    ],
)
def test_nova_scotia_both_sides_of_2025_04_01(day, expected):
    taxes = compute_taxes([("NS", "standard", Decimal("100.00"))], day)
    assert [(t.kind, str(t.amount)) for t in taxes] == [("HST", expected)]


def test_qst_is_on_the_price_before_gst():
    # 9.975% of 100.00, not of 105.00 (which would be 10.47).
    taxes = dict(taxes_by_kind(compute_taxes([("QC", "standard", Decimal("100.00"))], ON)))
    assert taxes == {"GST": Decimal("5.00"), "QST": Decimal("9.98")}


def test_rounding_half_up_on_the_summed_net_of_each_category():
    # Three lines of 0.10 in BC: PST 7% on 0.30 = 0.021 → 0.02; per line it would be 3 × 0.01 = 0.03.
    lines = [("BC", "standard", Decimal("0.10"))] * 3
    taxes = dict(taxes_by_kind(compute_taxes(lines, ON)))
    assert taxes["PST"] == Decimal("0.02")
    # Half a cent rounds up: GST on 0.10 = 0.005 → 0.01.
    assert dict(taxes_by_kind(compute_taxes([("AB", "standard", Decimal("0.10"))], ON)))["GST"] == Decimal(
        "0.01"
    )


def test_categories_pst_exempt_and_zero_rated():
    lines = [
        ("BC", "standard", Decimal("100.00")),
        ("BC", "pst_exempt", Decimal("200.00")),
        ("BC", "zero_rated", Decimal("300.00")),
        ("ON", "pst_exempt", Decimal("100.00")),
    ]
    taxes = compute_taxes(lines, ON)
    assert {(t.kind, t.province, t.tax_category): t.amount for t in taxes} == {
        ("GST", "BC", "standard"): Decimal("5.00"),
        ("PST", "BC", "standard"): Decimal("7.00"),
        ("GST", "BC", "pst_exempt"): Decimal("10.00"),
        ("HST", "ON", "pst_exempt"): Decimal("13.00"),
    }


def test_no_rate_before_the_recorded_history_is_a_clear_error():
    with pytest.raises(ValidationError):
        compute_taxes([("MB", "standard", Decimal("10.00"))], date(1990, 1, 1))


def test_unknown_category_is_refused():
    with pytest.raises(ValidationError):
        compute_taxes([("ON", "luxury", Decimal("10.00"))], ON)


amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2)
provinces = st.sampled_from(sorted(EXPECTED))
categories = st.sampled_from(["standard", "pst_exempt", "zero_rated"])


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(provinces, categories, amounts), min_size=1, max_size=8))
def test_property_total_is_the_sum_of_its_parts(lines):
    from billing.models import Invoice, InvoiceStatus
    from billing.services import invoice_draft_create, invoice_line_add
    from tests.factories import CustomerFactory, SiteFactory

    customer = CustomerFactory(province="QC")
    SiteFactory(customer=customer)
    invoice = invoice_draft_create(customer=customer)
    for province, category, net in lines:
        invoice_line_add(
            invoice=invoice,
            description="x",
            quantity=1,
            unit_price=net,
            tax_category=category,
            province=province,
        )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.net_total == sum(line.net_amount for line in invoice.lines.all())
    assert invoice.tax_total == sum(tax.amount for tax in invoice.taxes.all())
    assert invoice.total == invoice.net_total + invoice.tax_total
    for tax in invoice.taxes.all():
        assert tax.amount == tax.amount.quantize(Decimal("0.01"))
        assert tax.base == sum(n for p, c, n in lines if (p, c) == (tax.province, tax.tax_category))
    # Every tax lies within half a cent of the exact product.
    for tax in invoice.taxes.all():
        assert abs(tax.amount - tax.base * tax.rate) <= Decimal("0.005")


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(provinces, categories, amounts), min_size=1, max_size=8))
def test_property_per_kind_totals_add_up(lines):
    taxes = compute_taxes(lines, ON)
    assert sum(amount for _k, amount in taxes_by_kind(taxes)) == sum(t.amount for t in taxes)
