"""The installed base's coverage badge and the lookup's result rows, built in Python.

As the order and invoice lists build their rows (orders/templatetags/orders.py): a table of a few
cells per row through the template engine, an include per coverage badge, a reverse() per link and
a translated label per status, cost more than the lookup's search itself. Each value is escaped
here; the table's header stays in the template.
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from csol.core.links import url_maker
from inventory.models import RecordStatus

register = template.Library()


def _coverage_badge(coverage) -> str:
    label = escape(str(coverage.label))
    if not coverage.is_covered:
        return f'<span class="badge text-bg-secondary">{label}</span>'
    if coverage.expiring:
        ending = escape(_("ends within 90 days"))
        return f'<span class="badge text-bg-warning">{label}</span> <span class="small">{ending}</span>'
    return f'<span class="badge text-bg-success">{label}</span>'


@register.filter
def coverage_badge(coverage) -> str:
    """Today's coverage as a badge, and a word when it ends within 90 days."""
    return mark_safe(_coverage_badge(coverage))  # noqa: S308 (escaped above)


@register.simple_tag
def lookup_rows(records, show_customer: bool, staff: bool = False) -> str:
    """The lookup's result rows: records read by inventory.lookup, their coverage attached."""
    if staff:  # agents open the record in the back office
        record_url = url_maker("admin:inventory_inventoryrecord_change", "object_id")
    else:
        record_url = url_maker("inventory:detail", "pk")
    no_serial = escape(_("(none)"))
    rows = []
    for record in records:
        customer = ""
        if show_customer:
            customer = (
                f"<td>{escape(record.customer.legal_name)} "
                f'<span class="text-body-secondary">{escape(record.customer.number)}</span></td>'
            )
        serial = escape(record.serial_number) or no_serial
        rows.append(
            f"<tr>{customer}<td>{escape(record.type_model) or '—'}</td>"
            f'<td><a href="{escape(record_url(record.pk))}">{serial}</a></td>'
            f"<td>{escape(record.product.name)}</td><td>{escape(record.site.name)}</td>"
            f"<td>{escape(str(RecordStatus(record.status).label))}</td>"
            f"<td>{_coverage_badge(record.coverage)}</td></tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)
