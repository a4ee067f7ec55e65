"""Contracts, licences and renewals. The fields marked INTERFACE are used by other apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from csol.core.tenancy import CustomerOwnedQuerySet


class ContractKind(models.TextChoices):
    HARDWARE_MAINTENANCE = "hw_maintenance", _("Hardware maintenance")
    SOFTWARE_SUBSCRIPTION = "sw_subscription", _("Software subscription and support")
    SERVICE_AGREEMENT = "service", _("Service agreement")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    TERMINATED = "terminated", _("Terminated")


class BillingFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")
    UPFRONT = "upfront", _("Upfront")


class ContractQuerySet(CustomerOwnedQuerySet):
    pass


class Contract(models.Model):
    number = models.CharField(_("contract number"), max_length=20, unique=True)  # INTERFACE
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )  # INTERFACE
    kind = models.CharField(_("kind"), max_length=16, choices=ContractKind.choices)  # INTERFACE
    start_date = models.DateField(_("start date"))  # INTERFACE
    end_date = models.DateField(_("expiry date"))  # INTERFACE
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )  # INTERFACE
    service_level = models.CharField(_("service level"), max_length=60, blank=True)
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=10, choices=BillingFrequency.choices, default=BillingFrequency.ANNUAL
    )
    amount_per_period = models.DecimalField(_("amount per period"), max_digits=14, decimal_places=2, default=0)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=30)
    previous = models.OneToOneField(
        "self", verbose_name=_("renewal of"), on_delete=models.PROTECT, null=True, blank=True, related_name="renewal"
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["end_date", "number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="contract_dates_ordered"),
        ]

    def __str__(self):
        return self.number


class BillingPeriod(models.Model):
    """One period of a contract's billing schedule, invoiced exactly once by billing."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="billing_periods"
    )  # INTERFACE
    start_date = models.DateField(_("period start"))  # INTERFACE
    end_date = models.DateField(_("period end"))  # INTERFACE
    due_on = models.DateField(_("to invoice on"), db_index=True)  # INTERFACE
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)  # INTERFACE

    class Meta:
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        ordering = ["contract", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "start_date"], name="billing_period_unique_start"),
        ]

    def __str__(self):
        return f"{self.contract.number} {self.start_date}–{self.end_date}"
