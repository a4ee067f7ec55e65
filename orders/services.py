"""Writes on orders: every change locks the order row, saves named fields and writes an OrderEvent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from csol.audit.recorder import record_updated, stored_values
from csol.core.jobs import enqueue
from csol.core.models import CustomerStatus, Site
from csol.core.money import quantize_money
from orders import hooks
from orders.models import (
    OPEN_STATUSES,
    DeliveryWindow,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    Product,
    ProductKind,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    WindowSide,
    WindowStatus,
)

S = OrderStatus

# The allowed moves. Shipping states are reached through shipments (shipment_ship), which check that
# the quantities really left; "on hold" goes back only to the status it was held from (see below).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.ON_HOLD, S.CANCELLED}),
    S.VALIDATED: frozenset({S.SCHEDULED, S.ON_HOLD, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.PARTLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.PARTLY_SHIPPED: frozenset({S.SHIPPED, S.ON_HOLD}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.INSTALLED, S.COMPLETED}),
    S.INSTALLED: frozenset({S.COMPLETED}),
    S.ON_HOLD: frozenset({S.RECEIVED, S.VALIDATED, S.SCHEDULED, S.PARTLY_SHIPPED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Events the customer's order contacts are emailed about. "Shipped" is told per shipment (each has
# its own tracking number), not again when the last one makes the order's status "shipped".
NOTIFIED_STATUSES = frozenset({S.VALIDATED, S.DELIVERED})
NOTIFIED_KINDS = frozenset(
    {
        OrderEventKind.SHIPMENT_SHIPPED,
        OrderEventKind.WINDOW_PROPOSED,
        OrderEventKind.WINDOW_ACCEPTED,
        OrderEventKind.WINDOW_COUNTERED,
    }
)


def is_notified(event: OrderEvent) -> bool:
    return event.kind in NOTIFIED_KINDS or (
        event.kind == OrderEventKind.STATUS and event.to_status in NOTIFIED_STATUSES
    )


def _event(*, order, kind, actor, **fields) -> OrderEvent:
    event = OrderEvent.objects.create(order=order, kind=kind, actor=actor, **fields)
    if is_notified(event):
        from orders.tasks import order_event_notify

        enqueue(order_event_notify, event.id)
    return event


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("customer").get(pk=order.pk)


def _status_label(status: str) -> str:
    return str(OrderStatus(status).label)


def _refuse(message: str):
    raise ValidationError(message)


def _check_move(order: Order, to: str) -> None:
    if to not in OrderStatus.values:
        _refuse(_("Unknown order status."))
    if to not in TRANSITIONS[order.status]:
        _refuse(
            _("An order cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _status_label(order.status), "to": _status_label(to)}
        )
    if order.status == S.ON_HOLD and to != S.CANCELLED and to != order.held_from:
        _refuse(
            _("This order was put on hold while “%(status)s”; it can only go back to that status.")
            % {"status": _status_label(order.held_from or S.RECEIVED)}
        )
    if to == S.VALIDATED and order.customer.status == CustomerStatus.CREDIT_HOLD:
        _refuse(_("The customer is on credit hold: the order cannot be validated until the hold is lifted."))
    if to == S.VALIDATED and not order.lines.exists():
        _refuse(_("An order without lines cannot be validated."))
    if to in (S.PARTLY_SHIPPED, S.SHIPPED):
        ordered, shipped = _quantities(order)
        if to == S.SHIPPED and shipped < ordered:
            _refuse(_("Not everything ordered has shipped: record the remaining shipments first."))
        if to == S.PARTLY_SHIPPED and (shipped == 0 or shipped >= ordered):
            _refuse(_("“Partly shipped” needs some, but not all, of the order shipped."))
    if to == S.INSTALLED and not order.lines.filter(product__kind=ProductKind.HARDWARE).exists():
        _refuse(_("Only orders with hardware are installed; complete this order instead."))


def _quantities(order: Order) -> tuple[int, int]:
    """(quantity ordered, quantity on shipments that have left) for the whole order."""
    ordered = order.lines.aggregate(total=Sum("quantity"))["total"] or 0
    shipped = (
        ShipmentLine.objects.filter(
            shipment__order=order, shipment__status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED]
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return ordered, shipped


@transaction.atomic
def order_transition(*, order: Order, to: str, actor, note: str = "") -> Order:
    """Move an order to `to` if the move is allowed; record who and when."""
    order = _locked(order)
    if order.status == to:
        return order
    _check_move(order, to)
    previous = order.status
    order.held_from = previous if to == S.ON_HOLD else ""
    order.status = to
    order.is_open = to in OPEN_STATUSES
    order.save(update_fields=["status", "held_from", "is_open", "updated_at"])
    if to == S.DELIVERED:
        _deliver_remaining(order=order, actor=actor)
    _event(
        order=order,
        kind=OrderEventKind.STATUS,
        actor=actor,
        from_status=previous,
        to_status=to,
        note=note[:500],
    )
    return order


def _deliver_remaining(*, order: Order, actor) -> None:
    """On delivery of the whole order: shipments still in transit arrive and every line is delivered."""
    today = timezone.localdate()
    for shipment in order.shipments.filter(status=ShipmentStatus.SHIPPED):
        shipment.status = ShipmentStatus.DELIVERED
        shipment.delivered_on = today
        shipment.save(update_fields=["status", "delivered_on"])
    _mark_lines_delivered(
        order=order, line_ids=list(order.lines.values_list("id", flat=True)), on=today, actor=actor
    )


def _mark_lines_delivered(*, order: Order, line_ids: Iterable[int], on: date, actor) -> list[int]:
    """Set delivered_at on lines not yet delivered and tell the listeners (installed base), once per line."""
    lines = list(OrderLine.objects.filter(order=order, id__in=list(line_ids), delivered_at__isnull=True))
    before = {line.pk: stored_values(line, ["delivered_at"]) for line in lines}
    for line in lines:
        line.delivered_at = on
    # One statement for the lines and one for their audit events (bulk_update sends no signals).
    OrderLine.objects.bulk_update(lines, ["delivered_at"])
    record_updated(lines, ["delivered_at"], before)
    pending = [line.id for line in lines]
    if pending:
        hooks.notify_lines_delivered(line_ids=pending, actor=actor)
    return pending


# Order entry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRequest:
    product: Product
    quantity: int
    unit_price: object = None  # the catalogue price unless an agent sets one


def temporary_number() -> str:
    """A unique placeholder until the order has its id (see order_number)."""
    return "TMP" + uuid.uuid4().hex[:17]


def order_number(order: Order) -> str:
    """The number follows the id: unique without a separate counter, easy to read on the phone."""
    return f"O-{order.pk:07d}"


@transaction.atomic
def order_create(
    *,
    customer,
    ship_to: Site,
    lines: list[LineRequest],
    actor,
    po_number: str = "",
    bill_to: Site | None = None,
    requested_delivery_date: date | None = None,
    notes: str = "",
) -> Order:
    """Create an order in `received` with its lines and totals; agents validate it next."""
    if not lines:
        _refuse(_("Add at least one product."))
    if ship_to.customer_id != customer.id or (bill_to and bill_to.customer_id != customer.id):
        _refuse(_("The ship-to and bill-to sites must be the customer's own."))
    if bill_to is None:
        bill_to = customer.sites.filter(is_bill_to=True).order_by("id").first() or ship_to
    partner_id = getattr(actor, "partner_id", None) if not getattr(actor, "is_staff", False) else None
    order = Order.objects.create(
        number=temporary_number(),
        customer=customer,
        placed_by=actor,
        partner_id=partner_id,
        po_number=po_number.strip(),
        ship_to=ship_to,
        bill_to=bill_to,
        requested_delivery_date=requested_delivery_date,
        notes=notes,
    )
    order.number = order_number(order)
    order.save(update_fields=["number"])
    for index, request in enumerate(lines, start=1):
        if request.quantity < 1:
            _refuse(_("Quantities must be at least 1."))
        price = request.product.unit_price if request.unit_price is None else request.unit_price
        OrderLine.objects.create(
            order=order,
            line_number=index,
            product=request.product,
            description=request.product.name[:250],
            quantity=request.quantity,
            unit_price=price,
            net_amount=quantize_money(price * request.quantity),
        )
    order_recalculate(order=order)
    _event(order=order, kind=OrderEventKind.CREATED, actor=actor, to_status=order.status)
    return order


def order_recalculate(*, order: Order) -> Order:
    """Line totals from quantity × unit price, and the order total from the lines."""
    total = 0
    for line in order.lines.all():
        amount = quantize_money(line.unit_price * line.quantity)
        if amount != line.net_amount:
            line.net_amount = amount
            line.save(update_fields=["net_amount"])
        total += amount
    order.net_total = quantize_money(total)
    order.save(update_fields=["net_total", "updated_at"])
    return order


# Shipments ---------------------------------------------------------------------------------------

SHIPPABLE = frozenset({S.VALIDATED, S.SCHEDULED, S.PARTLY_SHIPPED})


def remaining_quantities(order: Order, *, exclude_shipment: Shipment | None = None) -> dict[int, int]:
    """Order line id → quantity not yet on any shipment."""
    taken = ShipmentLine.objects.filter(shipment__order=order)
    if exclude_shipment is not None:
        taken = taken.exclude(shipment=exclude_shipment)
    on_shipments = dict(
        taken.values("order_line").annotate(total=Sum("quantity")).values_list("order_line", "total")
    )
    return {line.id: line.quantity - on_shipments.get(line.id, 0) for line in order.lines.all()}


@transaction.atomic
def shipment_create(
    *,
    order: Order,
    lines: dict[int, int],
    actor,
    carrier: str = "",
    tracking_number: str = "",
    planned_ship_date: date | None = None,
    planned_delivery_date: date | None = None,
    serial_numbers: dict[int, str] | None = None,
) -> Shipment:
    """Plan a shipment of some quantities of the order's lines; never more than remains to ship."""
    order = _locked(order)
    if order.status not in SHIPPABLE:
        _refuse(
            _("An order in “%(status)s” cannot get a new shipment.") % {"status": _status_label(order.status)}
        )
    lines = {int(k): int(v) for k, v in lines.items() if int(v) != 0}
    if not lines:
        _refuse(_("A shipment needs at least one line with a quantity."))
    remaining = remaining_quantities(order)
    for line_id, quantity in lines.items():
        if line_id not in remaining:
            _refuse(_("A shipment can only hold lines of its own order."))
        if quantity < 1:
            _refuse(_("Quantities must be at least 1."))
        if quantity > remaining[line_id]:
            _refuse(
                _("Line %(line)s: %(quantity)s requested but only %(remaining)s left to ship.")
                % {
                    "line": OrderLine.objects.get(pk=line_id).line_number,
                    "quantity": quantity,
                    "remaining": remaining[line_id],
                }
            )
    sequence = (order.shipments.order_by("-sequence").values_list("sequence", flat=True).first() or 0) + 1
    shipment = Shipment.objects.create(
        order=order,
        sequence=sequence,
        carrier=carrier,
        tracking_number=tracking_number,
        planned_ship_date=planned_ship_date,
        planned_delivery_date=planned_delivery_date,
    )
    serial_numbers = serial_numbers or {}
    ShipmentLine.objects.bulk_create(
        ShipmentLine(
            shipment=shipment,
            order_line_id=line_id,
            quantity=quantity,
            serial_numbers=serial_numbers.get(line_id, ""),
        )
        for line_id, quantity in sorted(lines.items())
    )
    if order.status == S.VALIDATED:
        order_transition(order=order, to=S.SCHEDULED, actor=actor)
    return shipment


