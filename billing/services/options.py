"""Billing options: how a customer wants to be invoiced."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from billing.models import BillingOptions


def billing_options_update(*, customer, actor, viewer=None, **values) -> BillingOptions:
    """Save the customer's options (its administrators, accounts-payable users and agents)."""
    if viewer is not None and not viewer.can("pay", customer.pk):
        raise PermissionDenied
    allowed = {"mode", "po_required", "language", "extra_emails"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(sorted(unknown))
    with transaction.atomic():
        options, _created = BillingOptions.objects.select_for_update().get_or_create(
            customer=customer, defaults={**values, "updated_by": actor}
        )
        if not _created:
            for name, value in values.items():
                setattr(options, name, value)
            options.updated_by = actor
            options.save(update_fields=[*values, "updated_by", "updated_at"])
    return options
