"""Installed base. The fields marked INTERFACE are used by other apps: keep their names."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from csol.core.tenancy import CustomerOwnedQuerySet


class RecordStatus(models.TextChoices):
    INSTALLED = "installed", _("Installed")
    MOVED = "moved", _("Moved")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class InventoryRecordQuerySet(CustomerOwnedQuerySet):
    pass


class InventoryRecord(models.Model):
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="inventory_records"
    )  # INTERFACE
    site = models.ForeignKey("core.Site", verbose_name=_("installed at"), on_delete=models.PROTECT, related_name="+")  # INTERFACE
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    serial_number = models.CharField(_("serial number"), max_length=40, blank=True)  # INTERFACE
    machine_type = models.CharField(_("machine type"), max_length=8, blank=True)  # INTERFACE (copied from product)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    install_date = models.DateField(_("install date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)  # INTERFACE
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.INSTALLED
    )  # INTERFACE
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # INTERFACE
    contracts = models.ManyToManyField(
        "contracts.Contract", verbose_name=_("covering contracts"), blank=True, related_name="covered_records"
    )  # INTERFACE: contract.covered_records

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
        ]

    def __str__(self):
        return f"{self.machine_type}-{self.serial_number}" if self.serial_number else str(self.product_id)
