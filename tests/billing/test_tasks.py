"""After issue: the PDF is rendered once by a task after commit, and the email goes once."""

from decimal import Decimal

import pytest
from django.core import mail

from billing.models import BillingOptions, Invoice, InvoiceEmail
from billing.receivers import InvoiceListRenewal
from billing.services import (
    invoice_documents_deliver,
    invoice_email_resend,
    invoice_email_send,
    invoice_pdf_store,
)
from billing.tasks import invoice_document_task, invoice_documents_task
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


def _issued(customer, count):
    """Issued invoices whose PDFs and emails are not done yet (the after-commit job is not run)."""
    return [make_invoice(customer, [(Decimal("10.00"), "standard", None)]) for _ in range(count)]


def test_a_batch_of_documents_costs_the_queries_of_one(customer, customer_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    BillingOptions.objects.create(
        customer=customer, language="fr", mode="per_order", extra_emails="ap@acme.example"
    )
    one, three = _issued(customer, 1), _issued(customer, 3)
    with CaptureQueriesContext(connection) as single:
        assert invoice_documents_task.delay([i.pk for i in one]).get() == 1
    with CaptureQueriesContext(connection) as batch:
        assert invoice_documents_task.delay([i.pk for i in three]).get() == 3
    assert len(batch) == len(single)
    assert len(mail.outbox) == 4 * 2  # the administrator and the extra address, for each invoice
    stored = Invoice.objects.filter(pk__in=[i.pk for i in one + three])
    assert all(i.pdf and len(i.pdf_sha256) == 64 for i in stored)
    assert InvoiceEmail.objects.filter(event="issued", sent_at__isnull=False).count() == 4
    # Each attachment is its own invoice's PDF, as stored.
    for message in mail.outbox:
        invoice = next(i for i in stored if i.number in message.subject)
        with invoice.pdf.open("rb") as handle:
            assert message.attachments[0][1] == handle.read()


def test_an_email_another_job_wrote_meanwhile_is_left_to_it(customer, customer_user, monkeypatch):
    from billing.services import documents

    invoices = _issued(customer, 3)
    InvoiceEmail.objects.create(invoice=invoices[1], event="issued")  # written by another job ...
    monkeypatch.setattr(documents, "_emailed", lambda invoices, event: set())  # ... after we looked
    invoice_documents_task.delay([i.pk for i in invoices])
    assert sorted(m.subject.split()[1] for m in mail.outbox) == sorted(
        [invoices[0].number, invoices[2].number]
    )
    assert InvoiceEmail.objects.filter(event="issued").count() == 3


def test_a_mail_failure_releases_the_emails_not_tried_for_the_retry(customer, customer_user, monkeypatch):
    from billing.services import documents

    invoices = _issued(customer, 3)
    real_send = documents.send_templated_email

    def relay_down_for_the_second(**kwargs):
        if invoices[1].number in kwargs["attachments"][0][0]:
            raise ConnectionError("relay down")
        real_send(**kwargs)

    monkeypatch.setattr(documents, "send_templated_email", relay_down_for_the_second)
    with pytest.raises(ConnectionError):
        invoice_documents_deliver(invoice_ids=[i.pk for i in invoices])
    emails = {e.invoice_id: e for e in InvoiceEmail.objects.filter(event="issued")}
    assert emails[invoices[0].pk].sent_at is not None
    # The one that failed may have reached someone: kept, never sent twice. The third was not tried.
    assert emails[invoices[1].pk].sent_at is None and invoices[2].pk not in emails
    monkeypatch.setattr(documents, "send_templated_email", real_send)
    assert invoice_documents_deliver(invoice_ids=[i.pk for i in invoices]) == 1  # the retry
    assert [m.subject.split()[1] for m in mail.outbox] == [invoices[0].number, invoices[2].number]


def test_a_document_that_fails_to_render_does_not_hold_back_the_others(customer, customer_user, monkeypatch):
    from billing.services import documents

    invoices = _issued(customer, 3)
    real_render = documents.invoice_pdf_bytes

    def broken_for_the_second(invoice):
        if invoice.pk == invoices[1].pk:
            raise ValueError("bad document")
        return real_render(invoice)

    monkeypatch.setattr(documents, "invoice_pdf_bytes", broken_for_the_second)
    with pytest.raises(ValueError, match="bad document"):  # the job fails, visibly, after the others
        invoice_documents_deliver(invoice_ids=[i.pk for i in invoices])
    stored = {i.pk: bool(i.pdf) for i in Invoice.objects.filter(pk__in=[i.pk for i in invoices])}
    assert stored == {invoices[0].pk: True, invoices[1].pk: False, invoices[2].pk: True}
    assert sorted(m.subject.split()[1] for m in mail.outbox) == sorted(
        [invoices[0].number, invoices[2].number]
    )
    monkeypatch.setattr(documents, "invoice_pdf_bytes", real_render)
    assert invoice_documents_deliver(invoice_ids=[i.pk for i in invoices]) == 1  # fixed: only the second
