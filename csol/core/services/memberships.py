"""Writes on users, memberships and invitations of a customer company."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csol.core.models import Customer, Invitation, Membership, Role

INVITATION_SALT = "csol.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.id, "email": invitation.email}, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation behind a link; ValidationError when tampered, expired or used."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This invitation has expired. Ask your administrator for a new one.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This invitation link is not valid.")) from exc
    invitation = Invitation.objects.filter(id=data.get("id"), email=data.get("email")).select_related("customer").first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used. Sign in instead."))
    return invitation


def membership_invite(*, customer: Customer, email: str, role: str, invited_by, build_url) -> Invitation:
    """Record an invitation and email its signed link, in the customer's language, after commit."""
    from csol.core.emails import send_templated_email

    email = email.strip().lower()
    if Membership.objects.filter(customer=customer, user__email=email, is_active=True).exists():
        raise ValidationError(_("This person is already a member of your company."))
    invitation = Invitation.objects.create(customer=customer, email=email, role=role, invited_by=invited_by)
    link = build_url(invitation_token(invitation))
    transaction.on_commit(
        lambda: send_templated_email(
            to=[email],
            template="emails/invitation",
            language=customer.language,
            context={"customer": customer, "link": link, "invited_by": invited_by, "days": settings.INVITATION_MAX_AGE.days},
        )
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str | None):
    """Create (or reuse) the invited user and give them the role; returns the user."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used. Sign in instead."))
    User = get_user_model()
    user = User.objects.filter(email=invitation.email).first()
    if user is None:
        user = User.objects.create_user(
            invitation.email, password, full_name=full_name, language=invitation.customer.language
        )
    Membership.objects.update_or_create(
        user=user, customer=invitation.customer, defaults={"role": invitation.role, "is_active": True}
    )
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def _guard_last_administrator(membership: Membership, new_role: str | None, active: bool):
    if membership.role != Role.ADMINISTRATOR or (active and new_role == Role.ADMINISTRATOR):
        return
    others = Membership.objects.filter(customer=membership.customer, role=Role.ADMINISTRATOR, is_active=True).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(_("A company keeps at least one active administrator."))


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Choose a valid role."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _guard_last_administrator(membership, role, True)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor) -> Membership:
    """End a user's access to the company at once; with no company left, the account is disabled."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.user_id == actor.id:
        raise PermissionDenied(_("You cannot deactivate yourself."))
    _guard_last_administrator(membership, None, False)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    user = membership.user
    if not user.memberships.filter(is_active=True).exists() and not user.is_staff:
        # An inactive user fails authentication on the next request: all sessions end at once.
        user.is_active = False
        user.save(update_fields=["is_active"])
    return membership


def user_set_language(*, user, language: str) -> None:
    if getattr(user, "is_authenticated", False) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])

