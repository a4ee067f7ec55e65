"""Writes on billing documents. Import services from here: `from billing.services import invoice_issue`."""

from billing.services.disputes import (
    dispute_accept,
    dispute_amount_validate,
    dispute_assign,
    dispute_open,
    dispute_reject,
    dispute_reply,
    dispute_transition,
)
from billing.services.documents import (
    invoice_documents_deliver,
    invoice_email_resend,
    invoice_email_send,
    invoice_pdf_bytes,
    invoice_pdf_store,
    invoice_pdfs_store,
    invoices_email_send,
)
from billing.services.generation import GenerationResult, invoice_generation_run
from billing.services.invoices import (
    ImmutableInvoice,
    IssueResult,
    credit_note_create,
    invoice_cancel,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_recalculate,
    invoice_transition,
    invoice_update_draft,
    invoices_issue,
    invoices_recalculate,
    next_number,
)
from billing.services.options import billing_options_update
from billing.services.settlement import invoice_settle

__all__ = [
    "GenerationResult",
    "ImmutableInvoice",
    "IssueResult",
    "billing_options_update",
    "credit_note_create",
    "dispute_accept",
    "dispute_amount_validate",
    "dispute_assign",
    "dispute_open",
    "dispute_reject",
    "dispute_reply",
    "dispute_transition",
    "invoice_cancel",
    "invoice_draft_create",
    "invoice_documents_deliver",
    "invoice_email_resend",
    "invoice_email_send",
    "invoice_generation_run",
    "invoice_issue",
    "invoice_line_add",
    "invoice_line_remove",
    "invoice_pdf_bytes",
    "invoice_pdf_store",
    "invoice_pdfs_store",
    "invoice_recalculate",
    "invoice_settle",
    "invoice_transition",
    "invoice_update_draft",
    "invoices_email_send",
    "invoices_issue",
    "invoices_recalculate",
    "next_number",
]
