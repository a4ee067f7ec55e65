"""Job figures: selection queries (EXPLAIN), run time with few vs many due, invoice issuing throughput.

The renewal-reminder and dunning runs are timed inside a transaction that is rolled back, so the
scale data stays as loaded and a second benchmark run measures the same thing. What is due is
varied without changing the table size (the reminder window for contracts; how many invoices are
still open for dunning), so the figures show that the run time follows what is due.
"""

import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.harness import sql_timer


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def explain_queryset(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def _timed(call):
    with sql_timer() as timer:
        started = time.perf_counter()
        value = call()
        elapsed = time.perf_counter() - started
    return value, elapsed * 1000, timer.count


def renewal_figures() -> tuple[list[str], list[tuple[str, str]]]:
    """Reminder rows written by the daily job for a short and a long reminder window."""
    from contracts.models import Contract
    from contracts.reminders import renewal_reminders_create
    from contracts.selectors import contracts_due_for_reminder

    today = timezone.localdate()
    lines = [
        "## Renewal-reminder job (selection + reminder rows, rolled back)",
        f"- contracts in the table: {Contract.objects.count():,}",
    ]
    for label, offsets in [
        ("few due (window 2 days)", [2]),
        ("many due (windows 90/60/30 days)", [90, 60, 30]),
    ]:
        with rolled_back():
            selection = contracts_due_for_reminder(today=today, offsets=offsets)
            _rows, select_ms, _q = _timed(lambda selection=selection: list(selection))
            created, run_ms, queries = _timed(
                lambda offsets=offsets: renewal_reminders_create(today=today, offsets=offsets)
            )
        lines.append(
            f"- {label}: {len(created):,} due; selection query {select_ms:.1f} ms; "
            f"run {run_ms:.0f} ms, {queries:,} queries ({run_ms / max(len(created), 1):.2f} ms per reminder)"
        )
    plans = [
        (
            "renewal reminders due (90/60/30 days)",
            explain_queryset(contracts_due_for_reminder(today=today, offsets=[90, 60, 30])),
        )
    ]
    return lines, plans


def dunning_figures() -> tuple[list[str], list[tuple[str, str]]]:
    """The dunning run with every open invoice still open, then with all but 20 of them paid."""
    from billing.models import Invoice
    from collections_ar.selectors import OPEN_STATUSES
    from collections_ar.services.dunning import dunning_candidates, dunning_run

    today = timezone.localdate()
    lines = [
        "## Dunning job (selection + reminders + emails, rolled back)",
        f"- invoices in the table: {Invoice.objects.count():,}",
    ]
    for label, keep in [("few due", 20), ("many due", None)]:
        with rolled_back():
            if keep is not None:
                kept = list(dunning_candidates(today=today).values_list("pk", flat=True)[:keep])
                Invoice.objects.filter(status__in=OPEN_STATUSES).exclude(pk__in=kept).update(status="paid")
            candidates, select_ms, _q = _timed(lambda: list(dunning_candidates(today=today)))
            result, run_ms, queries = _timed(lambda: dunning_run(today=today))
        lines.append(
            f"- {label}: {len(candidates):,} candidates, {result.sent:,} reminders sent "
            f"({result.emails:,} emails); selection query {select_ms:.1f} ms; run {run_ms:.0f} ms, "
            f"{queries:,} queries"
        )
    plans = [("dunning candidates", explain_queryset(dunning_candidates(today=today)))]
    return lines, plans


def generation_figures(count: int = 10) -> list[str]:
    """Issuing invoices with their PDF (eager job, one process) against the bare WeasyPrint rate."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from billing.models import Invoice
    from billing.services.documents import invoice_document_context
    from billing.services.invoices import invoice_draft_create, invoice_issue, invoice_line_add
    from csol.core.models import Customer

    customers = list(Customer.objects.filter(number__startswith="C-3").order_by("id")[:count])
    drafts = []
    for customer in customers:
        draft = invoice_draft_create(customer=customer, po_number="PO-BENCH")
        for n in range(3):
            invoice_line_add(
                invoice=draft,
                description=f"Maintenance {n + 1}",
                quantity=1,
                unit_price="1200.00",
                tax_category="standard",
            )
        drafts.append(draft)
    issued, run_ms, queries = _timed(lambda: [invoice_issue(invoice=d) for d in drafts])
    stored = Invoice.objects.filter(pk__in=[i.pk for i in issued]).exclude(pdf="").count()
    html = render_to_string(
        "billing/pdf/invoice.html",
        invoice_document_context(Invoice.objects.select_related("customer", "bill_to").get(pk=issued[0].pk)),
    )
    started = time.perf_counter()
    for _ in range(3):
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    bare_ms = (time.perf_counter() - started) * 1000 / 3
    rate = len(issued) / (run_ms / 1000)
    bare_rate = 1000 / bare_ms
    return [
        "## Invoice generation (issue + PDF + email, one process)",
        f"- {len(issued)} invoices issued in {run_ms:.0f} ms ({stored} PDFs stored), {queries} queries "
        f"({queries / len(issued):.1f} per invoice): {rate:.2f} invoices/s",
        f"- bare WeasyPrint render of the same HTML: {bare_ms:.0f} ms, {bare_rate:.2f}/s; "
        f"ratio {rate / bare_rate:.2f} (target ≥ 0.8; 2 workers: ≥ 0.8 × 2 × {bare_rate:.2f}/s)",
    ]
