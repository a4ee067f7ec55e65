"""The PDF of an issued document (rendered once, stored, served from storage) and its emails."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.models import DocumentLanguage, Invoice, InvoiceEmail, InvoiceStatus
from billing.taxes import taxes_by_kind
from csol.core.emails import send_templated_email
from csol.core.models import Role
from csol.core.selectors import customer_contacts

logger = logging.getLogger(__name__)
# WeasyPrint logs every rendering step at INFO; one line per step per invoice drowns the job logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def document_languages(invoice: Invoice) -> list[str]:
    """Languages of the document, in order: French first for a bilingual one."""
    if invoice.language == DocumentLanguage.BILINGUAL:
        return ["fr", "en"]
    return [invoice.language if invoice.language in ("fr", "en") else "fr"]


def invoice_document_context(invoice: Invoice) -> dict:
    """Everything the PDF shows; only stored values of the issued document, so a re-render is identical."""
    taxes = list(invoice.taxes.all())
    return {
        "invoice": invoice,
        "customer": invoice.customer,
        "bill_to": invoice.bill_to,
        "lines": list(invoice.lines.all()),
        "taxes": taxes,
        "taxes_by_kind": taxes_by_kind(taxes),
        "supplier": settings.CSOL_SUPPLIER,
        "languages": document_languages(invoice),
        "terms_days": (invoice.due_date - invoice.issue_date).days
        if invoice.due_date and invoice.issue_date
        else None,
    }


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render the document with WeasyPrint as a tagged PDF (PDF/UA-1), deterministically."""
    from weasyprint import HTML

    context = invoice_document_context(invoice)
    main = context["languages"][0]
    with translation.override(main):
        html = render_to_string("billing/pdf/invoice.html", context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    # A fixed identifier and the dates in the template's meta make the bytes repeatable.
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=(invoice.number or "draft").encode())


def invoice_pdf_store(*, invoice: Invoice) -> Invoice:
    """Render and store the PDF of an issued document once; later calls return the stored one."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "bill_to", "credited_invoice")
            .get(pk=invoice.pk)
        )
        if invoice.status == InvoiceStatus.DRAFT:
            return invoice
        if invoice.pdf and invoice.pdf.storage.exists(invoice.pdf.name):
            return invoice
        content = invoice_pdf_bytes(invoice)
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(content), save=False)
        invoice.pdf_sha256 = hashlib.sha256(content).hexdigest()
        invoice.save(update_fields=["pdf", "pdf_sha256"])
    return invoice


def invoice_recipients(invoice: Invoice) -> list[tuple[str, str]]:
    """(email, language) of the people who receive the customer's invoices."""
    from billing.selectors import billing_options_for

    recipients: dict[str, str] = {}
    for user in customer_contacts(
        customer=invoice.customer, roles=[Role.ADMINISTRATOR, Role.ACCOUNTS_PAYABLE]
    ):
        recipients[user.email.lower()] = user.language
    document_language = document_languages(invoice)[0]
    for email in billing_options_for(customer=invoice.customer).extra_email_list:
        recipients.setdefault(email.lower(), document_language)
    # Quebec customers are served in French whatever the person's setting (Charter of the French language).
    if invoice.customer.province == "QC":
        recipients = dict.fromkeys(recipients, "fr")
    return sorted(recipients.items())


def invoice_email_send(*, invoice: Invoice, event: str = "issued", actor=None) -> bool:
    """Email the document with its PDF to its recipients, once per event; False when already done."""
    invoice = invoice_pdf_store(invoice=invoice)
    if invoice.status == InvoiceStatus.DRAFT:
        return False
    recipients = invoice_recipients(invoice)
    try:
        with transaction.atomic():
            log = InvoiceEmail.objects.create(
                invoice=invoice,
                event=event,
                requested_by=actor,
                recipients="\n".join(e for e, _l in recipients),
            )
    except IntegrityError:
        return False
    with invoice.pdf.open("rb") as handle:
        content = handle.read()
    for email, language in recipients:
        send_templated_email(
            to=[email],
            template="billing/emails/invoice_issued",
            language=language,
            context={"invoice": invoice, "customer": invoice.customer},
            attachments=[(f"{invoice.number}.pdf", content, "application/pdf")],
        )
    log.sent_at = timezone.now()
    log.save(update_fields=["sent_at"])
    return True


def invoice_email_resend(*, invoice: Invoice, actor=None) -> str:
    """Queue the document's email again (an agent's request): a new event key each time."""
    from billing.tasks import invoice_email_task
    from csol.core.jobs import enqueue

    event = f"resend-{timezone.now():%Y%m%dT%H%M%S%f}"
    enqueue(invoice_email_task, invoice.pk, event, getattr(actor, "pk", None))
    return event
