"""Background work for orders: thin tasks that take ids and re-fetch."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from csol.core.emails import portal_url, send_once
from csol.core.models import Role
from csol.core.selectors import customer_contacts
from orders.models import OrderEmail, OrderEvent, OrderEventKind, WindowSide
from orders.timezones import site_timezone

# Event → email template under orders/emails/.
TEMPLATES = {
    OrderEventKind.SHIPMENT_SHIPPED: "shipped",
    OrderEventKind.WINDOW_PROPOSED: "delivery_window",
    OrderEventKind.WINDOW_ACCEPTED: "delivery_window",
    OrderEventKind.WINDOW_COUNTERED: "delivery_window",
}


def _template(event: OrderEvent) -> str | None:
    from orders.services import is_notified

    if not is_notified(event):
        return None
    if event.kind == OrderEventKind.STATUS:
        return event.to_status  # "validated" or "delivered"
    return TEMPLATES[event.kind]


def order_recipients(order) -> list[str]:
    """The customer's order contacts (administrators and buyers) and whoever placed the order."""
    emails = [
        user.email
        for user in customer_contacts(customer=order.customer, roles=[Role.ADMINISTRATOR, Role.BUYER])
    ]
    placed_by = order.placed_by
    if (
        placed_by is not None
        and placed_by.is_active
        and not placed_by.is_staff
        and placed_by.email not in emails
    ):
        emails.append(placed_by.email)
    return emails




@shared_task
def order_event_notify(event_id: int) -> int:
    """Email an order event to the customer's order contacts, in the customer's language, once each."""
    event = (
        OrderEvent.objects.select_related(
            "order__customer", "order__placed_by", "order__ship_to", "shipment", "actor"
        )
        .filter(pk=event_id)
        .first()
    )
    template = _template(event) if event else None
    if template is None:
        return 0
    order = event.order
    # Quebec customers are served in French (Charter of the French language): the customer's language
    # decides, as for invoices.
    language = order.customer.language
    window = order.delivery_windows.order_by("-created_at", "-id").first() if "window" in event.kind else None
    context = {
        "order": order,
        "event": event,
        "shipment": event.shipment,
        "shipment_lines": list(event.shipment.lines.select_related("order_line")) if event.shipment else [],
        "window": window,
        "from_customer": window is not None and window.proposed_by_side == WindowSide.CUSTOMER,
        "url": portal_url("orders:detail", language=language, number=order.number),
    }
    recipients = order_recipients(order)
    by_customer = event.actor is not None and not event.actor.is_staff
    if event.kind in (OrderEventKind.WINDOW_COUNTERED, OrderEventKind.WINDOW_ACCEPTED) and by_customer:
        # The customer answered: the CSO desk must know too.
        recipients.append(settings.CSOL_SUPPLIER["email"])
    sent = 0
    # Window times read in the ship-to site's local time.
    with timezone.override(site_timezone(order.ship_to)):
        for recipient in recipients:
            sent += send_once(
                OrderEmail(event=event, recipient=recipient, language=language),
                to=[recipient],
                template=f"orders/emails/{template}",
                language=language,
                context=context,
            )
    return sent
