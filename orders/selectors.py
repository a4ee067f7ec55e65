"""Reads on orders, always through the viewer (tenancy); other apps use these too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from csol.core.keyset import KeysetPage, cursors_for, keyset_page, records
from csol.core.models import Role
from orders.models import (
    DeliveryWindow,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    Shipment,
    ShipmentLine,
    WindowSide,
    WindowStatus,
)

# Sort key → ORDER BY; each is served by an index on (customer, ...) declared on Order.
SORTS = {
    "open": ("-is_open", "-created_at", "-id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "requested": ("requested_delivery_date", "id"),
}
DEFAULT_SORT = "open"


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""  # "", "open", "closed" or an OrderStatus value
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list(*, viewer, filters: OrderFilters | None = None) -> QuerySet:
    """The viewer's orders, filtered and sorted (open ones first by default)."""
    filters = filters or OrderFilters()
    orders = Order.objects.visible_to(viewer).select_related("customer", "ship_to")
    if filters.status == "open":
        orders = orders.filter(is_open=True)
    elif filters.status == "closed":
        orders = orders.filter(is_open=False)
    elif filters.status:
        orders = orders.filter(status=filters.status)
    # Ranges on the timestamp itself (not __date) so the (customer, created_at) index serves them.
    if filters.date_from:
        orders = orders.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        orders = orders.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    q = filters.q.strip()
    if q:
        orders = orders.filter(Q(number__istartswith=q) | Q(po_number__istartswith=q))
    return orders.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


# Above this many customers a viewer's list is one plain query (the UNION would grow too wide).
MAX_UNION_CUSTOMERS = 50
# What a row of the list shows (with the customer's and ship-to site's names, annotated): plain
# records, no Order, Customer or Site objects built per row; id and the sort keys for the cursors.
PAGE_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "status",
    "is_open",
    "po_number",
    "created_at",
    "requested_delivery_date",
    "net_total",
)


def order_page(
    *, viewer, filters: OrderFilters, page: int, per_page: int = 25, after: str = "", before: str = ""
) -> KeysetPage:
    """One page of the viewer's orders, without counting them.

    "Next" and "Previous" carry a cursor (the sort key of the edge row, see csol.core.keyset): page
    401 reads 26 rows from the index like page 1, where OFFSET 10,000 would walk 10,000 first. A
    bare `?page=N` still works by OFFSET.

    A partner sees several customers: `customer_id IN (...) ORDER BY ... LIMIT` cannot walk the
    per-customer index in order, so PostgreSQL would sort every row of every customer. Instead each
    customer contributes its own first rows (an index range scan) and the UNION ALL of those few is
    sorted.

    The items are plain records (csol.core.keyset.records) of the PAGE_COLUMNS, `ship_to_name`, and
    `customer_name` when the viewer acts for several customers (the list then shows the customer:
    otherwise no join on the customers).
    """
    names = {"ship_to_name": F("ship_to__name")}
    if viewer.active_customer_id is None:
        names["customer_name"] = F("customer__legal_name")
    orders = order_list(viewer=viewer, filters=filters).values(*PAGE_COLUMNS, **names)
    sort = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    fetch = _fetcher(viewer)
    keyset = keyset_page(
        orders, ordering=sort, number=page, after=after, before=before, per_page=per_page, fetch=fetch
    )
    if keyset is not None:
        return keyset
    page = max(1, page)
    offset = (page - 1) * per_page
    rows = fetch(orders, per_page + 1, offset=offset)
    result = KeysetPage(rows[:per_page], page, per_page, has_next=len(rows) > per_page, has_previous=page > 1)
    return cursors_for(orders, sort, result)


def _fetcher(viewer):
    """Rows of an ordered queryset: one query, or for a partner the UNION ALL of each customer's."""
    ids = viewer.customer_ids()
    union = (
        ids
        and 1 < len(ids) <= MAX_UNION_CUSTOMERS
        and connection.features.supports_slicing_ordering_in_compound
    )

    def fetch(queryset, limit, offset=0):
        if not union:
            return records(queryset[offset : offset + limit])
        parts = [queryset.filter(customer_id=customer_id)[: offset + limit] for customer_id in ids]
        ordering = queryset.query.order_by
        return records(parts[0].union(*parts[1:], all=True).order_by(*ordering)[offset : offset + limit])

    return fetch


def order_get_visible(*, viewer, number: str) -> Order:
    """The order if the viewer may see it; Http404 otherwise (never a 403)."""
    order = (
        Order.objects.visible_to(viewer)
        .select_related("customer", "ship_to", "bill_to", "placed_by", "partner")
        .filter(number=number)
        .first()
    )
    if order is None:
        raise Http404
    return order


def order_detail(*, viewer, number: str) -> Order:
    """The order with everything its page shows, in a fixed number of queries.

    Lines are plain rows (dicts of the columns the page shows): an order may have hundreds, and
    building two model instances per line and reading them in the template cost more than the data.
    """
    order = order_get_visible(viewer=viewer, number=number)
    lines = (
        OrderLine.objects.filter(order=order)
        .order_by("line_number")
        .values(
            "line_number",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "delivered_at",
            product_sku=F("product__sku"),
            product_machine_type=F("product__machine_type"),
            product_model=F("product__model"),
        )
    )
    shipment_lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__line_number")
    order.line_list = list(lines)
    order.shipment_list = list(
        Shipment.objects.filter(order=order)
        .prefetch_related(Prefetch("lines", queryset=shipment_lines))
        .order_by("sequence")
    )
    order.events_list = list(
        OrderEvent.objects.filter(order=order)
        .select_related("actor", "shipment")
        .order_by("created_at", "id")
    )
    # The page shows the windows' own fields only (not who proposed or answered).
    order.window_list = list(DeliveryWindow.objects.filter(order=order).order_by("-created_at", "-id"))
    return order


def current_window(order: Order) -> DeliveryWindow | None:
    """The proposal awaiting an answer, else the accepted window (from order_detail's window_list)."""
    windows = getattr(order, "window_list", None)
    if windows is None:
        windows = list(order.delivery_windows.order_by("-created_at", "-id"))
    for status in (WindowStatus.PROPOSED, WindowStatus.ACCEPTED):
        for window in windows:
            if window.status == status:
                return window
    return None


def can_confirm_delivery(*, viewer, order: Order) -> bool:
    """Buyers and administrators of the order's customer answer delivery windows (not partners)."""
    return viewer.roles.get(order.customer_id) in (Role.ADMINISTRATOR, Role.BUYER)


def awaiting_confirmation(*, viewer) -> QuerySet:
    """Open orders whose CSO delivery window waits for the customer's answer."""
    return Order.objects.visible_to(viewer).filter(
        is_open=True,
        delivery_windows__status=WindowStatus.PROPOSED,
        delivery_windows__proposed_by_side=WindowSide.CSO,
    )


def orderable_products() -> QuerySet:
    return Product.objects.filter(is_active=True).order_by("kind", "sku")


def order_status_choices() -> list[tuple[str, str]]:
    return list(OrderStatus.choices)