def shipment_check_lines(*, order: Order, shipment: Shipment | None, lines: dict[int, int]) -> None:
    """Refuse quantities beyond what is left to ship (used by the back office's shipment form)."""
    remaining = remaining_quantities(order, exclude_shipment=shipment)
    for line_id, quantity in lines.items():
        if quantity > remaining.get(line_id, 0):
            line = OrderLine.objects.get(pk=line_id)
            _refuse(
                _("Line %(line)s: %(quantity)s requested but only %(remaining)s left to ship.")
                % {"line": line.line_number, "quantity": quantity, "remaining": remaining.get(line_id, 0)}
            )


def _locked_shipment(shipment: Shipment) -> tuple[Order, Shipment]:
    # Order first, then shipment: the same lock order as every other service.
    order = _locked(shipment.order)
    return order, Shipment.objects.select_for_update().get(pk=shipment.pk)


@transaction.atomic
def shipment_ship(
    *, shipment: Shipment, actor, shipped_on: date | None = None, tracking_number: str = ""
) -> Shipment:
    """The shipment has left: the order becomes partly shipped or shipped."""
    order, shipment = _locked_shipment(shipment)
    if shipment.status != ShipmentStatus.PLANNED:
        _refuse(_("This shipment has already left."))
    if order.status not in SHIPPABLE:
        _refuse(_("An order in “%(status)s” cannot ship.") % {"status": _status_label(order.status)})
    shipment.status = ShipmentStatus.SHIPPED
    shipment.shipped_on = shipped_on or timezone.localdate()
    fields = ["status", "shipped_on"]
    if tracking_number:
        shipment.tracking_number = tracking_number
        fields.append("tracking_number")
    shipment.save(update_fields=fields)
    _event(order=order, kind=OrderEventKind.SHIPMENT_SHIPPED, actor=actor, shipment=shipment)
    if order.status == S.VALIDATED:
        order = order_transition(order=order, to=S.SCHEDULED, actor=actor)
    ordered, shipped = _quantities(order)
    target = S.SHIPPED if shipped >= ordered else S.PARTLY_SHIPPED
    order_transition(order=order, to=target, actor=actor)
    return shipment


