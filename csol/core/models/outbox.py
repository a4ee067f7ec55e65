import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class OutboxJob(models.Model):
    """A background task recorded with the business change that asked for it, sent after commit.

    The row commits (or rolls back) with the request's own writes, so a task is never lost when the
    broker is down and never sent for work that was rolled back. `outbox_sweep` sends rows that were
    not picked up. The row's `id` is the Celery task id: a task may run twice, never zero times.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("outbox job")
        verbose_name_plural = _("outbox jobs")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=OutboxState.values), name="outbox_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.task_name} ({self.get_state_display()})"
