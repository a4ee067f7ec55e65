"""Receivables background jobs: thin wrappers that re-fetch and call one service."""

import logging

from celery import shared_task

from collections_ar.services import credit_hold_auto_run, linked_credit_notes_apply
from collections_ar.services import dunning as dunning_service

logger = logging.getLogger(__name__)


@shared_task(name="collections_ar.tasks.dunning_run")
def dunning_run() -> dict:
    """Daily: apply linked credit notes, send reminders due, then automatic credit holds."""
    applied = linked_credit_notes_apply()
    result = dunning_service.dunning_run()
    held = credit_hold_auto_run()
    logger.info(
        "dunning_run sent=%s skipped=%s no_contact=%s emails=%s credits_applied=%s held=%s",
        result.sent,
        result.skipped,
        result.no_contact,
        result.emails,
        applied,
        len(held),
    )
    return {"sent": result.sent, "skipped": result.skipped, "emails": result.emails, "held": len(held)}


@shared_task(name="collections_ar.tasks.credit_notes_apply")
def credit_notes_apply(customer_id: int) -> int:
    """Apply a customer's issued credit notes to the invoices they correct (safe to run twice)."""
    return linked_credit_notes_apply(customer_id=customer_id)