@transaction.atomic
def shipment_deliver(*, shipment: Shipment, actor, delivered_on: date | None = None) -> Shipment:
    """The shipment has arrived: its fully delivered lines are delivered; the order too once all are."""
    order, shipment = _locked_shipment(shipment)
    if shipment.status != ShipmentStatus.SHIPPED:
        _refuse(_("Only a shipment that has left can be delivered."))
    day = delivered_on or timezone.localdate()
    shipment.status = ShipmentStatus.DELIVERED
    shipment.delivered_on = day
    shipment.save(update_fields=["status", "delivered_on"])
    _event(order=order, kind=OrderEventKind.SHIPMENT_DELIVERED, actor=actor, shipment=shipment)
    delivered = dict(
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=ShipmentStatus.DELIVERED)
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values_list("order_line", "total")
    )
    complete = [line.id for line in order.lines.all() if delivered.get(line.id, 0) >= line.quantity]
    _mark_lines_delivered(order=order, line_ids=complete, on=day, actor=actor)
    if order.status == S.SHIPPED and len(complete) == order.lines.count():
        order_transition(order=order, to=S.DELIVERED, actor=actor)
    return shipment


# Delivery windows ----------------------------------------------------------------------------------

WINDOW_STATUSES = frozenset({S.VALIDATED, S.SCHEDULED, S.PARTLY_SHIPPED, S.SHIPPED, S.ON_HOLD})
READINESS_FIELDS = (
    "has_loading_dock",
    "access_hours",
    "site_contact_name",
    "site_contact_phone",
    "special_instructions",
)


