"""Who must confirm each sign-in with a second factor, remembered in the session for a few minutes."""

import time

from django.conf import settings
from django_otp import user_has_device

from csol.core.models import Membership, PartnerAuthorisation

SESSION_KEY = "csol_2fa_required"


def two_factor_required(user) -> bool:
    """Agents always; users of a company that requires it; partners acting for such a company."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return settings.CSOL_AGENT_TWO_FACTOR
    if Membership.objects.filter(user=user, is_active=True, customer__require_two_factor=True).exists():
        return True
    if user.partner_id:
        return (
            PartnerAuthorisation.objects.in_force()
            .filter(partner_id=user.partner_id, customer__require_two_factor=True)
            .exists()
        )
    return False


def remember(request, user) -> bool:
    required = two_factor_required(user)
    request.session[SESSION_KEY] = [required, int(time.time())]
    return required


def required_for(request) -> bool:
    """The session's answer, recomputed when older than TWO_FACTOR_RECHECK_SECONDS (a policy may change)."""
    stored = request.session.get(SESSION_KEY)
    if stored and time.time() - stored[1] < settings.TWO_FACTOR_RECHECK_SECONDS:
        return bool(stored[0])
    return remember(request, request.user)


def is_verified(request) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)
