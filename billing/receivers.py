"""Cache invalidation for the invoice list's totals: a decoupled concern, so a signal.

Any save or delete of an invoice gives its customer a new InvoiceListVersion token once the
transaction commits (a rolled-back change keeps the token; a change made outside a transaction
renews it at once). Services save invoices one by one, so the signals see their changes; the jobs
that write invoices in bulk (generation, issuing and PDFs by batches: no signals) call
`renew_invoice_list_versions` for the customers they touched.

After the commit, not inside the transaction: the token row is then never held locked while a
transaction works on several customers' invoices (no lock waits or deadlocks between writers), and
a reader never caches totals under a token that a later commit of the same change would renew
without changing the rows it read. A page computed between the commit and the renewal caches fresh
figures under the old token, which is harmless.
"""

from uuid import uuid4

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from billing.models import Invoice, InvoiceListVersion


class InvoiceListRenewal:
    """The after-commit renewal of some customers' tokens, in one statement (in the customers' order,
    so two renewals at once never wait on each other in a cycle)."""

    def __init__(self, customer_ids):
        self.customer_ids = sorted(set(customer_ids))
        self.done = False
        # Django names a robust on_commit callback that failed by its __qualname__ when it logs it.
        self.__qualname__ = type(self).__qualname__

    def __call__(self):
        self.done = True
        InvoiceListVersion.objects.bulk_create(
            [
                InvoiceListVersion(customer_id=customer_id, token=uuid4().hex)
                for customer_id in self.customer_ids
            ],
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["token"],
        )


def _waiting_for_commit() -> set[int]:
    """Customers whose renewal already waits for this transaction's commit. Callbacks of a savepoint
    that is rolled back leave Django's list, so a change after it registers its own."""
    waiting = connection.run_on_commit if connection.in_atomic_block else []
    return {
        customer_id
        for _sids, func, _robust in waiting
        if isinstance(func, InvoiceListRenewal) and not func.done
        for customer_id in func.customer_ids
    }


def renew_invoice_list_versions(customer_ids) -> None:
    """Renew the customers' tokens when the current transaction commits, once per transaction: a
    transaction issuing a thousand invoices of one customer renews its token once."""
    customer_ids = set(customer_ids) - _waiting_for_commit()
    if customer_ids:
        transaction.on_commit(InvoiceListRenewal(customer_ids), robust=True)


@receiver(post_save, sender=Invoice, dispatch_uid="billing-invoice-list-version-save")
@receiver(post_delete, sender=Invoice, dispatch_uid="billing-invoice-list-version-delete")
def on_invoice_changed(sender, instance, **kwargs):
    renew_invoice_list_versions([instance.customer_id])
