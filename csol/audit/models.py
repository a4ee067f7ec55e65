"""The audit trail: who did what, when, to which customer's data. Rows are never changed."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    SIGN_OUT = "sign_out", _("Signed out")
    ACCESS_DENIED = "access_denied", _("Access denied")
    IMPERSONATION_START = "impersonation_start", _("Started viewing as a customer user")
    IMPERSONATION_END = "impersonation_end", _("Stopped viewing as a customer user")
    TWO_FACTOR_ENABLED = "2fa_enabled", _("Set up two-step verification")
    TWO_FACTOR_FAILED = "2fa_failed", _("Failed two-step verification")
    BACKUP_CODES = "2fa_backup_codes", _("Generated new backup codes")


class AuditEventQuerySet(models.QuerySet):
    """Audit rows are written once: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise PermissionError("audit events are immutable")

    def delete(self):
        raise PermissionError("audit events are immutable")

    def for_object(self, obj):
        """Events about one object."""
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One thing that happened: a change to customer data, a sign-in, a denied access.

    Foreign keys carry no database constraint and nothing cascades: deleting a user or a customer
    must never delete or block their history.
    """

    at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor"), max_length=150, help_text=_("Email address at the time, or “system” for background jobs.")
    )
    acting_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewing as"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text=_("The customer user an agent was viewing the portal as."),
    )
    source = models.CharField(_("source"), max_length=12, default="web")
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of object"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "core.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_at"),
            models.Index(fields=["customer", "-at"], name="audit_customer_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["-at"], name="audit_at"),
        ]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.get_action_display()} {self.object_repr}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are immutable")


class ImpersonationSession(models.Model):
    """An agent viewing the portal as a customer user, read-only, to help them on the phone."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer user"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(
        _("reason"), max_length=200, help_text=_("For example the call or ticket number.")
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("view-as session")
        verbose_name_plural = _("view-as sessions")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["agent", "-started_at"], name="impersonation_agent_started")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="impersonation_ended_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.agent} → {self.user} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
