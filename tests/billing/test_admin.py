"""Back office: issue drafts, credit and cancel, generation on demand; issued invoices stay read-only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Dispute, Invoice, InvoiceStatus, TaxRate
from tests.billing.factories import OrderFactory, OrderLineFactory, make_invoice
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(agent):
    """The billing desk agent, with every permission, past two-step verification."""
    agent.is_superuser = True
    agent.save(update_fields=["is_superuser"])
    return signed_in(agent)


def test_changelists_render(admin_client, customer):
    make_invoice(customer)
    for model in ("invoice", "taxrate", "billingoptions", "dispute", "invoicecounter", "invoiceemail"):
        response = admin_client.get(reverse(f"admin:billing_{model}_changelist"), {"q": "2026"})
        assert response.status_code == 200, model


def test_issued_invoice_is_read_only_in_admin(admin_client, customer):
    invoice = make_invoice(customer, po_number="PO-1")
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="po_number"' not in page.content.decode()
    admin_client.post(url, {"po_number": "HACKED", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    invoice.refresh_from_db()
    assert invoice.po_number == "PO-1"
    assert admin_client.get(reverse("admin:billing_invoice_delete", args=[invoice.pk])).status_code == 403


def test_issue_drafts_action(admin_client, customer):
    draft = make_invoice(customer, issue=False)
    response = admin_client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "issue_drafts", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.number


def test_cancel_through_a_credit_note(admin_client, customer):
    invoice = make_invoice(customer)
    url = reverse("admin:billing_invoice_credit", args=[invoice.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"amount": "", "reason": ""}).status_code == 200  # reason required
    response = admin_client.post(url, {"amount": "", "reason": "Commande annulée"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    note = invoice.credit_notes.get()
    assert note.total == invoice.total and note.credit_reason == "Commande annulée"


def test_too_large_credit_is_refused_with_a_message(admin_client, customer):
    invoice = make_invoice(customer, [(Decimal("100.00"), "standard", None)])
    response = admin_client.post(
        reverse("admin:billing_invoice_credit", args=[invoice.pk]), {"amount": "5000", "reason": "x"}
    )
    assert response.status_code == 200 and not invoice.credit_notes.exists()


def test_generate_on_demand_for_a_customer(
    admin_client, customer, other_customer, django_capture_on_commit_callbacks
):
    OrderLineFactory(order=OrderFactory(customer=customer), line_number=1)
    OrderLineFactory(order=OrderFactory(customer=other_customer), line_number=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:billing_invoice_generate"), {"customer": customer.pk, "on": "2026-11-10"}
        )
    assert response.status_code == 302
    assert list(Invoice.objects.exclude(status="draft").values_list("customer", flat=True)) == [customer.pk]


def test_new_draft_from_admin_and_lines(admin_client, customer):
    response = admin_client.post(
        reverse("admin:billing_invoice_add"),
        {
            "customer": customer.pk,
            "bill_to": "",
            "po_number": "PO-ADM",
            "reference": "",
            "language": "",
            "issue_after": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Formation sur place",
            "lines-0-reference": "",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "400.00",
            "lines-0-tax_category": "standard",
            "lines-0-province": "QC",
            "taxes-TOTAL_FORMS": "0",
            "taxes-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = Invoice.objects.get(po_number="PO-ADM")
    assert draft.status == InvoiceStatus.DRAFT and draft.language == "fr"
    assert draft.total == Decimal("919.80")


def test_rates_are_editable_data(admin_client):
    rate = TaxRate.objects.get(province="NS", valid_from="2025-04-01")
    assert admin_client.get(reverse("admin:billing_taxrate_change", args=[rate.pk])).status_code == 200


def test_dispute_admin_pages(admin_client, customer, customer_user):
    from billing.services import dispute_open
    from csol.core.tenancy import viewer_for

    invoice = make_invoice(customer)
    dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer_for(customer_user),
        reason="other",
        amount=Decimal("5.00"),
        message="x",
    )
    dispute = Dispute.objects.get()
    assert admin_client.get(reverse("admin:billing_dispute_change", args=[dispute.pk])).status_code == 200
    admin_client.post(
        reverse("admin:billing_dispute_changelist"),
        {"action": "assign_to_me", "_selected_action": [dispute.pk]},
    )
    dispute.refresh_from_db()
    assert dispute.assigned_to is not None and dispute.status == "under_review"
