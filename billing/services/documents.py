"""The PDF of an issued document (rendered once, stored, served from storage) and its emails.

Jobs handle documents by batches, with a constant number of queries per batch: the invoices with
their lines and taxes, the recipients of all their customers, one insert of the email rows, one
update of the PDFs stored. Exactly once: a PDF is stored under the row lock only where none is
stored yet (a PDF another process stored meanwhile is kept); an email row, unique per (invoice,
event), is written before the email goes out.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation

from billing.models import DocumentLanguage, Invoice, InvoiceEmail
from billing.receivers import renew_invoice_list_versions
from billing.taxes import taxes_by_kind
from csol.audit.recorder import record_updated, stored_values
from csol.core.emails import send_templated_email
from csol.core.models import Role
from csol.core.selectors import customers_contacts

logger = logging.getLogger(__name__)
# WeasyPrint logs every rendering step at INFO; one line per step per invoice drowns the job logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

RECIPIENT_ROLES = [Role.ADMINISTRATOR, Role.ACCOUNTS_PAYABLE]
_renderer = threading.local()


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


def _font_config():
    """WeasyPrint's font configuration, built once per thread and reused by every render: loading the
    system fonts again for each document costs about a tenth of a render."""
    config = getattr(_renderer, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _renderer.font_config = FontConfiguration()
    return config


def invoice_pdf_source(invoice: Invoice) -> tuple[str, dict]:
    """The document's HTML and the options of its `write_pdf` (the benchmark renders the same)."""
    context = invoice_document_context(invoice)
    with translation.override(context["languages"][0]):
        html = render_to_string("billing/pdf/invoice.html", context)
    # A tagged PDF (PDF/UA-1); a fixed identifier and the dates in the meta make the bytes repeatable.
    return html, {"pdf_variant": "pdf/ua-1", "pdf_identifier": (invoice.number or "draft").encode()}


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render the document with WeasyPrint as a tagged PDF (PDF/UA-1), deterministically."""
    from weasyprint import HTML

    html, options = invoice_pdf_source(invoice)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config(), **options)


def _pdf_stored(invoice: Invoice) -> bool:
    return bool(invoice.pdf) and invoice.pdf.storage.exists(invoice.pdf.name)


def _documents(invoice_ids) -> list[Invoice]:
    """Issued documents among the ids, with what their PDF and emails show (one query)."""
    return list(
        Invoice.objects.documents()
        .filter(pk__in=list(invoice_ids))
        .select_related("customer", "customer__billing_options", "bill_to", "credited_invoice")
        .order_by("pk")
    )


@dataclass
class StoredPdfs:
    contents: dict[int, bytes] = field(default_factory=dict)  # the bytes stored now, by invoice id
    errors: dict[int, Exception] = field(default_factory=dict)  # the renders that failed, by invoice id

    def raise_first(self) -> None:
        if self.errors:
            raise next(iter(self.errors.values()))


def invoice_pdfs_store(*, invoices: list[Invoice]) -> StoredPdfs:
    """Render and store the PDFs of issued documents that have none.

    Rendering happens outside any transaction (no row stays locked while WeasyPrint works); storing
    locks the rows and keeps a PDF that another process stored meanwhile. A document that fails to
    render is logged and left without a PDF; the others are stored. The given objects are updated
    with what is stored.
    """
    result = StoredPdfs()
    to_render = [invoice for invoice in invoices if not invoice.is_draft and not _pdf_stored(invoice)]
    if not to_render:
        return result
    prefetch_related_objects(to_render, "lines", "taxes")
    rendered = {}
    for invoice in to_render:
        try:
            rendered[invoice.pk] = invoice_pdf_bytes(invoice)
        except Exception as error:  # one bad document must not hold back the batch's others
            logger.exception("invoice=%s PDF render failed", invoice.number)
            result.errors[invoice.pk] = error
    if not rendered:
        return result
    fields = ["pdf", "pdf_sha256"]
    with transaction.atomic():
        locked = list(Invoice.objects.select_for_update().filter(pk__in=list(rendered)).order_by("pk"))
        saved, before = [], {}
        for row in locked:
            if _pdf_stored(row):
                continue  # stored by a concurrent job since we looked: theirs stands
            before[row.pk] = stored_values(row, fields)
            content = rendered[row.pk]
            row.pdf.save(f"{row.number}.pdf", ContentFile(content), save=False)
            row.pdf_sha256 = hashlib.sha256(content).hexdigest()
            saved.append(row)
        Invoice.objects.bulk_update(saved, fields)
        record_updated(saved, fields, before)
        renew_invoice_list_versions(row.customer_id for row in saved)
    stored = {row.pk: row for row in locked}
    for invoice in invoices:
        if invoice.pk in stored:
            invoice.pdf, invoice.pdf_sha256 = stored[invoice.pk].pdf, stored[invoice.pk].pdf_sha256
    result.contents = {row.pk: rendered[row.pk] for row in saved}
    return result


def invoice_pdf_store(*, invoice: Invoice) -> Invoice:
    """Render and store the PDF of an issued document once; later calls return the stored one."""
    documents = _documents([invoice.pk])
    if not documents:
        return invoice  # a draft has no PDF
    invoice_pdfs_store(invoices=documents).raise_first()
    return documents[0]


def invoice_recipients(invoice: Invoice, contacts: list | None = None) -> list[tuple[str, str]]:
    """(email, language) of the people who receive the customer's invoices.

    `contacts`: the customer's administrators and accounts-payable users when the caller loaded them
    (for many invoices at once); read here otherwise.
    """
    from billing.selectors import billing_options_for

    if contacts is None:
        contacts = customers_contacts(customer_ids=[invoice.customer_id], roles=RECIPIENT_ROLES).get(
            invoice.customer_id, []
        )
    recipients: dict[str, str] = {}
    for user in contacts:
        recipients[user.email.lower()] = user.language
    document_language = document_languages(invoice)[0]
    for email in billing_options_for(customer=invoice.customer).extra_email_list:
        recipients.setdefault(email.lower(), document_language)
    # Quebec customers are served in French whatever the person's setting (Charter of the French language).
    if invoice.customer.province == "QC":
        recipients = dict.fromkeys(recipients, "fr")
    return sorted(recipients.items())


def _emailed(invoices, event: str) -> set[int]:
    """Ids of the invoices whose email for the event is already written."""
    return set(
        InvoiceEmail.objects.filter(invoice__in=invoices, event=event).values_list("invoice_id", flat=True)
    )


def _email_rows(invoices, *, event: str, actor, recipients: dict) -> dict[int, InvoiceEmail]:
    """Write the email row of each invoice not yet mailed for the event; the rows written, by invoice id.

    The row is unique per (invoice, event): when a concurrent job wrote some first, the batch insert
    fails and each row is tried alone, so each email belongs to exactly one job.
    """
    done = _emailed(invoices, event)

    def row(invoice):
        return InvoiceEmail(
            invoice=invoice,
            event=event,
            requested_by=actor,
            recipients="\n".join(email for email, _language in recipients[invoice.pk]),
        )

    pending = [invoice for invoice in invoices if invoice.pk not in done]
    try:
        with transaction.atomic():
            rows = InvoiceEmail.objects.bulk_create([row(invoice) for invoice in pending])
    except IntegrityError:
        rows = []
        for invoice in pending:
            log = row(invoice)
            try:
                with transaction.atomic():
                    log.save()
            except IntegrityError:
                continue
            rows.append(log)
    return {log.invoice_id: log for log in rows}


def invoices_email_send(
    *, invoices: list[Invoice], event: str = "issued", actor=None, contents: dict[int, bytes] | None = None
) -> list[int]:
    """Email each stored document with its PDF to its recipients, once per event; the ids mailed now.

    `contents`: PDF bytes the caller has just stored (read from storage otherwise). One mail
    connection serves the batch. When sending fails, the emails not attempted yet are released for
    the task's retry; the one that failed keeps its row, as it may have reached some recipients.
    """
    invoices = [invoice for invoice in invoices if not invoice.is_draft and invoice.pdf]
    if not invoices:
        return []
    contacts = customers_contacts(customer_ids={i.customer_id for i in invoices}, roles=RECIPIENT_ROLES)
    recipients = {i.pk: invoice_recipients(i, contacts.get(i.customer_id, [])) for i in invoices}
    rows = _email_rows(invoices, event=event, actor=actor, recipients=recipients)
    if not rows:
        return []
    contents = contents or {}
    sent: list[int] = []
    sending = None
    try:
        with get_connection() as connection:
            for invoice in invoices:
                if invoice.pk not in rows:
                    continue
                content = contents.get(invoice.pk)
                if content is None:
                    with invoice.pdf.open("rb") as handle:
                        content = handle.read()
                sending = invoice.pk
                for email, language in recipients[invoice.pk]:
                    send_templated_email(
                        to=[email],
                        template="billing/emails/invoice_issued",
                        language=language,
                        context={"invoice": invoice, "customer": invoice.customer},
                        attachments=[(f"{invoice.number}.pdf", content, "application/pdf")],
                        connection=connection,
                    )
                sent.append(invoice.pk)
                sending = None
    except Exception:
        untried = [row.pk for pk, row in rows.items() if pk not in sent and pk != sending]
        InvoiceEmail.objects.filter(pk__in=untried).delete()
        raise
    finally:
        InvoiceEmail.objects.filter(pk__in=[rows[pk].pk for pk in sent]).update(sent_at=timezone.now())
    return sent


def invoice_email_send(*, invoice: Invoice, event: str = "issued", actor=None) -> bool:
    """Email the document with its PDF to its recipients, once per event; False when already done."""
    documents = _documents([invoice.pk])
    stored = invoice_pdfs_store(invoices=documents)
    stored.raise_first()
    return bool(invoices_email_send(invoices=documents, event=event, actor=actor, contents=stored.contents))


def invoice_documents_deliver(*, invoice_ids: list[int], event: str = "issued") -> int:
    """A job's batch: store the PDFs of the issued documents, then email each once; returns how many
    were mailed. A document that failed to render fails the job after the others went out (its error
    decides whether the job is retried)."""
    documents = _documents(invoice_ids)
    stored = invoice_pdfs_store(invoices=documents)
    mailed = invoices_email_send(invoices=documents, event=event, contents=stored.contents)
    stored.raise_first()
    return len(mailed)


def invoice_email_resend(*, invoice: Invoice, actor=None) -> str:
    """Queue the document's email again (an agent's request): a new event key each time."""
    from billing.tasks import invoice_email_task
    from csol.core.jobs import enqueue

    event = f"resend-{timezone.now():%Y%m%dT%H%M%S%f}"
    enqueue(invoice_email_task, invoice.pk, event, getattr(actor, "pk", None))
    return event
