from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csol.core.models.users import AccessRowsQuerySet, ids_concerned


class Role(models.TextChoices):
    """A user's role within one customer company."""

    ADMINISTRATOR = "admin", _("Administrator")
    BUYER = "buyer", _("Buyer")
    ACCOUNTS_PAYABLE = "ap", _("Accounts payable")
    VIEWER = "viewer", _("Viewer")


class MembershipQuerySet(AccessRowsQuerySet):
    def _access_targets(self, changes):
        return {"user_ids": ids_concerned(self, "user_id", changes, "user", "user_id")}


class Membership(models.Model):
    """A user's belonging to a customer, with one role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["customer", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "customer"], name="membership_unique_user_customer"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.customer} ({self.get_role_display()})"


class Invitation(models.Model):
    """An administrator's invitation of a colleague; the emailed link is signed and expires."""

    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email
