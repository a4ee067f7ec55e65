"""Starting and ending a view-as session (an agent seeing the portal as a customer user)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csol.audit import recorder
from csol.audit.context import Actor
from csol.audit.models import AuditAction, ImpersonationSession


def impersonation_allowed(*, agent, user) -> bool:
    """Agents may view as active customer or partner users; never as another agent."""
    return bool(
        agent.is_active
        and agent.is_staff
        and user.is_active
        and not user.is_staff
        and not user.is_superuser
        and agent.pk != user.pk
    )


@transaction.atomic
def impersonation_start(*, agent, user, reason: str, ip: str | None) -> ImpersonationSession:
    """Open a recorded view-as session; any session the agent left open is ended first."""
    if not impersonation_allowed(agent=agent, user=user):
        raise PermissionDenied(_("You cannot view the portal as this user."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why, for example the call or ticket number."))
    now = timezone.now()
    for left_open in ImpersonationSession.objects.select_for_update().filter(
        agent=agent, ended_at__isnull=True
    ):
        _end(left_open, now=now, ip=ip)
    session = ImpersonationSession.objects.create(
        agent=agent, user=user, reason=reason[:200], started_at=now, ip=ip
    )
    recorder.record(
        AuditAction.IMPERSONATION_START,
        obj=user,
        customer_id=_first_customer_id(user),
        changes={"reason": session.reason, "session": session.pk},
        actor=Actor(user_id=agent.pk, label=agent.get_username(), acting_as_id=user.pk, ip=ip, source="web"),
    )
    return session


@transaction.atomic
def impersonation_end(*, session: ImpersonationSession, ip: str | None = None) -> ImpersonationSession:
    """Close the session (idempotent) and record it."""
    session = (
        ImpersonationSession.objects.select_for_update().select_related("agent", "user").get(pk=session.pk)
    )
    if session.ended_at is None:
        _end(session, now=timezone.now(), ip=ip)
    return session


def _end(session, *, now, ip):
    session.ended_at = now
    session.save(update_fields=["ended_at"])
    agent, user = session.agent, session.user
    recorder.record(
        AuditAction.IMPERSONATION_END,
        obj=user,
        customer_id=_first_customer_id(user),
        changes={"session": session.pk},
        actor=Actor(user_id=agent.pk, label=agent.get_username(), acting_as_id=user.pk, ip=ip, source="web"),
    )


def _first_customer_id(user):
    return (
        user.memberships.filter(is_active=True)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .first()
    )
