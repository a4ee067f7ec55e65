"""What the apps' history rows share: who did something, and when; which email went to whom."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A row's link to the user who did something: empty when the system did it (a scheduled job), and a
# user who did something cannot be deleted (deactivate them). For such links not called `actor`:
# `models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), **ACTOR_LINK)`.
ACTOR_LINK = {"on_delete": models.PROTECT, "null": True, "blank": True, "related_name": "+"}


class ActorEvent(models.Model):
    """One entry of an object's history: who did it and when; the app's model says what happened.

    `created_at` is stamped when the row is inserted; an event model whose service passes its own
    clock (the service desk's, for its service-level times) overrides it with `default=timezone.now`.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **ACTOR_LINK)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True


class SentEmail(models.Model):
    """One email sent to one address, written in the same transaction as the send (see
    csol.core.emails.send_once): the app's model adds what it was about and a unique key over that
    and `recipient`, so a retried job never sends it twice."""

    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=2)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        abstract = True
