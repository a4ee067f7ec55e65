from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from csol.core.links import url_maker
from csol.core.money import format_money
from csol.core.templatetags.dates import isodate
from orders.models import OrderStatus

register = template.Library()


def _badge(order) -> str:
    """The badge of an order or of a list's record (status and is_open)."""
    if order.is_open:
        tone = "text-bg-primary"
    elif order.status == OrderStatus.CANCELLED:
        tone = "text-bg-secondary"
    else:
        tone = "text-bg-success"
    return f'<span class="badge {tone}">{escape(str(OrderStatus(order.status).label))}</span>'


@register.filter
def status_badge(order) -> str:
    """The order's status as a badge (the list's rows and the detail page)."""
    return mark_safe(_badge(order))  # noqa: S308 (the label is escaped)


@register.simple_tag
def order_rows(orders, show_customer: bool) -> str:
    """The order list's table rows, from orders_page()'s records.

    Built here, as Django's admin builds its change list cells (admin_list.items_for_result): 25
    rows of eight cells through the template engine cost more than all the rest of the page. The
    header row stays in the template; each cell is escaped here.
    """
    detail_url = url_maker("orders:detail", "number")
    rows = []
    for order in orders:
        customer = f"<td>{escape(order.customer_name)}</td>" if show_customer else ""
        created = isodate(timezone.localtime(order.created_at))
        requested = isodate(order.requested_delivery_date) or "—"
        rows.append(
            f'<tr><td><a href="{escape(detail_url(order.number))}">{escape(order.number)}</a></td>'
            f"{customer}<td>{escape(order.po_number) or '—'}</td><td>{_badge(order)}</td>"
            f"<td>{created}</td><td>{requested}</td><td>{escape(order.ship_to_name)}</td>"
            f'<td class="num">{escape(format_money(order.net_total))}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)
