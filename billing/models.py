"""Invoices and credit notes. The fields marked INTERFACE are used by other apps: keep their names."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from csol.core.models import ActorEvent, SentEmail
from csol.core.tenancy import CustomerOwnedQuerySet


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class InvoiceQuerySet(CustomerOwnedQuerySet):
    def documents(self):
        """Issued documents (customers never see drafts)."""
        return self.exclude(status=InvoiceStatus.DRAFT)


class Invoice(models.Model):
    """An invoice or a credit note; once issued it never changes (corrections are credit notes)."""

    number = models.CharField(
        _("number"), max_length=20, unique=True, null=True, blank=True, help_text=_("Assigned when issued.")
    )  # INTERFACE
    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE
    )  # INTERFACE
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )  # INTERFACE
    bill_to = models.ForeignKey(
        "core.Site", verbose_name=_("bill-to site"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )  # INTERFACE
    issue_date = models.DateField(_("issue date"), null=True, blank=True)  # INTERFACE
    due_date = models.DateField(_("due date"), null=True, blank=True)  # INTERFACE
    po_number = models.CharField(_("purchase order number"), max_length=40, blank=True)  # INTERFACE
    reference = models.CharField(_("your reference"), max_length=60, blank=True)
    province = models.CharField(_("place of supply"), max_length=2)
    language = models.CharField(
        _("language"), max_length=5, default="fr", help_text=_("fr, en or fr-en (bilingual).")
    )
    net_total = models.DecimalField(
        _("total before tax"), max_digits=14, decimal_places=2, default=0
    )  # INTERFACE
    tax_total = models.DecimalField(_("taxes"), max_digits=14, decimal_places=2, default=0)  # INTERFACE
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)  # INTERFACE
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credits invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )  # INTERFACE: a credit note points at the invoice it corrects
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Drafts built by the generation job: one open draft per grouping key (an order, a month, a contract).
    grouping_key = models.CharField(_("grouping key"), max_length=60, blank=True)
    issue_after = models.DateField(
        _("issue on or after"),
        null=True,
        blank=True,
        help_text=_("The generation job issues the draft from this date."),
    )
    pdf = models.FileField(_("PDF document"), upload_to="invoices/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("PDF checksum"), max_length=64, blank=True)
    credit_reason = models.CharField(_("reason for the credit"), max_length=250, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "status", "issue_date"], name="invoice_customer_status_date"),
            models.Index(fields=["customer", "issue_date", "id"], name="invoice_customer_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "grouping_key"],
                condition=models.Q(status="draft") & ~models.Q(grouping_key=""),
                name="invoice_one_draft_per_grouping_key",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(net_total__gte=0, tax_total__gte=0), name="invoice_amounts_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]

    def __str__(self):
        return self.number or str(_("Draft %(id)s") % {"id": self.pk})

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("billing:detail", kwargs={"number": self.number})

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return invoice_is_overdue(self.kind, self.status, self.due_date, today=timezone.localdate())


def invoice_is_overdue(kind: str, status: str, due_date, *, today) -> bool:
    """The overdue rule, also applied to the list's plain rows (which are not Invoice instances)."""
    return (
        kind == DocumentKind.INVOICE
        and status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
        and due_date is not None
        and due_date < today
    )


class InvoiceListVersion(models.Model):
    """Changes each time a customer's invoices change (billing/receivers.py, after commit).

    The invoice list's totals (count and sums of the filtered documents) are cached under a key
    holding this token, so a change of any invoice of the customer sends the next page view to the
    database, in every process (the token is read from the database, not from the cache).
    """

    customer = models.OneToOneField(
        "core.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    token = models.CharField(_("version"), max_length=32)

    class Meta:
        verbose_name = _("invoice list version")
        verbose_name_plural = _("invoice list versions")

    def __str__(self):
        return f"{self.customer_id}: {self.token}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )  # INTERFACE
    line_number = models.PositiveSmallIntegerField(_("line"))
    description = models.CharField(_("description"), max_length=250)  # INTERFACE
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)  # INTERFACE
    tax_category = models.CharField(_("tax category"), max_length=12)
    # Place of supply of this line: goods where shipped, services and licences by the customer's address.
    province = models.CharField(_("place of supply"), max_length=2, blank=True)
    reference = models.CharField(
        _("reference"), max_length=60, blank=True, help_text=_("Order or contract number.")
    )
    # Business keys: each source is invoiced exactly once (unique, so a second run cannot duplicate).
    order_line = models.OneToOneField(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_line",
    )  # INTERFACE
    billing_period = models.OneToOneField(
        "contracts.BillingPeriod",
        verbose_name=_("billing period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_line",
    )  # INTERFACE

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_number"], name="invoice_line_number_unique"),
        ]

    def __str__(self):
        return f"{self.invoice}/{self.line_number}"


