"""Service requests: what a customer or partner asks, the conversation, attachments and the SLA clock."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from csol.core.models import ActorEvent, Role, Scope
from csol.core.tenancy import CustomerOwnedQuerySet


class Category(models.TextChoices):
    BILLING = "billing", _("Billing question")
    ORDER_STATUS = "order_status", _("Order status")
    CONTRACT = "contract", _("Contract administration")
    INVENTORY = "inventory", _("Inventory record correction")
    LICENCE = "licence", _("Licence question")
    PAYMENT = "payment", _("Payment or remittance")
    GENERAL = "general", _("General question")


class Desk(models.TextChoices):
    """The agent desks (keys of csol.core.services.desks.DESK_GROUP_NAMES)."""

    ORDERS = "orders", _("Orders desk")
    BILLING = "billing", _("Billing desk")
    CONTRACTS = "contracts", _("Contracts desk")
    COLLECTIONS = "collections", _("Collections desk")
    SERVICE = "service", _("Service desk")


# Routing: the orders desk keeps the installed base; licences are contract entitlements.
CATEGORY_DESK = {
    Category.BILLING: Desk.BILLING,
    Category.ORDER_STATUS: Desk.ORDERS,
    Category.CONTRACT: Desk.CONTRACTS,
    Category.INVENTORY: Desk.ORDERS,
    Category.LICENCE: Desk.CONTRACTS,
    Category.PAYMENT: Desk.COLLECTIONS,
    Category.GENERAL: Desk.SERVICE,
}

FIRST_RESPONSE_TARGET = timedelta(days=1)  # one business day
# Resolution targets in business days, per category.
RESOLUTION_TARGET_DAYS = {
    Category.BILLING: 5,
    Category.ORDER_STATUS: 2,
    Category.CONTRACT: 10,
    Category.INVENTORY: 5,
    Category.LICENCE: 5,
    Category.PAYMENT: 3,
    Category.GENERAL: 5,
}
REOPEN_WINDOW = timedelta(days=14)


class Status(models.TextChoices):
    # A context: other areas translate the same English words with another gender ("Fermé").
    NEW = "new", pgettext_lazy("service request", "New")
    ASSIGNED = "assigned", pgettext_lazy("service request", "Assigned")
    WAITING = "waiting", pgettext_lazy("service request", "Waiting on customer")
    RESOLVED = "resolved", pgettext_lazy("service request", "Resolved")
    CLOSED = "closed", pgettext_lazy("service request", "Closed")


AGENT = "agent"
CUSTOMER = "customer"
# Allowed moves and who may make them. The customer side closes and reopens; agents do the rest.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Status.NEW: {
        Status.ASSIGNED: frozenset({AGENT}),
        Status.WAITING: frozenset({AGENT}),
        Status.RESOLVED: frozenset({AGENT}),
        Status.CLOSED: frozenset({AGENT, CUSTOMER}),
    },
    Status.ASSIGNED: {
        Status.WAITING: frozenset({AGENT}),
        Status.RESOLVED: frozenset({AGENT}),
        Status.CLOSED: frozenset({AGENT, CUSTOMER}),
    },
    Status.WAITING: {
        Status.ASSIGNED: frozenset({AGENT, CUSTOMER}),
        Status.RESOLVED: frozenset({AGENT}),
        Status.CLOSED: frozenset({AGENT, CUSTOMER}),
    },
    Status.RESOLVED: {
        Status.ASSIGNED: frozenset({AGENT, CUSTOMER}),  # reopened
        Status.CLOSED: frozenset({AGENT, CUSTOMER}),
    },
    Status.CLOSED: {
        Status.ASSIGNED: frozenset({CUSTOMER}),  # reopened within the window
    },
}
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.WAITING)
# Statuses in which the SLA clock runs (waiting on the customer pauses it).
CLOCK_RUNNING_STATUSES = (Status.NEW, Status.ASSIGNED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Labels of the per-category details kept in ServiceRequest.details.
DETAIL_LABELS = {
    "invoice_number": _("Invoice number"),
    "order_reference": _("Order or PO number"),
    "contract_number": _("Contract number"),
    "change_type": _("Change requested"),
    "serial_number": _("Serial number"),
    "machine_type": pgettext_lazy("inventory record", "Machine type"),
    "field_to_correct": _("What is wrong"),
    "correct_value": _("Correct information"),
    "product_name": _("Product or licence"),
    "payment_date": _("Payment date"),
    "amount": _("Amount"),
    "payment_reference": _("Payment reference"),
}
CHANGE_TYPES = [
    ("billing", _("Billing details or frequency")),
    ("contacts", _("Contacts or addresses")),
    ("coverage", _("Coverage (add or remove equipment)")),
    ("renewal", _("Renewal")),
    ("cancellation", _("Cancellation")),
    ("other", _("Other")),
]
CORRECTIONS = [
    ("site", _("Installation site")),
    ("quantity", _("Quantity")),
    ("status", _("Status (moved or decommissioned)")),
    ("model", _("Machine type or model")),
    ("other", _("Other")),
]
# Details stored as a choice key are shown with the label, in the reader's language.
DETAIL_CHOICES = {"change_type": dict(CHANGE_TYPES), "field_to_correct": dict(CORRECTIONS)}


class ReferenceCounter(models.Model):
    """The last reference number used in a year; its row is locked to hand out gap-free numbers."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class ServiceRequestQuerySet(CustomerOwnedQuerySet):
    def visible_to(self, viewer, *, scope: str = Scope.VIEW):
        """Agents see all; administrators their company's; other members their own; partners their firm's."""
        if viewer.is_agent:
            return self
        user = viewer.user
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        active = viewer.active_customer_id

        def keep(ids):
            return [cid for cid in ids if active is None or cid == active]

        admin_ids = keep(cid for cid, role in viewer.roles.items() if role == Role.ADMINISTRATOR)
        member_ids = keep(cid for cid, role in viewer.roles.items() if role != Role.ADMINISTRATOR)
        partner_ids = keep(
            cid for cid, scopes in viewer.partner_scopes.items() if Scope.SERVICE_REQUESTS in scopes
        )
        condition = models.Q(customer_id__in=admin_ids) | models.Q(customer_id__in=member_ids, requester=user)
        if partner_ids and user.partner_id:
            condition |= models.Q(customer_id__in=partner_ids, partner_id=user.partner_id)
        return self.filter(condition)

    def overdue(self, now=None):
        """Open requests past a target while their clock runs."""
        now = now or timezone.now()
        late = models.Q(first_responded_at__isnull=True, first_response_due__lt=now) | models.Q(
            resolution_due__lt=now
        )
        return self.filter(late, status__in=CLOCK_RUNNING_STATUSES)


