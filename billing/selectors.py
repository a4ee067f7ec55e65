"""Reads on billing documents, always through the viewer for customer-facing pages."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import (
    BillingOptions,
    Dispute,
    DocumentKind,
    DocumentLanguage,
    Invoice,
    InvoiceListVersion,
    InvoiceStatus,
    InvoicingMode,
)
from csol.core.keyset import KeysetPage, cursors_for, keyset_page, records
from csol.core.money import quantize_money

OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


def billing_options_for(*, customer) -> BillingOptions:
    """The customer's billing options; defaults (unsaved) when it never chose any."""
    try:
        return customer.billing_options
    except BillingOptions.DoesNotExist:
        language = (
            DocumentLanguage.FRENCH
            if customer.language == "fr" or customer.province == "QC"
            else DocumentLanguage.ENGLISH
        )
        return BillingOptions(customer=customer, mode=InvoicingMode.PER_ORDER, language=language)


def credited_total(*, invoice: Invoice) -> Decimal:
    """Sum of the issued credit notes against an invoice."""
    value = (
        Invoice.objects.filter(credited_invoice=invoice, kind=DocumentKind.CREDIT_NOTE)
        .exclude(status=InvoiceStatus.DRAFT)
        .aggregate(s=Sum("total"))["s"]
    )
    return value or Decimal("0.00")


@dataclass(frozen=True)
class InvoiceFilter:
    status: str = ""  # "", open, overdue, paid
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def invoice_list(*, viewer, filters: InvoiceFilter | None = None, today: date | None = None) -> QuerySet:
    """Issued documents the viewer may see, filtered, newest first."""
    filters = filters or InvoiceFilter()
    today = today or timezone.localdate()
    qs = Invoice.objects.visible_to(viewer).documents()
    if filters.status == "open":
        qs = qs.filter(kind=DocumentKind.INVOICE, status__in=OPEN_STATUSES)
    elif filters.status == "overdue":
        qs = qs.filter(kind=DocumentKind.INVOICE, status__in=OPEN_STATUSES, due_date__lt=today)
    elif filters.status == "paid":
        qs = qs.filter(status=InvoiceStatus.PAID)
    if filters.date_from:
        qs = qs.filter(issue_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(issue_date__lte=filters.date_to)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(number__icontains=q) | Q(po_number__icontains=q))
    return qs.select_related("customer").order_by(*INVOICE_ORDERING)


INVOICE_ORDERING = ("-issue_date", "-id")
# What a row of the list shows (and its badges read): plain records, no Invoice or Customer objects
# built per row; id and the sort keys for the cursors.
PAGE_COLUMNS = (
    "id",
    "number",
    "kind",
    "customer_id",
    "status",
    "issue_date",
    "due_date",
    "po_number",
    "total",
)