class TaxKind(models.TextChoices):
    GST = "GST", _("GST")
    HST = "HST", _("HST")
    PST = "PST", _("PST")
    RST = "RST", _("RST")
    QST = "QST", _("QST")


# Federal taxes apply to every taxable category; provincial ones only to the standard category.
FEDERAL_TAX_KINDS = (TaxKind.GST, TaxKind.HST)


class TaxRate(models.Model):
    """A sales tax rate in force in a province or territory from a date (rates are data, not code)."""

    province = models.CharField(_("province or territory"), max_length=2)
    kind = models.CharField(_("tax"), max_length=3, choices=TaxKind.choices)
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=5, help_text=_("0.05 for 5%."))
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
        ordering = ["province", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["province", "kind", "valid_from"], name="tax_rate_unique_start"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lt=1), name="tax_rate_between_0_and_1"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="tax_rate_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.province} {self.kind} {self.rate * 100:g}% ({self.valid_from})"


class InvoiceTax(models.Model):
    """One tax of a document: a kind at a rate on the summed net of a (place of supply, category)."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="taxes"
    )
    kind = models.CharField(_("tax"), max_length=3, choices=TaxKind.choices)
    province = models.CharField(_("place of supply"), max_length=2)
    tax_category = models.CharField(_("tax category"), max_length=12)
    base = models.DecimalField(_("taxable amount"), max_digits=14, decimal_places=2)
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=5)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("invoice tax")
        verbose_name_plural = _("invoice taxes")
        ordering = ["invoice", "kind", "province", "tax_category"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind", "province", "tax_category"], name="invoice_tax_unique_group"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount}"


class InvoiceCounter(models.Model):
    """The last number given in a year: locked for update while an invoice is issued (gap-free)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice number counter")
        verbose_name_plural = _("invoice number counters")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class InvoiceEvent(ActorEvent):
    """What happened to a document, and who did it."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering = ["invoice", "created_at", "id"]

    def __str__(self):
        return f"{self.invoice} {self.action}"


class InvoiceEmail(models.Model):
    """One sending of a document's email: written before sending, so an event is mailed once."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="emails"
    )
    event = models.CharField(_("event"), max_length=40)
    recipients = models.TextField(_("recipients"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice email")
        verbose_name_plural = _("invoice emails")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "event"], name="invoice_email_once_per_event")
        ]

    def __str__(self):
        return f"{self.invoice} {self.event}"


class InvoicingMode(models.TextChoices):
    PER_ORDER = "per_order", _("One invoice per order")
    MONTHLY = "monthly", _("One consolidated invoice per month")


class DocumentLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")
    BILINGUAL = "fr-en", _("Bilingual (French first)")


class BillingOptions(models.Model):
    """How a customer wants to be invoiced."""

    customer = models.OneToOneField(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="billing_options"
    )
    mode = models.CharField(
        _("invoicing"), max_length=10, choices=InvoicingMode.choices, default=InvoicingMode.PER_ORDER
    )
    po_required = models.BooleanField(
        _("purchase order number required"),
        default=False,
        help_text=_("Invoices without a PO number are held."),
    )
    language = models.CharField(_("invoice language"), max_length=5, choices=DocumentLanguage.choices)
    extra_emails = models.TextField(
        _("other recipients"),
        blank=True,
        help_text=_("Email addresses that also receive invoices, one per line."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("billing options")
        verbose_name_plural = _("billing options")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=InvoicingMode.values), name="billing_options_mode_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=DocumentLanguage.values),
                name="billing_options_language_valid",
            ),
        ]

    def __str__(self):
        return str(self.customer)

    @property
    def extra_email_list(self) -> list[str]:
        return [e.strip() for e in self.extra_emails.replace(",", "\n").splitlines() if e.strip()]