def attachment_path(instance, filename):
    # Never the uploader's name on disk: a random name in a private folder.
    return f"servicedesk/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ServiceRequest(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "core.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="service_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    partner = models.ForeignKey(
        "core.Partner",
        verbose_name=_("business partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when a partner submitted the request for the customer."),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    subject = models.CharField(_("subject"), max_length=150)
    description = models.TextField(_("description"), max_length=5000)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    desk = models.CharField(_("desk"), max_length=12, choices=Desk.choices)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_service_requests",
        limit_choices_to={"is_staff": True},
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    inventory_record = models.ForeignKey(
        "inventory.InventoryRecord",
        verbose_name=_("inventory record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(pgettext_lazy("service request", "submitted"), default=timezone.now)
    updated_at = models.DateTimeField(pgettext_lazy("service request", "updated"), auto_now=True)
    first_response_due = models.DateTimeField(_("first response due"))
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"))
    paused_at = models.DateTimeField(
        _("clock paused since"), null=True, blank=True, help_text=_("Set while waiting on the customer.")
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status", "-created_at"], name="sr_customer_status_idx"),
            models.Index(fields=["customer", "category", "-created_at"], name="sr_customer_category_idx"),
            models.Index(fields=["requester", "-created_at"], name="sr_requester_idx"),
            models.Index(fields=["desk", "status", "resolution_due"], name="sr_desk_queue_idx"),
            models.Index(fields=["assigned_agent", "status"], name="sr_agent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="sr_status_valid"),
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="sr_category_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values), name="sr_priority_valid"
            ),
            models.CheckConstraint(condition=models.Q(desk__in=Desk.values), name="sr_desk_valid"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("servicedesk:detail", kwargs={"reference": self.reference})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status == Status.WAITING

    def is_overdue(self, now=None) -> bool:
        """Past its first-response or resolution target while the clock runs."""
        if self.status not in CLOCK_RUNNING_STATUSES:
            return False
        now = now or timezone.now()
        return (
            self.first_responded_at is None and self.first_response_due < now
        ) or self.resolution_due < now

    def can_reopen_until(self):
        return self.resolved_at + REOPEN_WINDOW if self.resolved_at else None

    def detail_rows(self) -> list[tuple[str, str]]:
        """The category's details as (label, value), in a fixed order."""
        rows = []
        for key, label in DETAIL_LABELS.items():
            value = self.details.get(key)
            if value:
                rows.append((label, DETAIL_CHOICES.get(key, {}).get(value, value)))
        return rows


class Message(models.Model):
    """One message of the conversation; internal notes are for agents only."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    is_internal = models.BooleanField(_("internal note"), default=False)
    by_agent = models.BooleanField(_("from an agent"), default=False)
    created_at = models.DateTimeField(pgettext_lazy("message", "sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="sr_message_request_idx")]

    def __str__(self):
        return f"{self.request.reference} #{self.pk}"


class Attachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("service request", "Submitted")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    ASSIGNMENT = "assignment", _("Assignment changed")


class RequestEvent(ActorEvent):
    """Audit trail: every change of status, priority or assignment, with who made it."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    old_value = models.CharField(_("from"), max_length=60, blank=True)
    new_value = models.CharField(_("to"), max_length=60, blank=True)
    # The services give their `now` (tests and the SLA clock pass one), so not stamped on insert.
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.old_value}→{self.new_value}"


class EmailKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
    REPLY = "reply", _("Reply")
    RESOLUTION = "resolution", _("Resolution")
    CUSTOMER_REPLY = "cust_reply", _("Customer reply, to the agents")


class SentEmail(models.Model):
    """One email per (request, business key, recipient): written before sending, so it goes once.

    The recipient is a user, or only an address for a desk's shared mailbox (`CSOL_DESK_EMAILS`).
    """

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        on_delete=models.CASCADE,
        related_name="sent_emails",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EmailKind.choices)
    # "ack", "reply:<message id>", "resolution:<event id>" or "customer-reply:<message id>".
    key = models.CharField(_("key"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.EmailField(_("address"), blank=True)
    language = models.CharField(_("language"), max_length=2)
    sent_at = models.DateTimeField(pgettext_lazy("email", "sent"), default=timezone.now)

    class Meta:
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")
        constraints = [
            models.UniqueConstraint(fields=["request", "key", "recipient"], name="sr_email_once"),
            models.UniqueConstraint(
                fields=["request", "key", "address"],
                condition=models.Q(recipient__isnull=True),
                name="sr_email_once_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.key} → {self.recipient_id or self.address}"
