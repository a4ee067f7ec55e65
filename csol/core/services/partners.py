"""Writes on partners' authorisations to act for customers."""

from django.db import transaction
from django.utils import timezone

from csol.core.models import PartnerAuthorisation


def partner_authorisation_revoke(*, authorisation: PartnerAuthorisation, at=None) -> bool:
    """Revoke an authorisation now (the partner loses the customer at once); False if already revoked.

    Saved row by row, never with QuerySet.update(): each revocation is in the audit trail with its author.
    """
    with transaction.atomic():
        locked = PartnerAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = at or timezone.now()
        locked.save(update_fields=["revoked_at"])
    authorisation.revoked_at = locked.revoked_at
    return True
