from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csol.core.models.users import AccessRowsQuerySet, ids_concerned


class Scope(models.TextChoices):
    """What a business partner may do for a customer."""

    VIEW = "view", _("View")
    ORDER = "order", _("Orders")
    SERVICE_REQUESTS = "service_requests", _("Service requests")


class Partner(models.Model):
    """A business partner organisation that acts for customers."""

    number = models.CharField(_("partner number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("preferred language"), max_length=2, default="en")

    class Meta:
        verbose_name = _("business partner")
        verbose_name_plural = _("business partners")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerAuthorisationQuerySet(AccessRowsQuerySet):
    def _access_targets(self, changes):
        return {"partner_ids": ids_concerned(self, "partner_id", changes, "partner", "partner_id")}

    def in_force(self, *, on=None):
        """Authorisations valid on the given date (today by default) and not revoked."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )

    def with_scope(self, scope: str):
        if scope == Scope.ORDER:
            return self.filter(can_order=True)
        if scope == Scope.SERVICE_REQUESTS:
            return self.filter(can_service_requests=True)
        return self


class PartnerAuthorisation(models.Model):
    """A partner's right to act for one customer, within scopes, for a period."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("business partner"), on_delete=models.CASCADE, related_name="authorisations"
    )
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="partner_authorisations"
    )
    can_order = models.BooleanField(_("may submit orders"), default=False)
    can_service_requests = models.BooleanField(_("may submit service requests"), default=False)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = PartnerAuthorisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner authorisation")
        verbose_name_plural = _("partner authorisations")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "customer"],
                condition=models.Q(revoked_at__isnull=True),
                name="partner_authorisation_one_live_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="partner_authorisation_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.partner} → {self.customer}"