def window_check(order: Order, starts_at: datetime, ends_at: datetime) -> None:
    """Refuse a window for an order that is not being delivered, backwards or in the past."""
    if order.status not in WINDOW_STATUSES:
        _refuse(
            _("No delivery window can be planned for an order in “%(status)s”.")
            % {"status": _status_label(order.status)}
        )
    if ends_at <= starts_at:
        _refuse(_("The window must end after it starts."))
    if starts_at < timezone.now():
        _refuse(_("The window must be in the future."))


def _open_proposal(order: Order) -> DeliveryWindow | None:
    return (
        DeliveryWindow.objects.select_for_update().filter(order=order, status=WindowStatus.PROPOSED).first()
    )


@transaction.atomic
def delivery_window_propose(
    *, order: Order, starts_at: datetime, ends_at: datetime, actor, **readiness
) -> DeliveryWindow:
    """CSO proposes a delivery window; any proposal still waiting is replaced."""
    order = _locked(order)
    window_check(order, starts_at, ends_at)
    pending = _open_proposal(order)
    if pending is not None:
        pending.status = WindowStatus.SUPERSEDED
        pending.save(update_fields=["status"])
    # The site details the customer gave last time carry over unless the agent changes them.
    last = (
        order.delivery_windows.exclude(pk=getattr(pending, "pk", None)).order_by("-created_at", "-id").first()
    )
    carried = {name: getattr(last, name) for name in READINESS_FIELDS} if last else {}
    carried.update({k: v for k, v in readiness.items() if k in READINESS_FIELDS})
    window = DeliveryWindow.objects.create(
        order=order,
        starts_at=starts_at,
        ends_at=ends_at,
        proposed_by=actor,
        proposed_by_side=WindowSide.CSO,
        **carried,
    )
    _event(order=order, kind=OrderEventKind.WINDOW_PROPOSED, actor=actor)
    return window


