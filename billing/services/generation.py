"""Invoice generation from delivered order lines and due contract billing periods.

Each source is invoiced exactly once: the invoice line's OneToOne key on the source is unique in the
database, so a second (concurrent or retried) run fails that insert and skips the source.

Sources are added by batches of drafts, one transaction and a constant number of queries per batch
(the open drafts locked, the new drafts, the lines, taxes and totals each written at once). When a
batch meets a source or a draft another run wrote meanwhile, the database refuses it and the batch's
sources are added one by one instead, each in its own transaction, so one conflict never loses the
others. Ready drafts are then issued by batches; each batch's PDFs and emails follow as one job.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from billing.models import Invoice, InvoiceEvent, InvoiceLine, InvoiceStatus, InvoicingMode
from billing.selectors import billing_options_for, billing_periods_due
from billing.services.invoices import (
    invoice_draft_build,
    invoice_draft_create,
    invoice_line_add,
    invoice_line_build,
    invoices_issue,
    invoices_recalculate,
)
from billing.taxes import STANDARD
from csol.audit.recorder import record_created

logger = logging.getLogger(__name__)

# Goods are taxed where they are delivered; services and licences where the customer is.
GOODS_KINDS = {"hardware", "publication"}
# Drafts filled per transaction, and invoices issued per transaction (and per PDF and email job: small
# enough that two workers finish a run together, large enough that a batch's queries are few per invoice).
SOURCE_BATCH = 50
ISSUE_BATCH = 10


@dataclass
class GenerationResult:
    order_lines: int = 0
    billing_periods: int = 0
    skipped: int = 0
    issued: list[str] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


@dataclass
class _Source:
    """One thing to invoice: the draft it goes to (by grouping key) and the line it becomes."""

    customer: object
    key: str
    issue_after: date
    line: dict
    bill_to: object = None
    po_number: str = ""

    @property
    def is_order_line(self) -> bool:
        return self.line.get("order_line") is not None


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _grouping(*, customer, day: date, own_key: str) -> tuple[str, date]:
    options = billing_options_for(customer=customer)
    if options.mode == InvoicingMode.MONTHLY:
        return f"month:{day:%Y-%m}", _first_of_next_month(day)
    return own_key, day


def _order_line_source(line, *, today: date) -> _Source:
    order = line.order
    customer = order.customer
    key, issue_after = _grouping(
        customer=customer, day=line.delivered_at or today, own_key=f"order:{order.number}"
    )
    product = line.product
    return _Source(
        customer=customer,
        key=key,
        issue_after=issue_after,
        bill_to=order.bill_to,
        po_number=order.po_number,
        line={
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "net_amount": line.net_amount,
            "tax_category": product.tax_category,
            "province": order.ship_to.province if product.kind in GOODS_KINDS else customer.province,
            "reference": f"{order.number}/{line.line_number}",
            "order_line": line,
        },
    )


def _billing_period_source(period, *, today: date) -> _Source:
    contract = period.contract
    customer = contract.customer
    key, issue_after = _grouping(
        customer=customer, day=max(period.due_on, today), own_key=f"contract:{contract.number}"
    )
    # The line reads in the customer's invoice language (French first when bilingual).
    with translation.override(billing_options_for(customer=customer).language[:2]):
        kind = contract.get_kind_display()
        description = f"{contract.number} {kind} {period.start_date} – {period.end_date}"
    return _Source(
        customer=customer,
        key=key,
        issue_after=issue_after,
        line={
            "description": description,
            "quantity": 1,
            "unit_price": period.amount,
            "net_amount": period.amount,
            "tax_category": STANDARD,
            "province": customer.province,
            "reference": contract.number,
            "billing_period": period,
        },
    )


def _draft_for(
    *, customer, key: str, issue_after: date, bill_to=None, po_number: str = "", actor=None
) -> Invoice:
    """The customer's open draft for the grouping key, locked; created if there is none."""
    draft = (
        Invoice.objects.select_for_update()
        .filter(customer=customer, grouping_key=key, status=InvoiceStatus.DRAFT)
        .first()
    )
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return invoice_draft_create(
                customer=customer,
                bill_to=bill_to,
                grouping_key=key,
                issue_after=issue_after,
                po_number=po_number,
                actor=actor,
            )
    except IntegrityError:
        # A concurrent run created it (the partial unique constraint): use theirs.
        return Invoice.objects.select_for_update().get(
            customer=customer, grouping_key=key, status=InvoiceStatus.DRAFT
        )


def _add_one(source: _Source, *, actor) -> bool:
    """Add one source in its own transaction; False when another run invoiced it first."""
    try:
        with transaction.atomic():
            draft = _draft_for(
                customer=source.customer,
                key=source.key,
                issue_after=source.issue_after,
                bill_to=source.bill_to,
                po_number=source.po_number,
                actor=actor,
            )
            invoice_line_add(invoice=draft, **source.line)
    except IntegrityError:
        return False
    return True


def _invoice_order_line(line, *, today: date, actor) -> bool:
    return _add_one(_order_line_source(line, today=today), actor=actor)


def _invoice_billing_period(period, *, today: date, actor) -> bool:
    return _add_one(_billing_period_source(period, today=today), actor=actor)


