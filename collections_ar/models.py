"""Receivables: payments, their allocation to invoices, credits, write-offs, reconciliation, dunning.

The money invariants live in the database (CheckConstraints on the running totals) and in one
service (`collections_ar.services.allocation`), which locks the payment then the invoices by id.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from csol.core.models import ACTOR_LINK, ActorEvent
from csol.core.tenancy import CustomerOwnedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class PaymentMethod(models.TextChoices):
    EFT = "eft", _("Electronic funds transfer")
    CHEQUE = "cheque", _("Cheque")
    CREDIT_CARD = "credit_card", _("Credit card")
    PAD = "pad", _("Pre-authorised debit")
    WIRE = "wire", _("Wire transfer")


class PaymentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VOID = "void", _("Void")


# A payment is voided only while nothing of it is allocated (checked by the service).
PAYMENT_TRANSITIONS = {
    PaymentStatus.RECEIVED: {PaymentStatus.VOID},
    PaymentStatus.VOID: set(),
}


class CustomerCreditProfile(models.Model):
    """Receivables settings of one customer: dunning, automatic hold, methods, interest."""

    customer = models.OneToOneField(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="credit_profile"
    )
    do_not_dun = models.BooleanField(
        _("do not dun"), default=False, help_text=_("No payment reminders are sent.")
    )
    auto_credit_hold = models.BooleanField(
        _("automatic credit hold"),
        null=True,
        blank=True,
        help_text=_("Empty: follow the portal-wide setting."),
    )
    accepted_methods = models.JSONField(_("accepted payment methods"), default=list, blank=True)
    remittance_instructions = models.TextField(_("remittance instructions"), blank=True)
    annual_interest_rate = models.DecimalField(
        _("annual interest rate on overdue amounts (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer credit profile")
        verbose_name_plural = _("customer credit profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(annual_interest_rate__isnull=True) | models.Q(annual_interest_rate__gte=0),
                name="credit_profile_interest_non_negative",
            )
        ]

    def __str__(self):
        return str(self.customer)


class PaymentQuerySet(CustomerOwnedQuerySet):
    pass


class Payment(models.Model):
    """Money received from a customer; what is not allocated is unapplied cash on its account."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("date received"))
    method = models.CharField(_("payment method"), max_length=12, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    # Running total kept by the allocation service under the payment's row lock.
    allocated = models.DecimalField(_("allocated"), default=0, **MONEY)
    reference = models.CharField(
        _("reference"), max_length=60, blank=True, help_text=_("Cheque number, EFT trace.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.RECEIVED
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), **ACTOR_LINK)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "status", "received_on"], name="payment_customer_status_date")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(allocated__gte=0), name="payment_allocated_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(allocated__lte=models.F("amount")), name="payment_allocated_within_amount"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=PaymentMethod.values), name="payment_method_valid"
            ),
        ]

    def __str__(self):
        return self.number or _("Payment %(id)s") % {"id": self.pk}

    @property
    def unapplied(self):
        return self.amount - self.allocated if self.status == PaymentStatus.RECEIVED else 0


class InvoiceAccount(models.Model):
    """The receivable side of one issued invoice or credit note, with its running totals.

    For an invoice: `paid` (payments allocated), `credited` (credit notes applied), `written_off`.
    For a credit note: `credited` is how much of it was applied to invoices. Either way the open
    amount is `total − paid − credited − written_off` and the database refuses it below zero.
    """

    invoice = models.OneToOneField(
        "billing.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="receivable",
    )
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(_("total"), **MONEY)
    paid = models.DecimalField(_("payments allocated"), default=0, **MONEY)
    credited = models.DecimalField(_("credits applied"), default=0, **MONEY)
    written_off = models.DecimalField(_("written off"), default=0, **MONEY)
    open_balance = models.DecimalField(_("open balance"), **MONEY)

    class Meta:
        verbose_name = _("invoice account")
        verbose_name_plural = _("invoice accounts")
        indexes = [models.Index(fields=["customer", "open_balance"], name="invoice_account_customer_open")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(paid__gte=0, credited__gte=0, written_off__gte=0, total__gte=0),
                name="invoice_account_parts_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(open_balance__gte=0), name="invoice_account_open_non_negative"
            ),
            # Within half a cent rather than equal: SQLite evaluates the arithmetic in floating point
            # (PostgreSQL's numeric is exact); amounts have two places, so this is still exact to the cent.
            models.CheckConstraint(
                condition=LessThan(
                    Abs(
                        models.F("total")
                        - models.F("paid")
                        - models.F("credited")
                        - models.F("written_off")
                        - models.F("open_balance")
                    ),
                    models.Value(Decimal("0.005")),
                ),
                name="invoice_account_open_is_rest",
            ),
        ]

    def __str__(self):
        return str(self.invoice)