class DisputeReason(models.TextChoices):
    PRICE = "price", _("Price")
    QUANTITY = "quantity", _("Quantity")
    NOT_RECEIVED = "not_received", _("Not received")
    TAX = "tax", _("Tax")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


# Disputes in these statuses hold their amount out of dunning (receivables reads this).
DISPUTE_HOLDING_STATUSES = (DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW)

# Allowed moves of a dispute.
DISPUTE_TRANSITIONS = {
    DisputeStatus.OPEN: {DisputeStatus.UNDER_REVIEW, DisputeStatus.ACCEPTED, DisputeStatus.REJECTED},
    DisputeStatus.UNDER_REVIEW: {DisputeStatus.ACCEPTED, DisputeStatus.REJECTED},
    DisputeStatus.ACCEPTED: {DisputeStatus.CLOSED},
    DisputeStatus.REJECTED: {DisputeStatus.CLOSED},
    DisputeStatus.CLOSED: set(),
}


class DisputeQuerySet(CustomerOwnedQuerySet):
    customer_field = "invoice__customer"


class Dispute(models.Model):
    """A customer's contestation of a whole invoice or some of its lines."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="disputes"
    )  # INTERFACE
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )  # INTERFACE
    amount = models.DecimalField(_("disputed amount"), max_digits=14, decimal_places=2)  # INTERFACE
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    reason = models.CharField(
        _("reason"), max_length=12, choices=DisputeReason.choices, default=DisputeReason.OTHER
    )
    lines = models.ManyToManyField(
        InvoiceLine,
        verbose_name=_("disputed lines"),
        blank=True,
        related_name="disputes",
        help_text=_("None means the whole invoice."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    target_response_date = models.DateField(_("target response date"), null=True, blank=True)
    agreed_amount = models.DecimalField(
        _("agreed amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=2000)
    credit_note = models.OneToOneField(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_dispute",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "target_response_date"], name="dispute_status_target")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="dispute_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=DisputeStatus.values), name="dispute_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.invoice} ({self.get_status_display()})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("billing:dispute", kwargs={"number": self.invoice.number, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in DISPUTE_HOLDING_STATUSES


class DisputeMessage(models.Model):
    """One message of the conversation between the customer and the agent."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    from_agent = models.BooleanField(_("from an agent"), default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute message")
        verbose_name_plural = _("dispute messages")
        ordering = ["dispute", "created_at", "id"]

    def __str__(self):
        return f"{self.dispute_id}: {self.body[:40]}"


class DisputeAttachment(models.Model):
    """A file sent with a dispute message; stored privately, served through a view that checks access."""

    message = models.ForeignKey(
        DisputeMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("dispute attachment")
        verbose_name_plural = _("dispute attachments")
        ordering = ["message", "id"]

    def __str__(self):
        return self.original_name


class DisputeEvent(ActorEvent):
    """A move of a dispute's status, with its actor."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["dispute", "created_at", "id"]

    def __str__(self):
        return f"{self.dispute_id}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self) -> str:
        return DisputeStatus(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return DisputeStatus(self.to_status).label


class DisputeEmail(SentEmail):
    """One email about a dispute to one address: written before sending, so each event is mailed once."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="emails"
    )
    # "opened", "message:<message id>" or "decision:<event id>".
    key = models.CharField(_("event"), max_length=40)

    class Meta:
        verbose_name = _("dispute email")
        verbose_name_plural = _("dispute emails")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "key", "recipient"], name="dispute_email_once_per_recipient"
            )
        ]

    def __str__(self):
        return f"{self.dispute_id} {self.key} → {self.recipient}"