def _bill_to_sites(customer_ids) -> dict[int, object]:
    """Each customer's bill-to site (its first site when none is marked), in one query."""
    from csol.core.models import Site

    sites: dict[int, object] = {}
    for site in Site.objects.filter(customer_id__in=list(customer_ids)).order_by("-is_bill_to", "id"):
        sites.setdefault(site.customer_id, site)
    return sites


def _add_batch(groups: dict[tuple[int, str], list[_Source]], *, actor) -> None:
    """Add the sources of a batch of drafts in one transaction; IntegrityError when another run
    invoiced one of the sources or opened one of the drafts meanwhile (nothing is written then)."""
    with transaction.atomic():
        customer_ids = {customer_id for customer_id, _key in groups}
        drafts = {
            (draft.customer_id, draft.grouping_key): draft
            for draft in Invoice.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(
                status=InvoiceStatus.DRAFT,
                customer_id__in=customer_ids,
                grouping_key__in={key for _customer_id, key in groups},
            )
            if (draft.customer_id, draft.grouping_key) in groups
        }
        last_numbers = dict(
            InvoiceLine.objects.filter(invoice__in=list(drafts.values()))
            .values("invoice_id")
            .annotate(last=Max("line_number"))
            .values_list("invoice_id", "last")
        )
        missing = [pair for pair in groups if pair not in drafts]
        sites = _bill_to_sites(
            {pair[0] for pair in missing if groups[pair][0].bill_to is None},
        )
        created = []
        for pair in missing:
            first = groups[pair][0]
            created.append(
                invoice_draft_build(
                    customer=first.customer,
                    bill_to=first.bill_to or sites.get(first.customer.pk),
                    po_number=first.po_number,
                    grouping_key=first.key,
                    issue_after=first.issue_after,
                )
            )
        Invoice.objects.bulk_create(created)
        InvoiceEvent.objects.bulk_create(
            InvoiceEvent(invoice=draft, actor=actor, action="created", to_status=InvoiceStatus.DRAFT)
            for draft in created
        )
        drafts.update({(draft.customer_id, draft.grouping_key): draft for draft in created})
        lines = []
        for pair, sources in groups.items():
            draft = drafts[pair]
            number = last_numbers.get(draft.pk, 0)
            for source in sources:
                number += 1
                lines.append(invoice_line_build(invoice=draft, line_number=number, **source.line))
        InvoiceLine.objects.bulk_create(lines)
        record_created(created)
        record_created(lines)
        # New drafts start at zero like any draft; their totals then change with the lines, as recorded.
        invoices_recalculate(invoices=list(drafts.values()))


def _batches(groups: dict, size: int):
    iterator = iter(groups.items())
    while batch := dict(islice(iterator, size)):
        yield batch


def _add_sources(sources: list[_Source], *, actor, result: GenerationResult) -> None:
    groups: dict[tuple[int, str], list[_Source]] = defaultdict(list)
    for source in sources:
        groups[(source.customer.pk, source.key)].append(source)
    for batch in _batches(groups, SOURCE_BATCH):
        batch_sources = [source for sources_of in batch.values() for source in sources_of]
        try:
            _add_batch(batch, actor=actor)
            added = [(source, True) for source in batch_sources]
        except IntegrityError:
            # Another run got to some of these first: each source on its own, the duplicates skipped.
            added = [(source, _add_one(source, actor=actor)) for source in batch_sources]
        for source, ok in added:
            if not ok:
                result.skipped += 1
            elif source.is_order_line:
                result.order_lines += 1
            else:
                result.billing_periods += 1


def invoice_generation_run(
    *, on: date | None = None, customer_id: int | None = None, actor=None, issue: bool = True
) -> GenerationResult:
    """Invoice what is due on `on` (today by default), for one customer or all, then issue ready drafts."""
    from orders.models import OrderLine

    today = on or timezone.localdate()
    result = GenerationResult()
    lines = (
        OrderLine.objects.filter(
            delivered_at__isnull=False, delivered_at__lte=today, invoice_line__isnull=True
        )
        .exclude(order__status="cancelled")
        .select_related(
            "order",
            "order__customer",
            "order__customer__billing_options",
            "order__ship_to",
            "order__bill_to",
            "product",
        )
        .order_by("order_id", "line_number")
    )
    periods = billing_periods_due(on=today).select_related("contract__customer__billing_options")
    if customer_id is not None:
        lines = lines.filter(order__customer_id=customer_id)
        periods = periods.filter(contract__customer_id=customer_id)
    sources = [_order_line_source(line, today=today) for line in lines.iterator(chunk_size=2000)]
    sources += [_billing_period_source(period, today=today) for period in periods.iterator(chunk_size=2000)]
    _add_sources(sources, actor=actor, result=result)
    if issue:
        ready = Invoice.objects.filter(status=InvoiceStatus.DRAFT, issue_after__lte=today).exclude(
            grouping_key=""
        )
        if customer_id is not None:
            ready = ready.filter(customer_id=customer_id)
        ready_ids = list(ready.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ready_ids), ISSUE_BATCH):
            batch = invoices_issue(invoice_ids=ready_ids[start : start + ISSUE_BATCH], actor=actor, on=today)
            result.issued += [invoice.number for invoice in batch.issued]
            for draft_id, error in batch.held.items():
                # Held (e.g. a PO number is required): agents see it among the drafts.
                logger.info("invoice draft %s held: %s", draft_id, error.messages)
                result.held.append(draft_id)
    return result
