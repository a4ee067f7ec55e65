"""Orders and delivery. The fields marked INTERFACE are used by other apps: keep their names."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from csol.core.tenancy import CustomerOwnedQuerySet


class ProductKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software")
    PUBLICATION = "publication", _("Publication")
    SERVICE = "service", _("Service")


class TaxCategory(models.TextChoices):
    """How sales taxes apply to a product; billing turns it into rates by province and date."""

    STANDARD = "standard", _("GST/HST and provincial sales tax")
    PST_EXEMPT = "pst_exempt", _("GST/HST only (exempt from provincial sales tax)")
    ZERO_RATED = "zero_rated", _("Zero-rated")


class Product(models.Model):
    sku = models.CharField(_("product number"), max_length=40, unique=True)  # INTERFACE
    kind = models.CharField(_("kind"), max_length=12, choices=ProductKind.choices)  # INTERFACE
    machine_type = models.CharField(_("machine type"), max_length=8, blank=True, db_index=True)  # INTERFACE
    model = models.CharField(_("model"), max_length=8, blank=True)  # INTERFACE
    licence_type = models.CharField(_("licence type"), max_length=60, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )  # INTERFACE
    tax_category = models.CharField(
        _("tax category"), max_length=12, choices=TaxCategory.choices, default=TaxCategory.STANDARD
    )  # INTERFACE
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="product_unit_price_non_negative"),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_fr if (translation.get_language() or "fr").startswith("fr") else self.name_en


class OrderStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALIDATED = "validated", _("Validated")
    SCHEDULED = "scheduled", _("Scheduled")
    PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    INSTALLED = "installed", _("Installed")
    COMPLETED = "completed", _("Completed")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled")


class OrderQuerySet(CustomerOwnedQuerySet):
    pass


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True)  # INTERFACE
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )  # INTERFACE
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.RECEIVED
    )  # INTERFACE
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        "core.Partner", verbose_name=_("business partner"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    po_number = models.CharField(_("purchase order number"), max_length=40, blank=True)  # INTERFACE
    ship_to = models.ForeignKey(
        "core.Site", verbose_name=_("ship-to site"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    bill_to = models.ForeignKey(
        "core.Site", verbose_name=_("bill-to site"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    net_total = models.DecimalField(_("total before tax"), max_digits=14, decimal_places=2, default=0)  # INTERFACE
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")  # INTERFACE
    line_number = models.PositiveSmallIntegerField(_("line"))  # INTERFACE
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")  # INTERFACE
    description = models.CharField(_("description"), max_length=250)  # INTERFACE
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])  # INTERFACE
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)  # INTERFACE
    net_amount = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)  # INTERFACE
    delivered_at = models.DateField(
        _("delivered on"), null=True, blank=True, help_text=_("Set when the line's goods are delivered.")
    )  # INTERFACE: billing invoices lines whose delivered_at is set

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_number_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.order.number}/{self.line_number}"
