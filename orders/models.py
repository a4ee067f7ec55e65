"""Orders and delivery. The fields marked INTERFACE are used by other apps: keep their names."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from csol.core.models import ActorEvent, SentEmail
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
    description_fr = models.TextField(_("description (French)"), blank=True, max_length=2000)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=2000)
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
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_unit_price_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.sku} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_fr if (translation.get_language() or "fr").startswith("fr") else self.name_en

    @property
    def description(self) -> str:
        """The description in the active language."""
        return (
            self.description_fr
            if (translation.get_language() or "fr").startswith("fr")
            else self.description_en
        )


class OrderStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("order status", "Received")
    VALIDATED = "validated", pgettext_lazy("order status", "Validated")
    SCHEDULED = "scheduled", pgettext_lazy("order status", "Scheduled")
    PARTLY_SHIPPED = "partly_shipped", pgettext_lazy("order status", "Partly shipped")
    SHIPPED = "shipped", pgettext_lazy("order status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    INSTALLED = "installed", pgettext_lazy("order status", "Installed")
    COMPLETED = "completed", pgettext_lazy("order status", "Completed")
    ON_HOLD = "on_hold", pgettext_lazy("order status", "On hold")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


# Orders the customer is still waiting for; the list shows them first by default.
OPEN_STATUSES = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.VALIDATED,
        OrderStatus.SCHEDULED,
        OrderStatus.PARTLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.ON_HOLD,
    }
)


class OrderQuerySet(CustomerOwnedQuerySet):
    def open(self):
        """Orders not yet delivered, completed or cancelled."""
        return self.filter(is_open=True)


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
        "core.Partner",
        verbose_name=_("business partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
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
    net_total = models.DecimalField(
        _("total before tax"), max_digits=14, decimal_places=2, default=0
    )  # INTERFACE
    # Kept in step with `status` by order_transition(): a plain column so "open orders first" is an
    # index scan rather than a CASE over the status for every row.
    is_open = models.BooleanField(_("open"), default=True, editable=False)
    # The status an order on hold goes back to when it is released.
    held_from = models.CharField(
        _("held from"), max_length=16, choices=OrderStatus.choices, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            # One per sort/filter of the portal list, each led by the customer (the tenancy filter).
            models.Index(
                fields=["customer", "-is_open", "-created_at", "-id"], name="order_cust_open_created"
            ),
            models.Index(fields=["customer", "-created_at", "-id"], name="order_cust_created"),
            models.Index(fields=["customer", "status", "-created_at"], name="order_cust_status_created"),
            models.Index(fields=["customer", "requested_delivery_date"], name="order_cust_requested"),
            models.Index(fields=["customer", "po_number"], name="order_cust_po"),
            models.Index(fields=["status", "-created_at"], name="order_status_created"),
            # Agents look across customers (portal list and back office).
            models.Index(fields=["-is_open", "-created_at", "-id"], name="order_open_created"),
            models.Index(fields=["-created_at", "-id"], name="order_created"),
            # Search by the start of an order or PO number, case-insensitive: PostgreSQL expression
            # indexes added in migration 0003 (customer_id, UPPER(number) / UPPER(po_number)).
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(net_total__gte=0), name="order_net_total_non_negative"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:detail", kwargs={"number": self.number})


class OrderLineQuerySet(CustomerOwnedQuerySet):
    customer_field = "order__customer"


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )  # INTERFACE
    line_number = models.PositiveSmallIntegerField(_("line"))  # INTERFACE
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )  # INTERFACE
    description = models.CharField(_("description"), max_length=250)  # INTERFACE
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])  # INTERFACE
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)  # INTERFACE
    net_amount = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)  # INTERFACE
    delivered_at = models.DateField(
        _("delivered on"), null=True, blank=True, help_text=_("Set when the line's goods are delivered.")
    )  # INTERFACE: billing invoices lines whose delivered_at is set

    objects = OrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_number_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="order_line_unit_price_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.order.number}/{self.line_number}"


class OrderEventKind(models.TextChoices):
    CREATED = "created", _("Order received")
    STATUS = "status", _("Status changed")
    SHIPMENT_SHIPPED = "shipment_shipped", _("Shipment shipped")
    SHIPMENT_DELIVERED = "shipment_delivered", _("Shipment delivered")
    WINDOW_PROPOSED = "window_proposed", _("Delivery window proposed")
    WINDOW_ACCEPTED = "window_accepted", _("Delivery window accepted")
    WINDOW_COUNTERED = "window_countered", _("Delivery window counter-proposed")


class OrderEventQuerySet(CustomerOwnedQuerySet):
    customer_field = "order__customer"


class OrderEvent(ActorEvent):
    """One entry of an order's timeline: who did what, when."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=OrderEventKind.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=OrderStatus.choices, blank=True)
    shipment = models.ForeignKey(
        "Shipment",
        verbose_name=_("shipment"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)  # labelled as the timeline's column

    objects = OrderEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order", "created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order_created")]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class OrderEmail(SentEmail):
    """One email sent for one event to one address: written before sending, so a retry never sends twice."""

    event = models.ForeignKey(
        OrderEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="emails"
    )

    class Meta:
        verbose_name = _("order email")
        verbose_name_plural = _("order emails")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="order_email_once_per_event_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} ({self.event_id})"


class ShipmentStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("shipment status", "Planned")
    SHIPPED = "shipped", pgettext_lazy("shipment status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")


class ShipmentQuerySet(CustomerOwnedQuerySet):
    customer_field = "order__customer"


class Shipment(models.Model):
    """Part or all of an order leaving the warehouse together."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    sequence = models.PositiveSmallIntegerField(_("shipment"))
    status = models.CharField(
        _("status"), max_length=10, choices=ShipmentStatus.choices, default=ShipmentStatus.PLANNED
    )
    carrier = models.CharField(_("carrier"), max_length=80, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    planned_ship_date = models.DateField(_("planned ship date"), null=True, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    planned_delivery_date = models.DateField(_("planned delivery date"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="shipment_sequence_unique_per_order"),
            models.CheckConstraint(
                condition=models.Q(status__in=ShipmentStatus.values), name="shipment_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.order.number}-{self.sequence}"

    @property
    def number(self) -> str:
        return f"{self.order.number}-{self.sequence}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    serial_numbers = models.CharField(
        _("serial numbers"), max_length=500, blank=True, help_text=_("Separated by commas or spaces.")
    )

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["shipment", "order_line__line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "order_line"], name="shipment_line_unique_order_line"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.shipment} × {self.quantity}"


class WindowStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("delivery window status", "Awaiting answer")
    ACCEPTED = "accepted", pgettext_lazy("delivery window status", "Accepted")
    COUNTERED = "countered", pgettext_lazy("delivery window status", "Counter-proposed")
    SUPERSEDED = "superseded", pgettext_lazy("delivery window status", "Replaced")


class WindowSide(models.TextChoices):
    CSO = "cso", _("CSO")
    CUSTOMER = "customer", _("Customer")


class DeliveryWindowQuerySet(CustomerOwnedQuerySet):
    customer_field = "order__customer"


class DeliveryWindow(models.Model):
    """A delivery window proposed by one side and answered by the other, with the site's readiness."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="delivery_windows"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    proposed_by_side = models.CharField(_("proposed by"), max_length=10, choices=WindowSide.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WindowStatus.choices, default=WindowStatus.PROPOSED
    )
    has_loading_dock = models.BooleanField(_("loading dock available"), null=True, blank=True)
    access_hours = models.CharField(_("site access hours"), max_length=120, blank=True)
    site_contact_name = models.CharField(_("site contact"), max_length=120, blank=True)
    site_contact_phone = models.CharField(_("site contact telephone"), max_length=30, blank=True)
    special_instructions = models.TextField(_("special instructions"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    objects = DeliveryWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery window")
        verbose_name_plural = _("delivery windows")
        ordering = ["order", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="proposed"),
                name="delivery_window_one_open_proposal",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="delivery_window_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_by_side"], name="delivery_window_pending")]

    def __str__(self):
        return f"{self.order_id}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"
