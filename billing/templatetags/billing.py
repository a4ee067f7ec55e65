from decimal import Decimal
from html import escape

from babel.numbers import format_decimal
from django import template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from billing.models import DocumentKind, InvoiceStatus, invoice_is_overdue
from csol.core.links import url_maker
from csol.core.money import format_money
from csol.core.templatetags.dates import isodate

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A tax rate as a percentage in the active language: 0.09975 → `9,975 %` / `9.975%`."""
    if rate in (None, ""):
        return ""
    value = (Decimal(rate) * 100).normalize()
    language = (translation.get_language() or "fr")[:2]
    if language == "fr":
        return format_decimal(value, format="#,##0.###", locale="fr_CA") + "\u00a0%"
    return format_decimal(value, format="#,##0.###", locale="en_CA") + "%"


@register.filter
def tax_label(kind: str) -> str:
    """The tax's name in the active language: GST → TPS in French."""
    from billing.models import TaxKind

    try:
        return str(TaxKind(kind).label)
    except ValueError:
        return kind


STATUS_TONES = {
    "paid": "text-bg-success",
    "cancelled": "text-bg-secondary",
    "partly_paid": "text-bg-info",
}


def _badges(status: str, overdue: bool, overdue_label: str) -> str:
    tone = STATUS_TONES.get(status, "text-bg-light border")
    badges = f'<span class="badge {tone}">{escape(str(InvoiceStatus(status).label))}</span>'
    if overdue:
        badges += f' <span class="badge text-bg-danger">{escape(overdue_label)}</span>'
    return badges


@register.filter
def status_badges(invoice) -> str:
    """The document's status as a badge, and "Overdue" when it is (the detail page)."""
    badges = _badges(invoice.status, invoice.is_overdue, gettext("Overdue"))
    return mark_safe(badges)  # noqa: S308 (labels are escaped)


@register.simple_tag
def invoice_rows(invoices, show_customer: bool) -> str:
    """The invoice list's table rows, from invoice_page()'s records.

    Built here, as Django's admin builds its change list cells (admin_list.items_for_result): 25
    rows of seven cells through the template engine cost more than all the rest of the page. The
    header row stays in the template; each cell is escaped here.
    """
    detail_url = url_maker("billing:detail", "number")
    credit_note = escape(gettext("Credit note"))
    overdue_label = gettext("Overdue")
    today = timezone.localdate()
    rows = []
    for invoice in invoices:
        credit = invoice.kind == DocumentKind.CREDIT_NOTE
        overdue = invoice_is_overdue(invoice.kind, invoice.status, invoice.due_date, today=today)
        number = f'<a href="{escape(detail_url(invoice.number))}">{escape(invoice.number)}</a>'
        if credit:
            number += f' <span class="badge text-bg-warning">{credit_note}</span>'
        customer = f"<td>{escape(invoice.customer_name)}</td>" if show_customer else ""
        due = "" if credit else isodate(invoice.due_date)
        total = ("−" if credit else "") + escape(format_money(invoice.total))
        rows.append(
            f"<tr><td>{number}</td>{customer}<td>{isodate(invoice.issue_date)}</td><td>{due}</td>"
            f"<td>{escape(invoice.po_number)}</td><td>{_badges(invoice.status, overdue, overdue_label)}</td>"
            f'<td class="text-end">{total}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)
