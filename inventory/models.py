"""Installed base. The fields marked INTERFACE are used by other apps: keep their names."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from csol.core.models import SentEmail
from csol.core.tenancy import CustomerOwnedQuerySet


class RecordStatus(models.TextChoices):
    # A context, because "Installed" is also an order status, whose French agrees with "commande".
    INSTALLED = "installed", pgettext_lazy("installed-base status", "Installed")
    MOVED = "moved", pgettext_lazy("installed-base status", "Moved")
    DECOMMISSIONED = "decommissioned", pgettext_lazy("installed-base status", "Decommissioned")


# Allowed status moves. A move to another site is "moved" (also from "moved": a second move); a
# decommissioned machine comes back only when an agent reinstates it.
TRANSITIONS: dict[str, set[str]] = {
    RecordStatus.INSTALLED: {RecordStatus.MOVED, RecordStatus.DECOMMISSIONED},
    RecordStatus.MOVED: {RecordStatus.MOVED, RecordStatus.INSTALLED, RecordStatus.DECOMMISSIONED},
    RecordStatus.DECOMMISSIONED: {RecordStatus.INSTALLED},
}


class InventoryRecordQuerySet(CustomerOwnedQuerySet):
    pass


class InventoryRecord(models.Model):
    customer = models.ForeignKey(
        "core.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="inventory_records",
    )  # INTERFACE
    site = models.ForeignKey(
        "core.Site", verbose_name=_("installed at"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    serial_number = models.CharField(_("serial number"), max_length=40, blank=True)  # INTERFACE
    machine_type = models.CharField(
        _("machine type"), max_length=8, blank=True
    )  # INTERFACE (copied from product)
    # Copied from the product like the machine type, so a type-model lookup (9080-HEX) reads one index.
    model = models.CharField(_("model"), max_length=8, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    install_date = models.DateField(_("install date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)  # INTERFACE
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.INSTALLED
    )  # INTERFACE
    order_line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # INTERFACE
    contracts = models.ManyToManyField(
        "contracts.Contract", verbose_name=_("covering contracts"), blank=True, related_name="covered_records"
    )  # INTERFACE: contract.covered_records
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InventoryRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("inventory record")
        verbose_name_plural = _("inventory records")
        ordering = ["customer", "machine_type", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_type", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="inventory_serial_unique_per_machine_type",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="inventory_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=RecordStatus.values), name="inventory_status_valid"
            ),
            # Serial numbers are stored upper case (services normalise them), so lookups compare
            # with "=" and "LIKE 'X%'" and use the indexes below rather than UPPER() scans.
            models.CheckConstraint(
                condition=models.Q(serial_number=Upper("serial_number")), name="inventory_serial_upper_case"
            ),
        ]
        indexes = [
            # Exact and prefix serial lookups across customers (agents); varchar_pattern_ops lets
            # PostgreSQL answer LIKE 'ABC%' from the b-tree whatever the database collation.
            models.Index(
                fields=["serial_number"], name="inventory_serial_idx", opclasses=["varchar_pattern_ops"]
            ),
            # The same within one customer (the portal always filters by customer first).
            models.Index(
                fields=["customer", "serial_number"],
                name="inventory_cust_serial_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["customer", "machine_type", "model"], name="inventory_cust_type_idx"),
            models.Index(fields=["machine_type", "model"], name="inventory_type_model_idx"),
            # Machine type prefixes ("90" while typing 9080) across customers.
            models.Index(
                fields=["machine_type"], name="inventory_type_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            # The portal list's order (by site, then type, model and serial number): the first page is
            # read from this index, without sorting every record of the customer.
            models.Index(
                fields=["customer", "site", "machine_type", "model", "serial_number", "id"],
                name="inventory_list_order_idx",
            ),
            models.Index(fields=["customer", "status", "warranty_end"], name="inventory_cust_status_idx"),
            models.Index(fields=["customer", "product"], name="inventory_cust_product_idx"),
        ]

    def __str__(self):
        if self.serial_number:
            return f"{self.machine_type}-{self.serial_number}" if self.machine_type else self.serial_number
        return _("%(product)s (no serial number)") % {"product": self.product.sku}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inventory:detail", args=[self.pk])

    @property
    def type_model(self) -> str:
        return "-".join(part for part in (self.machine_type, self.model) if part)


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    DELIVERED = "delivered", _("Created from a delivery")
    IMPORTED = "imported", _("Imported")
    MOVED = "moved", _("Moved to another site")
    STATUS = "status", _("Status changed")
    SERIAL = "serial", _("Serial number corrected")
    EDITED = "edited", _("Edited")
    COVERAGE = "coverage", _("Coverage changed")


class RecordEvent(models.Model):
    """One line of a record's history: what changed, from what to what, who and when."""

    record = models.ForeignKey(
        InventoryRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    change_request = models.ForeignKey(
        "inventory.ChangeRequest",
        verbose_name=_("change request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("record history event")
        verbose_name_plural = _("record history events")
        ordering = ["record", "-at", "-id"]
        indexes = [models.Index(fields=["record", "at"], name="inventory_event_record_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=EventKind.values), name="inventory_event_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.record} {self.get_kind_display()} {self.at:%Y-%m-%d}"

    def _display(self, value: str) -> str:
        if self.kind == EventKind.STATUS and value in RecordStatus.values:
            return RecordStatus(value).label
        return value

    @property
    def from_display(self) -> str:
        """The earlier value as shown to people (status codes in the active language)."""
        return self._display(self.from_value)

    @property
    def to_display(self) -> str:
        return self._display(self.to_value)

    from_display.fget.short_description = _("from")
    to_display.fget.short_description = _("to")


class ChangeKind(models.TextChoices):
    MOVE = "move", _("Moved to another site")
    DECOMMISSION = "decommission", _("Decommissioned")
    SERIAL = "serial", _("Serial number correction")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


CHANGE_TRANSITIONS: dict[str, set[str]] = {
    ChangeStatus.PENDING: {ChangeStatus.APPROVED, ChangeStatus.REJECTED},
    ChangeStatus.APPROVED: set(),
    ChangeStatus.REJECTED: set(),
}


class ChangeRequestQuerySet(CustomerOwnedQuerySet):
    pass


class ChangeRequest(models.Model):
    """A change reported by a customer administrator; applied to the record only when an agent approves."""

    record = models.ForeignKey(
        InventoryRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="change_requests"
    )
    # The record's customer, copied so tenancy filters need no join.
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("change"), max_length=12, choices=ChangeKind.choices)
    new_site = models.ForeignKey(
        "core.Site",
        verbose_name=_("new site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    new_serial_number = models.CharField(_("correct serial number"), max_length=40, blank=True)
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("reported"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("agent's note"), blank=True, max_length=2000)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("installed-base change request")
        verbose_name_plural = _("installed-base change requests")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="inventory_cr_status_idx"),
            models.Index(fields=["customer", "status"], name="inventory_cr_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ChangeKind.values), name="inventory_cr_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ChangeStatus.values), name="inventory_cr_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ChangeKind.MOVE) | models.Q(new_site__isnull=False),
                name="inventory_cr_move_has_site",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ChangeKind.SERIAL) | ~models.Q(new_serial_number=""),
                name="inventory_cr_serial_has_value",
            ),
            # One open request per record: a second report waits for the agents' decision.
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(status="pending"),
                name="inventory_cr_one_pending_per_record",
            ),
        ]

    def __str__(self):
        return _("%(change)s for %(record)s") % {"change": self.get_kind_display(), "record": self.record}


class ChangeRequestEmail(SentEmail):
    """The decision's email to whoever reported the change: written with the send, so it goes once."""

    change_request = models.ForeignKey(
        ChangeRequest, verbose_name=_("change request"), on_delete=models.CASCADE, related_name="emails"
    )
    event = models.CharField(_("event"), max_length=10, choices=ChangeStatus.choices)

    class Meta:
        verbose_name = _("change request email")
        verbose_name_plural = _("change request emails")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "event", "recipient"], name="inventory_cr_email_once"
            )
        ]

    def __str__(self):
        return f"{self.change_request_id} {self.event} → {self.recipient}"
