from decimal import Decimal

import pytest
from django.urls import reverse

from collections_ar import models
from collections_ar.services import payment_allocate, payment_record
from collections_ar.services.remittance import remittance_import
from tests.collections_ar.factories import InvoiceFactory
from tests.conftest import signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    return signed_in(UserFactory(email="root@csol.example", is_staff=True, is_superuser=True))


@pytest.mark.parametrize(
    "model",
    [
        models.Payment,
        models.Allocation,
        models.CreditApplication,
        models.WriteOff,
        models.InvoiceAccount,
        models.ReceivableEvent,
        models.CustomerCreditProfile,
        models.CollectionNote,
        models.PromiseToPay,
        models.RemittanceImport,
        models.RemittanceLine,
        models.PayerReference,
        models.RemittanceAdvice,
        models.DunningReminder,
    ],
)
def test_every_model_has_a_searchable_admin(admin_client, customer, agent, model):
    invoice = InvoiceFactory(customer=customer, total=Decimal("50.00"))
    payment = payment_record(
        customer=customer, received_on=invoice.issue_date, method="eft", amount=Decimal("60.00")
    )
    payment_allocate(payment=payment, lines=[(invoice, Decimal("50.00"))], actor=agent)
    remittance_import(name="x.csv", content=b"2026-11-01,10.00,ACME,F1\n", actor=agent)
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "x"})
    assert response.status_code == 200


def test_admin_action_allocates_through_the_service(admin_client, customer):
    invoice = InvoiceFactory(customer=customer, total=Decimal("50.00"))
    payment = payment_record(
        customer=customer, received_on=invoice.issue_date, method="eft", amount=Decimal("80.00")
    )
    response = admin_client.post(
        reverse("admin:collections_ar_payment_changelist"),
        {"action": "allocate_oldest_first", "_selected_action": [payment.pk]},
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.allocated == Decimal("50.00")
    assert models.ReceivableEvent.objects.filter(kind="allocated").exists()
