"""Background jobs of billing: thin, take ids, re-fetch, safe to run twice."""

import logging
from datetime import date

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from billing.models import Invoice, InvoiceStatus
from csol.core.task_base import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks.invoice_generation_run")
def invoice_generation_run(
    on: str | None = None, customer_id: int | None = None, actor_id: int | None = None
) -> dict:
    """Invoice delivered order lines and due billing periods, then issue ready drafts (beat and admin)."""
    from django.contrib.auth import get_user_model

    from billing.services.generation import invoice_generation_run as run
    from csol.core.jobs import enqueue

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        result = run(on=date.fromisoformat(on) if on else None, customer_id=customer_id, actor=actor)
    except SoftTimeLimitExceeded:
        # Every batch commits on its own, so what is done stays done: a new run takes the rest now
        # rather than at the next beat.
        logger.warning("invoice generation stopped at its time limit; continuing in a new run")
        enqueue(invoice_generation_run, on, customer_id, actor_id)
        return {"continued": True}
    return {
        "order_lines": result.order_lines,
        "billing_periods": result.billing_periods,
        "skipped": result.skipped,
        "issued": result.issued,
        "held": result.held,
    }


# Storing the PDF may also meet a passing file-system error (shared storage): retried with the
# transient errors every task retries, not instead of them.
@shared_task(
    name="billing.tasks.invoice_documents_task", autoretry_for=(*TRANSIENT_ERRORS, OSError), max_retries=3
)
def invoice_documents_task(invoice_ids: list[int]) -> int:
    """After issue: render and store a batch's PDFs, then send each issue email (each once)."""
    from billing.services.documents import invoice_documents_deliver

    return invoice_documents_deliver(invoice_ids=invoice_ids, event="issued")


@shared_task(
    name="billing.tasks.invoice_document_task", autoretry_for=(*TRANSIENT_ERRORS, OSError), max_retries=3
)
def invoice_document_task(invoice_id: int) -> None:
    """One document's PDF and issue email: jobs queued before issuing went by batches."""
    from billing.services.documents import invoice_documents_deliver

    invoice_documents_deliver(invoice_ids=[invoice_id], event="issued")


@shared_task(name="billing.tasks.invoice_email_task")
def invoice_email_task(invoice_id: int, event: str, actor_id: int | None = None) -> None:
    """Send a document's email for one event (e.g. an agent's re-send); the event key makes it once."""
    from django.contrib.auth import get_user_model

    from billing.services.documents import invoice_email_send

    invoice = Invoice.objects.filter(pk=invoice_id).exclude(status=InvoiceStatus.DRAFT).first()
    if invoice is None:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    invoice_email_send(invoice=invoice, event=event, actor=actor)


@shared_task(name="billing.tasks.dispute_email_task")
def dispute_email_task(dispute_id: int, key: str) -> int:
    """Email one dispute event (opened, a message, a decision); the key row makes each email once."""
    from billing.models import Dispute
    from billing.services.dispute_notices import dispute_email_send

    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None:
        return 0
    return dispute_email_send(dispute=dispute, key=key)
