"""After issue: the PDF is rendered once by a task after commit, and the email goes once."""

from decimal import Decimal

import pytest
from django.core import mail

from billing.models import BillingOptions, Invoice, InvoiceEmail
from billing.receivers import InvoiceListRenewal
from billing.services import invoice_email_resend, invoice_email_send, invoice_pdf_store
from billing.tasks import invoice_document_task
from csol.core.models import Role
from tests.billing.factories import make_invoice
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_issue_renders_pdf_and_emails_after_commit(
    customer, customer_user, django_capture_on_commit_callbacks
):
    BillingOptions.objects.create(
        customer=customer, language="fr", mode="per_order", extra_emails="comptes@acme.example"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice = make_invoice(customer)
    # One job for the PDF and the emails (the others renew the invoice list's totals version).
    assert len([c for c in callbacks if not isinstance(c, InvoiceListRenewal)]) == 1
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.pdf.name.endswith(f"{invoice.number}.pdf") and len(invoice.pdf_sha256) == 64
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@acme.example", "comptes@acme.example"]
    message = mail.outbox[0]
    assert invoice.number in message.subject and "Facture" in message.subject
    assert message.attachments[0][0] == f"{invoice.number}.pdf"
    assert message.attachments[0][1][:5] == b"%PDF-"


def test_task_twice_sends_once_and_renders_once(customer, customer_user):
    invoice = make_invoice(customer)
    invoice_document_task.delay(invoice.pk)
    first = Invoice.objects.get(pk=invoice.pk)
    invoice_document_task.delay(invoice.pk)
    second = Invoice.objects.get(pk=invoice.pk)
    assert len(mail.outbox) == 1
    assert first.pdf.name == second.pdf.name and first.pdf_sha256 == second.pdf_sha256
    assert InvoiceEmail.objects.filter(invoice=invoice, event="issued").count() == 1


def test_task_ignores_drafts_and_missing_rows(customer):
    draft = make_invoice(customer, issue=False)
    invoice_document_task.delay(draft.pk)
    invoice_document_task.delay(999999)
    assert mail.outbox == []
    assert not Invoice.objects.get(pk=draft.pk).pdf


def test_resend_is_a_new_event(customer, customer_user, django_capture_on_commit_callbacks):
    invoice = make_invoice(customer)
    invoice_email_send(invoice=invoice)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_email_resend(invoice=invoice)
    assert len(mail.outbox) == 2
    assert InvoiceEmail.objects.filter(invoice=invoice).count() == 2


def test_recipients_are_admins_and_ap_in_french_for_quebec(customer, customer_user):
    member(customer, Role.ACCOUNTS_PAYABLE, email="ap-en@acme.example", language="en")
    member(customer, Role.BUYER, email="buyer@acme.example")
    invoice = make_invoice(customer, [(Decimal("10.00"), "standard", None)])
    invoice_email_send(invoice=invoice)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@acme.example", "ap-en@acme.example"]
    assert all("Facture" in m.subject for m in mail.outbox)


def test_stored_pdf_is_not_rendered_again(customer, monkeypatch):
    from billing.services import documents

    invoice = invoice_pdf_store(invoice=make_invoice(customer))
    monkeypatch.setattr(documents, "invoice_pdf_bytes", lambda invoice: pytest.fail("rendered twice"))
    assert invoice_pdf_store(invoice=invoice).pdf_sha256 == invoice.pdf_sha256
