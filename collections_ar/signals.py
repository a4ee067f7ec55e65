"""React to billing issuing a credit note that corrects an invoice: apply it after commit.

A listener rather than a call from billing because billing may not import receivables (apps to the
left know nothing of apps to the right). The daily dunning run sweeps the same way, so a credit note
saved without this signal (bulk update, raw SQL) is still applied the next morning.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from billing.models import DocumentKind, Invoice
from collections_ar.services.allocation import CREDIT_NOTE_STATUSES
from csol.core.jobs import enqueue


@receiver(post_save, sender=Invoice, dispatch_uid="collections_ar.credit_note_issued")
def credit_note_issued(sender, instance: Invoice, raw=False, **kwargs):
    if raw or instance.kind != DocumentKind.CREDIT_NOTE or not instance.credited_invoice_id:
        return
    if instance.status not in CREDIT_NOTE_STATUSES:
        return
    from collections_ar.tasks import credit_notes_apply

    enqueue(credit_notes_apply, instance.customer_id)
