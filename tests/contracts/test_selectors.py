"""Reads: billing's due periods (one query), the renewal cockpit, entitlements, dashboard figures."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.models import Invoice, InvoiceLine
from contracts import selectors
from contracts.models import BillingFrequency, ContractStatus
from contracts.services import billing_schedule_generate
from csol.core.models import Role
from csol.core.tenancy import viewer_for
from tests.contracts.factories import ContractFactory, EntitlementFactory
from tests.factories import member


def _invoice_line(period):
    invoice = Invoice.objects.create(
        customer=period.contract.customer, bill_to=period.contract.customer.sites.first(), province="QC"
    )
    return InvoiceLine.objects.create(
        invoice=invoice,
        line_number=1,
        description="Maintenance",
        quantity=Decimal("1"),
        unit_price=period.amount,
        net_amount=period.amount,
        tax_category="standard",
        billing_period=period,
    )


def test_billing_periods_due(customer, django_assert_num_queries):
    monthly = ContractFactory(customer=customer, billing_frequency=BillingFrequency.MONTHLY)
    billing_schedule_generate(contract=monthly)
    expiring = ContractFactory(customer=customer, status=ContractStatus.EXPIRING)
    billing_schedule_generate(contract=expiring)
    for status in [
        ContractStatus.DRAFT,
        ContractStatus.TERMINATED,
        ContractStatus.EXPIRED,
        ContractStatus.RENEWED,
    ]:
        billing_schedule_generate(contract=ContractFactory(customer=customer, status=status))
    invoiced = monthly.billing_periods.get(start_date=date(2026, 1, 1))
    _invoice_line(invoiced)
    with django_assert_num_queries(1):
        due = [
            (p.contract.number, p.start_date, p.contract.customer.number)
            for p in selectors.billing_periods_due(on=date(2026, 3, 1))
        ]
    assert due == [
        (expiring.number, date(2026, 1, 1), customer.number),
        (monthly.number, date(2026, 2, 1), customer.number),
        (monthly.number, date(2026, 3, 1), customer.number),
    ]
    assert selectors.billing_periods_due(on=date(2025, 12, 31)).count() == 0


def test_cockpit_and_filters_respect_tenancy(customer, customer_user, other_customer):
    today = date(2026, 11, 1)
    ContractFactory(customer=customer, number="MINE", end_date=today + timedelta(days=100))
    ContractFactory(customer=other_customer, number="THEIRS", end_date=today + timedelta(days=100))
    ContractFactory(
        customer=customer, number="ENDED", status=ContractStatus.EXPIRED, end_date=today + timedelta(days=5)
    )
    viewer = viewer_for(customer_user)
    assert [c.number for c in selectors.renewal_cockpit(viewer=viewer, today=today)] == ["MINE"]
    listed = selectors.contract_list(viewer=viewer, ending_within=120, today=today)
    assert sorted(c.number for c in listed) == ["ENDED", "MINE"]


def test_entitlements_only_for_administrators(customer, customer_user):
    EntitlementFactory(contract=ContractFactory(customer=customer))
    assert selectors.entitlement_list(viewer=viewer_for(customer_user)).count() == 1
    buyer = member(customer, Role.BUYER)
    assert selectors.entitlement_list(viewer=viewer_for(buyer)).count() == 0


def test_dashboard_counts(customer, customer_user):
    today = date(2026, 11, 1)
    ContractFactory(customer=customer, end_date=today + timedelta(days=40), auto_renew=True, notice_days=30)
    ContractFactory(customer=customer, end_date=today + timedelta(days=200), auto_renew=True, notice_days=30)
    ContractFactory(customer=customer, end_date=today + timedelta(days=60), status=ContractStatus.TERMINATED)
    counts = selectors.dashboard_counts(viewer=viewer_for(customer_user), today=today)
    assert counts == {"in_force": 2, "ending_90": 1, "deadlines_30": 1, "open_requests": 0}


@pytest.mark.parametrize(
    ("offsets", "expected"), [([30, 90, 60], [90, 60, 30]), ([], [90, 60, 30]), ([7], [7])]
)
def test_offsets_setting(settings, offsets, expected):
    settings.CONTRACT_REMINDER_OFFSETS = offsets
    assert selectors.reminder_offsets() == expected