class AllocationQuerySet(models.QuerySet):
    def in_force(self):
        """Allocations not reversed: those the payment's and the invoice's running totals count."""
        return self.filter(reversed_at__isnull=True)


class Allocation(models.Model):
    """Part of a payment applied to one invoice (until an agent reverses it)."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **ACTOR_LINK)
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    # A reversed allocation stays as history; its amount no longer counts in the running totals.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reversed by"), **ACTOR_LINK)
    reversal_reason = models.CharField(_("reason for the reversal"), max_length=250, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(reversed_at__isnull=True, reversed_by__isnull=True, reversal_reason="")
                | (
                    models.Q(reversed_at__isnull=False, reversed_by__isnull=False)
                    & ~models.Q(reversal_reason="")
                ),
                name="allocation_reversal_complete",
            ),
        ]

    def __str__(self):
        return f"{self.payment} → {self.invoice}: {self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class CreditApplication(models.Model):
    """Part of a credit note applied to one invoice (linked credit notes are applied automatically)."""

    credit_note = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        related_name="credit_applications",
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="credits_received",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    applied_on = models.DateField(_("applied on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), **ACTOR_LINK)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit note application")
        verbose_name_plural = _("credit note applications")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_application_positive")
        ]

    def __str__(self):
        return f"{self.credit_note} → {self.invoice}: {self.amount}"


class WriteOffReason(models.TextChoices):
    SMALL_BALANCE = "small_balance", _("Small balance")
    BAD_DEBT = "bad_debt", _("Bad debt")
    BANK_FEES = "bank_fees", _("Bank fees deducted")
    GOODWILL = "goodwill", _("Goodwill")
    OTHER = "other", _("Other")


class WriteOff(models.Model):
    """An amount of an invoice an agent gave up collecting, with the reason."""

    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="write_offs"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=16, choices=WriteOffReason.choices)
    note = models.CharField(_("note"), max_length=250, blank=True)
    written_off_on = models.DateField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-written_off_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="write_off_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(reason__in=WriteOffReason.values), name="write_off_reason_valid"
            ),
        ]

    def __str__(self):
        return f"{self.invoice}: {self.amount}"


class EventKind(models.TextChoices):
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    PAYMENT_VOIDED = "payment_voided", _("Payment voided")
    ALLOCATED = "allocated", _("Payment allocated")
    ALLOCATION_REVERSED = "allocation_reversed", _("Allocation reversed")
    CREDIT_APPLIED = "credit_applied", _("Credit note applied")
    WRITTEN_OFF = "written_off", _("Written off")
    CREDIT_HOLD = "credit_hold", _("Put on credit hold")
    CREDIT_RELEASE = "credit_release", _("Credit hold released")
    REMITTANCE_CONFIRMED = "remittance_confirmed", _("Remittance line confirmed")


class ReceivableEvent(ActorEvent):
    """Audit trail of every write on a customer's account, with who did it."""

    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("receivables event")
        verbose_name_plural = _("receivables events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="ar_event_customer_time")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.customer}"


class CollectionNote(models.Model):
    """A collector's note on a customer's account."""

    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="collection_notes"
    )
    text = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection note")
        verbose_name_plural = _("collection notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="collection_note_customer_time")]

    def __str__(self):
        return self.text[:60]


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class PromiseToPay(models.Model):
    """A customer's promise, taken by a collector, to pay an amount by a date."""

    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="payment_promises"
    )
    promised_on = models.DateField(_("promised payment date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("note"), max_length=250, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["promised_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_amount_positive")
        ]

    def __str__(self):
        return f"{self.customer}: {self.amount} ({self.promised_on})"


class RemittanceImport(models.Model):
    """One bank remittance file as imported; the same file (by content hash) is imported once."""

    file_name = models.CharField(_("file name"), max_length=200)
    file_hash = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_recorded = models.PositiveIntegerField(_("rows recorded"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("rows already imported"), default=0)
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank remittance import")
        verbose_name_plural = _("bank remittance imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return self.file_name


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    UNMATCHED = "unmatched", _("Left unmatched")


class MatchKind(models.TextChoices):
    INVOICE_NUMBER = "invoice_number", _("Invoice number")
    AMOUNT = "amount", _("Exact amount of one open invoice")
    CUSTOMER_REFERENCE = "customer_reference", _("Customer reference")
    NONE = "none", _("No match")


class RemittanceLine(models.Model):
    """One row of a bank remittance file, with the match the portal proposes."""

    remittance_import = models.ForeignKey(
        RemittanceImport, verbose_name=_("import"), on_delete=models.PROTECT, related_name="lines"
    )
    line_number = models.PositiveIntegerField(_("line"))
    # Hash of the row's content and its occurrence in the file: a row is recorded once across files.
    row_hash = models.CharField(_("row hash"), max_length=64, unique=True)
    received_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    payer_reference = models.CharField(_("payer reference"), max_length=120, blank=True)
    details = models.CharField(_("details"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.PROPOSED
    )
    match_kind = models.CharField(
        _("match"), max_length=20, choices=MatchKind.choices, default=MatchKind.NONE
    )
    customer = models.ForeignKey(
        "core.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remittance_line",
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), **ACTOR_LINK)

    class Meta:
        verbose_name = _("bank remittance line")
        verbose_name_plural = _("bank remittance lines")
        ordering = ["remittance_import", "line_number"]
        indexes = [models.Index(fields=["status", "received_on"], name="remittance_line_status_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="remittance_line_amount_positive")
        ]

    def __str__(self):
        return f"{self.remittance_import} #{self.line_number}"


class InvoiceShare(models.Model):
    """The part of an amount received that is meant for one invoice: one row of a split."""

    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        abstract = True


class RemittanceMatch(InvoiceShare):
    """A proposed (or agent-split) share of a remittance line for one invoice."""

    line = models.ForeignKey(
        RemittanceLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="matches"
    )

    class Meta:
        verbose_name = _("proposed match")
        verbose_name_plural = _("proposed matches")
        constraints = [
            models.UniqueConstraint(fields=["line", "invoice"], name="remittance_match_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="remittance_match_positive"),
        ]

    def __str__(self):
        return f"{self.line} → {self.invoice}"


class PayerReference(models.Model):
    """A bank payer reference known to belong to a customer (learned when an agent confirms a line)."""

    reference = models.CharField(_("payer reference"), max_length=120, unique=True)
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("payer reference")
        verbose_name_plural = _("payer references")

    def __str__(self):
        return self.reference


class AdviceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RECONCILED = "reconciled", _("Reconciled")


class RemittanceAdviceQuerySet(CustomerOwnedQuerySet):
    pass


class RemittanceAdvice(models.Model):
    """A customer telling CSO it paid: which invoices, how much, the reference, the date."""

    customer = models.ForeignKey(
        "core.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="remittance_advices",
    )
    paid_on = models.DateField(_("payment date"))
    method = models.CharField(_("payment method"), max_length=12, choices=PaymentMethod.choices)
    reference = models.CharField(_("payment reference"), max_length=60)
    amount = models.DecimalField(_("total paid"), **MONEY)
    note = models.CharField(_("message"), max_length=500, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="collections_ar/remittances/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AdviceStatus.choices, default=AdviceStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    objects = RemittanceAdviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance advice")
        verbose_name_plural = _("remittance advices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="advice_status_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="advice_amount_positive")
        ]

    def __str__(self):
        return f"{self.customer}: {self.reference}"


class RemittanceAdviceLine(InvoiceShare):
    """How much of a remittance advice the customer says is for one invoice."""

    advice = models.ForeignKey(
        RemittanceAdvice, verbose_name=_("remittance advice"), on_delete=models.CASCADE, related_name="lines"
    )

    class Meta:
        verbose_name = _("remittance advice line")
        verbose_name_plural = _("remittance advice lines")
        constraints = [
            models.UniqueConstraint(fields=["advice", "invoice"], name="advice_line_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="advice_line_positive"),
        ]

    def __str__(self):
        return f"{self.advice} → {self.invoice}"


class ReminderStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped (caught up)")
    NO_CONTACT = "no_contact", _("No contact to send to")
    FAILED = "failed", _("Failed")


class DunningReminder(models.Model):
    """One reminder level of one invoice: written before the email, so it is never sent twice."""

    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="reminders"
    )
    level = models.CharField(_("level"), max_length=20)
    offset_days = models.SmallIntegerField(_("days from due date"))
    status = models.CharField(_("status"), max_length=10, choices=ReminderStatus.choices)
    run_on = models.DateField(_("run date"))
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="dunning_reminder_once_per_level")
        ]
        indexes = [models.Index(fields=["invoice", "offset_days"], name="dunning_invoice_offset")]

    def __str__(self):
        return f"{self.invoice} {self.level}"
