"""Invoices and credit notes. The fields marked INTERFACE are used by other apps: keep their names."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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
    pass


class Invoice(models.Model):
    """An invoice or a credit note; once issued it never changes (corrections are credit notes)."""

    number = models.CharField(
        _("number"), max_length=20, unique=True, null=True, blank=True, help_text=_("Assigned when issued.")
    )  # INTERFACE
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)  # INTERFACE
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )  # INTERFACE
    bill_to = models.ForeignKey("core.Site", verbose_name=_("bill-to site"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )  # INTERFACE
    issue_date = models.DateField(_("issue date"), null=True, blank=True)  # INTERFACE
    due_date = models.DateField(_("due date"), null=True, blank=True)  # INTERFACE
    po_number = models.CharField(_("purchase order number"), max_length=40, blank=True)  # INTERFACE
    reference = models.CharField(_("your reference"), max_length=60, blank=True)
    province = models.CharField(_("place of supply"), max_length=2)
    language = models.CharField(_("language"), max_length=2, default="fr")
    net_total = models.DecimalField(_("total before tax"), max_digits=14, decimal_places=2, default=0)  # INTERFACE
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

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]

    def __str__(self):
        return self.number or _("Draft %(id)s") % {"id": self.pk}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")  # INTERFACE
    line_number = models.PositiveSmallIntegerField(_("line"))
    description = models.CharField(_("description"), max_length=250)  # INTERFACE
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)  # INTERFACE
    tax_category = models.CharField(_("tax category"), max_length=12)
    # Business keys: each source is invoiced exactly once (unique, so a second run cannot duplicate).
    order_line = models.OneToOneField(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_line"
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


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


# Disputes in these statuses hold their amount out of dunning (receivables reads this).
DISPUTE_HOLDING_STATUSES = (DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW)


class Dispute(models.Model):
    """A customer's contestation of a whole invoice or some of its lines."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="disputes")  # INTERFACE
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )  # INTERFACE
    amount = models.DecimalField(_("disputed amount"), max_digits=14, decimal_places=2)  # INTERFACE
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="dispute_amount_positive")]

    def __str__(self):
        return f"{self.invoice} ({self.get_status_display()})"
