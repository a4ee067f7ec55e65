"""Reads on service requests, always through the viewer's visibility."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from csol.servicedesk.models import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Desk,
    Message,
    ServiceRequest,
    Status,
)


def service_request_list(*, viewer, status: str = "", category: str = "", mine: bool = False):
    """The requests the viewer may see, newest first, filtered."""
    qs = ServiceRequest.objects.visible_to(viewer).select_related("customer", "requester")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if mine:
        qs = qs.filter(requester=viewer.user)
    return qs.order_by("-created_at", "-id")


def service_request_get(*, viewer, reference: str) -> ServiceRequest:
    """One request the viewer may see; anything else is a 404."""
    qs = ServiceRequest.objects.visible_to(viewer).select_related(
        "customer",
        "requester",
        "partner",
        "assigned_agent",
        "invoice",
        "order",
        "contract",
        "inventory_record",
    )
    return get_object_or_404(qs, reference=reference)


def conversation(*, service_request: ServiceRequest, viewer) -> list[Message]:
    """The messages the viewer may read, with their attachments; internal notes for agents only."""
    attachments = Attachment.objects.order_by("uploaded_at", "id")
    messages = service_request.messages.select_related("author").order_by("created_at", "id")
    if not viewer.is_agent:
        messages = messages.filter(is_internal=False)
        attachments = attachments.filter(is_internal=False)
    return list(messages.prefetch_related(Prefetch("attachments", queryset=attachments)))


def request_attachments(*, service_request: ServiceRequest) -> list[Attachment]:
    """Files sent with the request itself (not with a message)."""
    return list(service_request.attachments.filter(message__isnull=True).order_by("uploaded_at", "id"))


def attachment_get(*, viewer, reference: str, attachment_id: int) -> Attachment:
    """An attachment of a request the viewer may see; internal ones only for agents."""
    service_request = get_object_or_404(ServiceRequest.objects.visible_to(viewer), reference=reference)
    qs = service_request.attachments.all()
    if not viewer.is_agent:
        qs = qs.filter(is_internal=False)
    return get_object_or_404(qs, pk=attachment_id)


def agent_queue(*, user, desk="", status="", priority="", assigned="", overdue=False):
    """The agents' queue: open requests by default, the most urgent target first."""
    qs = ServiceRequest.objects.select_related("customer", "assigned_agent")
    qs = qs.filter(status=status) if status else qs.filter(status__in=OPEN_STATUSES)
    if desk:
        qs = qs.filter(desk=desk)
    if priority:
        qs = qs.filter(priority=priority)
    if assigned == "me":
        qs = qs.filter(assigned_agent=user)
    elif assigned == "none":
        qs = qs.filter(assigned_agent__isnull=True)
    if overdue:
        qs = qs.overdue()
    return qs.order_by("resolution_due", "id")


def desk_counts(*, now=None) -> list[dict]:
    """Open and overdue requests per desk, in one query (the queue's tabs)."""
    now = now or timezone.now()
    rows = (
        ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
        .values("desk")
        .annotate(
            open=Count("id"),
            overdue=Count(
                "id",
                filter=Q(status__in=CLOCK_RUNNING_STATUSES)
                & (
                    Q(first_responded_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)
                ),
            ),
        )
        .order_by()
    )
    by_desk = {row["desk"]: row for row in rows}
    return [
        {
            "desk": desk.value,
            "label": desk.label,
            "open": by_desk.get(desk.value, {}).get("open", 0),
            "overdue": by_desk.get(desk.value, {}).get("overdue", 0),
        }
        for desk in Desk
    ]


def dashboard_counts(*, viewer) -> dict:
    """Open requests and those waiting on the customer (or, for agents, overdue ones) in one query."""
    now = timezone.now()
    if viewer.is_agent:
        return ServiceRequest.objects.filter(status__in=OPEN_STATUSES).aggregate(
            open=Count("id"),
            mine=Count("id", filter=Q(assigned_agent=viewer.user)),
            overdue=Count(
                "id",
                filter=Q(status__in=CLOCK_RUNNING_STATUSES)
                & (
                    Q(first_responded_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)
                ),
            ),
        )
    return ServiceRequest.objects.visible_to(viewer).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        waiting=Count("id", filter=Q(status=Status.WAITING)),
    )


ADMIN_LINKS = {
    "invoice": "admin:billing_invoice_change",
    "order": "admin:orders_order_change",
    "contract": "admin:contracts_contract_change",
    "inventory_record": "admin:inventory_inventoryrecord_change",
}
# The customer's own pages of the linked objects (each checks visibility itself).
PORTAL_LINKS = {
    "invoice": ("billing:detail", lambda obj: {"number": obj.number}),
    "order": ("orders:detail", lambda obj: {"number": obj.number}),
    "contract": ("contracts:detail", lambda obj: {"number": obj.number}),
    "inventory_record": ("inventory:detail", lambda obj: {"pk": obj.pk}),
}


def _url(url_name: str, **kwargs) -> str:
    """The page's address, or "" while the area that owns it has no such page."""
    try:
        return reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def linked_objects(*, service_request: ServiceRequest, for_agent: bool) -> list[dict]:
    """The invoice, order, contract or record the request names; agents get the back-office page."""
    rows = []
    for field, admin_url in ADMIN_LINKS.items():
        obj = getattr(service_request, field)
        if obj is None:
            continue
        if for_agent:
            url = _url(admin_url, object_id=obj.pk)
        else:
            url_name, kwargs = PORTAL_LINKS[field]
            url = _url(url_name, **kwargs(obj))
        rows.append(
            {"label": ServiceRequest._meta.get_field(field).verbose_name, "value": str(obj), "url": url}
        )
    return rows