def invoice_page(
    qs: QuerySet,
    *,
    count: int,
    number: int = 1,
    after: str = "",
    before: str = "",
    per_page: int = 25,
    with_customer: bool = True,
) -> KeysetPage:
    """One page of a filtered list without an extra COUNT (the totals already counted it).

    Next and Previous carry a cursor (csol.core.keyset): page 401 reads 25 rows from the
    (customer, issue_date, id) index like page 1, where OFFSET 10,000 walks 10,000 rows first. A bare
    `?page=N` still works by OFFSET. Issued documents always have an issue date (drafts are excluded).

    The items are plain records (csol.core.keyset.records) of the PAGE_COLUMNS, and the customer's
    name (`customer_name`) `with_customer`.
    """
    num_pages = max(1, -(-count // per_page))
    names = {"customer_name": F("customer__legal_name")} if with_customer else {}
    qs = qs.values(*PAGE_COLUMNS, **names)
    page = keyset_page(
        qs,
        ordering=INVOICE_ORDERING,
        number=number,
        after=after,
        before=before,
        per_page=per_page,
        fetch=lambda rows, limit: records(rows[:limit]),
        nulls_excluded=True,
    )
    if page is None:
        number = min(max(1, number), num_pages)
        offset = (number - 1) * per_page
        rows = records(qs.order_by(*INVOICE_ORDERING)[offset : offset + per_page])
        page = KeysetPage(rows, number, per_page, has_next=number < num_pages, has_previous=number > 1)
        page = cursors_for(qs, INVOICE_ORDERING, page, nulls_excluded=True)
    page.num_pages = num_pages
    return page


def invoice_list_totals(qs: QuerySet) -> dict:
    """Count and sums of a filtered list (credit notes count against the invoices)."""
    rows = (
        qs.order_by()
        .values("kind")
        .annotate(n=Count("id"), net=Sum("net_total"), tax=Sum("tax_total"), total=Sum("total"))
    )
    result = {"count": 0, "net": Decimal("0.00"), "tax": Decimal("0.00"), "total": Decimal("0.00")}
    for row in rows:
        sign = -1 if row["kind"] == DocumentKind.CREDIT_NOTE else 1
        result["count"] += row["n"]
        for key in ("net", "tax", "total"):
            result[key] += sign * (row[key] or 0)
    return result


# Cached totals also expire: a process dying between a commit and the token's renewal (see
# billing/receivers.py) leaves at most this long a stale total.
TOTALS_CACHE_SECONDS = 15 * 60


def invoice_list_totals_cached(
    *, viewer, filters: InvoiceFilter, qs: QuerySet, today: date | None = None
) -> dict:
    """invoice_list_totals(qs), from the cache while the viewer's customers' invoices are unchanged.

    C-BIG's 20,000 invoices cost tens of milliseconds to count and sum on every page; the cache key
    holds each customer's InvoiceListVersion token (read from the database, one indexed query), so
    any change of one of their invoices is seen by the next page view in every process. Agents see
    every customer: their totals are computed each time.
    """
    ids = viewer.customer_ids()
    if not ids:
        return invoice_list_totals(qs)
    tokens = dict(InvoiceListVersion.objects.filter(customer_id__in=ids).values_list("customer_id", "token"))
    today = today or timezone.localdate()
    source = repr(
        (
            [(customer_id, tokens.get(customer_id, "")) for customer_id in ids],
            filters,
            today if filters.status == "overdue" else None,  # "overdue" changes at midnight
        )
    )
    key = "billing:invoice-list-totals:" + hashlib.sha256(source.encode()).hexdigest()
    totals = cache.get(key)
    if totals is None:
        totals = invoice_list_totals(qs)
        cache.set(key, totals, TOTALS_CACHE_SECONDS)
    return totals


def invoice_get(*, viewer, number: str) -> Invoice:
    """One issued document the viewer may see (DoesNotExist otherwise, a 404 in views)."""
    return (
        Invoice.objects.visible_to(viewer)
        .documents()
        .select_related("customer", "bill_to", "credited_invoice")
        .get(number=number)
    )


def invoice_taxes(*, invoice: Invoice) -> list:
    """The document's taxes in display order (ordered here: the model's ordering joins the invoice)."""
    return list(invoice.taxes.order_by("kind", "province", "tax_category"))


def invoice_line_rows(*, invoice: Invoice) -> list[dict]:
    """The document's lines as plain rows of the columns its page shows, in one query.

    An invoice may have hundreds of lines: model instances cost more to build and to read in a
    template than the data itself, and the model's ordering ("invoice", ...) would join the invoice.
    """
    return list(
        invoice.lines.order_by("line_number").values(
            "line_number",
            "description",
            "reference",
            "quantity",
            "unit_price",
            "net_amount",
            "tax_category",
            "province",
        )
    )


def invoice_amounts_due(*, viewer, today: date | None = None) -> dict:
    """Open and overdue totals of the viewer's invoices (the dashboard card)."""
    today = today or timezone.localdate()
    qs = Invoice.objects.visible_to(viewer).filter(kind=DocumentKind.INVOICE, status__in=OPEN_STATUSES)
    return qs.aggregate(
        open=Sum("total"),
        overdue=Sum("total", filter=Q(due_date__lt=today)),
        open_count=Count("id"),
        overdue_count=Count("id", filter=Q(due_date__lt=today)),
    )


def lines_with_tax(*, invoice: Invoice, lines) -> Decimal:
    """Net of the chosen lines of an invoice plus their share of its tax.

    Tax is charged per (place of supply, tax category) group on the group's summed net, so a line's
    share is the group's tax × line net / group net. The shares of the chosen lines are added per
    group and rounded once per group: choosing every line gives back exactly the invoice's tax,
    where rounding each line could add up to a cent more per line.
    """
    group_net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    chosen_net: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    chosen = {line.pk for line in lines}
    for pk, province, category, net in invoice.lines.values_list(
        "pk", "province", "tax_category", "net_amount"
    ):
        group_net[(province, category)] += net
        if pk in chosen:
            chosen_net[(province, category)] += net
    group_tax: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for province, category, amount in invoice.taxes.values_list("province", "tax_category", "amount"):
        group_tax[(province, category)] += amount
    total = Decimal("0.00")
    for key, net in chosen_net.items():
        total += net
        if group_net[key]:
            total += quantize_money(group_tax[key] * net / group_net[key])
    return total


def dispute_list(*, viewer) -> QuerySet:
    return Dispute.objects.visible_to(viewer).select_related("invoice", "assigned_to").order_by("-created_at")


def billing_periods_due(*, on: date):
    """Contract billing periods to invoice on the date (the contracts app's selector when it exists)."""
    try:
        from contracts.selectors import billing_periods_due as contracts_periods_due
    except ImportError:
        contracts_periods_due = None
    if contracts_periods_due is not None:
        return contracts_periods_due(on=on)
    from contracts.models import BillingPeriod

    return BillingPeriod.objects.filter(due_on__lte=on, invoice_line__isnull=True).select_related(
        "contract", "contract__customer"
    )