def _answerable(order: Order, window: DeliveryWindow, side: str) -> DeliveryWindow:
    pending = _open_proposal(order)
    if pending is None or pending.pk != window.pk:
        _refuse(_("This delivery window is no longer awaiting an answer."))
    if pending.proposed_by_side == side:
        _refuse(_("A window cannot be answered by the side that proposed it."))
    return pending


@transaction.atomic
def delivery_window_accept(
    *, window: DeliveryWindow, actor, side: str = WindowSide.CUSTOMER, **readiness
) -> DeliveryWindow:
    """The other side accepts the proposed window (the customer adds the site's readiness)."""
    order = _locked(window.order)
    window = _answerable(order, window, side)
    for name, value in readiness.items():
        if name in READINESS_FIELDS:
            setattr(window, name, value)
    window.status = WindowStatus.ACCEPTED
    window.answered_by = actor
    window.answered_at = timezone.now()
    window.save(update_fields=["status", "answered_by", "answered_at", *READINESS_FIELDS])
    _event(order=order, kind=OrderEventKind.WINDOW_ACCEPTED, actor=actor)
    return window


@transaction.atomic
def delivery_window_counter(
    *, window: DeliveryWindow, starts_at: datetime, ends_at: datetime, actor, **readiness
) -> DeliveryWindow:
    """The customer answers CSO's window with another one; CSO accepts it or proposes again."""
    order = _locked(window.order)
    window = _answerable(order, window, WindowSide.CUSTOMER)
    window_check(order, starts_at, ends_at)
    window.status = WindowStatus.COUNTERED
    window.answered_by = actor
    window.answered_at = timezone.now()
    window.save(update_fields=["status", "answered_by", "answered_at"])
    fields = {name: readiness.get(name, getattr(window, name)) for name in READINESS_FIELDS}
    counter = DeliveryWindow.objects.create(
        order=order,
        starts_at=starts_at,
        ends_at=ends_at,
        proposed_by=actor,
        proposed_by_side=WindowSide.CUSTOMER,
        **fields,
    )
    _event(order=order, kind=OrderEventKind.WINDOW_COUNTERED, actor=actor)
    return counter
