"""Contracts, licences and renewals. The fields marked INTERFACE are used by other apps."""

from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.dates import cancellation_deadline
from csol.core.models import ACTOR_LINK
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


# Allowed status moves. Expired and renewed are reached by the daily job or a renewal; a terminated or
# renewed term never comes back. An expired term may still be renewed late.
TRANSITIONS: dict[str, set[str]] = {
    ContractStatus.DRAFT: {ContractStatus.ACTIVE, ContractStatus.TERMINATED},
    ContractStatus.ACTIVE: {
        ContractStatus.EXPIRING,
        ContractStatus.EXPIRED,
        ContractStatus.RENEWED,
        ContractStatus.TERMINATED,
    },
    ContractStatus.EXPIRING: {ContractStatus.EXPIRED, ContractStatus.RENEWED, ContractStatus.TERMINATED},
    ContractStatus.EXPIRED: {ContractStatus.RENEWED},
    ContractStatus.RENEWED: set(),
    ContractStatus.TERMINATED: set(),
}
# Statuses of a contract in force (covered, billed, reminded).
IN_FORCE = (ContractStatus.ACTIVE, ContractStatus.EXPIRING)


class ContractQuerySet(CustomerOwnedQuerySet):
    def in_force(self):
        """Active or expiring contracts."""
        return self.filter(status__in=IN_FORCE)

    def ending_between(self, first: date, last: date):
        """Contracts whose end date falls within [first, last]."""
        return self.filter(end_date__gte=first, end_date__lte=last)


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
        _("billing frequency"),
        max_length=10,
        choices=BillingFrequency.choices,
        default=BillingFrequency.ANNUAL,
    )
    amount_per_period = models.DecimalField(
        _("amount per period"), max_digits=14, decimal_places=2, default=0
    )
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=30)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("renewal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    term_number = models.PositiveSmallIntegerField(_("term"), default=1)
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contract contacts"),
        blank=True,
        related_name="contact_for_contracts",
        help_text=_("People of the customer who receive the renewal reminders of this contract."),
    )
    non_renewal_noticed_at = models.DateTimeField(_("notice not to renew received"), null=True, blank=True)
    non_renewal_noticed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("notice not to renew given by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["end_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ContractKind.values), name="contract_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_per_period__gte=0), name="contract_amount_per_period_non_negative"
            ),
        ]
        indexes = [
            # The portal list: a customer's contracts by end date, filtered by status or kind.
            models.Index(fields=["customer", "end_date", "number"], name="contract_customer_end"),
            models.Index(fields=["customer", "status", "end_date"], name="contract_customer_status_end"),
            models.Index(fields=["customer", "kind", "end_date"], name="contract_customer_kind_end"),
            # The daily reminder job: contracts in force by end date, across customers.
            models.Index(fields=["status", "end_date"], name="contract_status_end"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("contracts:detail", kwargs={"number": self.number})

    @property
    def cancellation_deadline(self) -> date | None:
        """Last day to give notice not to renew (see contracts.dates.cancellation_deadline)."""
        if self.end_date is None:
            return None  # a contract being entered in the back office
        return cancellation_deadline(self.end_date, self.notice_days or 0)

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def will_auto_renew(self) -> bool:
        """Renews by itself at its end: auto-renew and no notice not to renew."""
        return self.auto_renew and self.non_renewal_noticed_at is None

    def days_left(self, today: date | None = None) -> int:
        return (self.end_date - (today or timezone.localdate())).days


class ContractEvent(models.Model):
    """A status move or a notable act on a contract, with who did it (none for the daily job)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ContractStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ContractStatus.choices, blank=True)
    note = models.CharField(_("note"), max_length=250, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **ACTOR_LINK)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["contract", "at", "id"]

    def __str__(self):
        return f"{self.contract.number} {self.from_status}→{self.to_status}"


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
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="billing_period_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="billing_period_amount_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} {self.start_date}–{self.end_date}"


class LicenceMetric(models.TextChoices):
    PER_USER = "user", _("Per user")
    PER_CORE = "core", _("Per processor core")
    PER_INSTALL = "install", _("Per install")
    PER_DEVICE = "device", _("Per device")
    ENTERPRISE = "enterprise", _("Enterprise")


class EntitlementQuerySet(CustomerOwnedQuerySet):
    pass


class Entitlement(models.Model):
    """A software licence granted to a customer: what, how many, for how long, and the proof of it."""

    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="entitlements"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entitlements",
    )
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    metric = models.CharField(_("licence metric"), max_length=12, choices=LicenceMetric.choices)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(
        _("term end"), null=True, blank=True, help_text=_("Empty for a perpetual licence.")
    )
    licence_key = models.CharField(_("licence key or proof of entitlement"), max_length=120)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("software entitlement")
        verbose_name_plural = _("software entitlements")
        ordering = ["customer", "term_end", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="entitlement_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True) | models.Q(term_end__gte=models.F("term_start")),
                name="entitlement_term_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(metric__in=LicenceMetric.values), name="entitlement_metric_valid"
            ),
        ]
        indexes = [models.Index(fields=["customer", "term_end", "id"], name="entitlement_customer_end")]

    def __str__(self):
        return f"{self.product_id} × {self.quantity} ({self.licence_key})"


def contract_document_path(instance, filename):
    # The stored name never comes from the user: uploads are served by a view, never by the web server.
    return f"contracts/{instance.contract_id}/{timezone.now():%Y%m%d%H%M%S}-{instance.contract_id}.pdf"


class ContractDocument(models.Model):
    """A signed contract, schedule or amendment (PDF), served only to who may see the contract."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=150)
    file = models.FileField(_("file"), upload_to=contract_document_path)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["contract", "-uploaded_at"]

    def __str__(self):
        return self.title


class RenewalRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PROCESSED = "processed", _("Renewed")
    DECLINED = "declined", _("Declined")


class RenewalRequestQuerySet(CustomerOwnedQuerySet):
    customer_field = "contract__customer"


class RenewalRequest(models.Model):
    """A customer's or partner's request to renew a contract, for an agent to process."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="renewal_requests"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RenewalRequestStatus.choices,
        default=RenewalRequestStatus.SUBMITTED,
    )
    po_number = models.CharField(_("purchase order number"), max_length=40, blank=True)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("processed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    agent_note = models.CharField(_("agent's note"), max_length=250, blank=True)
    renewed_contract = models.ForeignKey(
        Contract,
        verbose_name=_("renewed term"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RenewalRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("renewal request")
        verbose_name_plural = _("renewal requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per contract: a second one would be processed twice.
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status="submitted"),
                name="renewal_request_one_open_per_contract",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RenewalRequestStatus.values),
                name="renewal_request_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="renewal_request_status_at")]

    def __str__(self):
        return _("Renewal request %(id)s for %(contract)s") % {
            "id": self.pk,
            "contract": self.contract.number,
        }


class RenewalRequestLine(models.Model):
    """A quantity change asked for one entitlement of the contract."""

    request = models.ForeignKey(
        RenewalRequest, verbose_name=_("renewal request"), on_delete=models.CASCADE, related_name="lines"
    )
    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="+"
    )
    current_quantity = models.PositiveIntegerField(_("current quantity"))
    requested_quantity = models.PositiveIntegerField(_("requested quantity"))

    class Meta:
        verbose_name = _("quantity change")
        verbose_name_plural = _("quantity changes")
        constraints = [
            models.UniqueConstraint(fields=["request", "entitlement"], name="renewal_request_line_unique"),
        ]

    def __str__(self):
        return f"{self.entitlement_id}: {self.current_quantity} → {self.requested_quantity}"


class RenewalReminder(models.Model):
    """One renewal reminder of a contract's term at one offset: written before the email, never twice."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="reminders"
    )
    offset_days = models.PositiveSmallIntegerField(_("days before the end"))
    term_end = models.DateField(_("term end"))
    created_at = models.DateTimeField(_("due since"), default=timezone.now)
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.TextField(
        _("recipients"), blank=True, help_text=_("Addresses already emailed, one a line.")
    )

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "offset_days", "term_end"],
                name="renewal_reminder_once_per_offset_and_term",
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} −{self.offset_days}"
