"""Job figures: selection queries (EXPLAIN), run time with few vs many due, invoice issuing throughput.

The renewal-reminder and dunning runs are timed inside a transaction that is rolled back, so the
scale data stays as loaded and a second benchmark run measures the same thing. What is due is
varied without changing the table size (the reminder window for contracts; how many invoices are
still open for dunning), so the figures show that the run time follows what is due.
"""

import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.harness import sql_timer
from bench.probe import proc_cpu


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


# -- invoice generation by real Celery workers ------------------------------------------------------

WORKER_PROCESSES = 2
LOCK = "bench:lock"


def _me() -> str:
    return f"{platform.node()} process {os.getpid()} since {time.strftime('%H:%M UTC', time.gmtime())}"


def _terminated(signum, frame):
    raise SystemExit(f"generation benchmark stopped by signal {signum}")


def _broker_url() -> str:
    """A Redis database of the benchmark's own (BENCH_REDIS_DB, 12 by default): flushed before and after."""
    base = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379").rstrip("/")
    return f"{base}/{int(os.environ.get('BENCH_REDIS_DB', '12'))}"


def _defer_other_sources(today, tag: str) -> int:
    """Sources already due that are not this run's (an older seed's billing periods, an aborted run's
    orders) are moved to tomorrow, so the run invoices exactly the orders it created."""
    from billing.selectors import billing_periods_due
    from contracts.models import BillingPeriod
    from orders.models import OrderLine

    tomorrow = today + timedelta(days=1)
    due = list(billing_periods_due(on=today).values_list("pk", flat=True))
    periods = BillingPeriod.objects.filter(pk__in=due)
    lines = OrderLine.objects.filter(
        delivered_at__isnull=False, delivered_at__lte=today, invoice_line__isnull=True
    ).exclude(order__number__startswith=f"{tag}-")
    return periods.update(due_on=tomorrow) + lines.update(delivered_at=tomorrow)


def _generation_sources(count: int, today, tag: str) -> None:
    """`count` delivered orders of three lines each, spread over the scale customers (bulk inserts)."""
    import random

    from csol.core.models import Customer, Site
    from orders.models import Order, OrderLine, Product

    rng = random.Random(2026)
    customers = list(
        Customer.objects.filter(number__startswith="C-3", status="active")
        .order_by("id")
        .values_list("id", flat=True)
    )
    site_of = dict(
        Site.objects.filter(customer_id__in=customers, is_bill_to=True).values_list("customer_id", "id")
    )
    customers = [c for c in customers if c in site_of]
    products = list(Product.objects.filter(is_active=True).values_list("id", "unit_price", "name_en")[:300])
    for start in range(0, count, 2000):
        orders = [
            Order(
                number=f"{tag}-{n:06d}",
                customer_id=customers[n % len(customers)],
                status="delivered",
                is_open=False,
                po_number=f"PO-{n:06d}",
                ship_to_id=site_of[customers[n % len(customers)]],
                bill_to_id=site_of[customers[n % len(customers)]],
            )
            for n in range(start, min(count, start + 2000))
        ]
        Order.objects.bulk_create(orders)
        ids = Order.objects.filter(number__in=[o.number for o in orders]).values_list("id", flat=True)
        lines = []
        for order_id in ids:
            for line_number in (1, 2, 3):
                product_id, price, name = products[rng.randrange(len(products))]
                quantity = rng.randrange(1, 5)
                lines.append(
                    OrderLine(
                        order_id=order_id,
                        line_number=line_number,
                        product_id=product_id,
                        description=name,
                        quantity=quantity,
                        unit_price=price,
                        net_amount=price * quantity,
                        delivered_at=today,
                    )
                )
        OrderLine.objects.bulk_create(lines)


def _document_html(invoice) -> tuple[str, dict]:
    """The HTML the job renders for an invoice, and the options of its write_pdf call."""
    from billing.services import documents

    if hasattr(documents, "invoice_pdf_source"):
        return documents.invoice_pdf_source(invoice)
    from django.template.loader import render_to_string
    from django.utils import translation

    context = documents.invoice_document_context(invoice)
    with translation.override(context["languages"][0]):
        html = render_to_string("billing/pdf/invoice.html", context)
    return html, {"pdf_variant": "pdf/ua-1", "pdf_identifier": invoice.number.encode()}


def _bare_renders(sources, options_plain: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds per render of the given HTML, WeasyPrint alone (after one warm-up render)."""
    from weasyprint import HTML

    def render(html, options):
        if options_plain:
            options = {}
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(**options)

    render(*sources[0])
    started, cpu = time.perf_counter(), time.process_time()
    for html, options in sources:
        render(html, options)
    return (time.perf_counter() - started) / len(sources), (time.process_time() - cpu) / len(sources)


def _bare_renders_parallel(sources, processes: int) -> float:
    """Renders per second of `processes` bare WeasyPrint processes rendering the samples at once."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # forked children must not share the parent's database connection
    context = multiprocessing.get_context("fork")
    rounds = 2
    with context.Pool(processes) as pool:
        pool.map(_bare_renders, [sources[:1]] * processes)  # warm each process up
        started = time.perf_counter()
        pool.map(_bare_renders, [sources] * (processes * rounds))
        elapsed = time.perf_counter() - started
    return len(sources) * processes * rounds / elapsed


def _start_workers(env: dict, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "csol",
        "worker",
        "--concurrency",
        str(WORKER_PROCESSES),
        "--pool",
        "prefork",
        "--include",
        "bench.probe",
        "--hostname",
        f"bench-generation-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]
    log = log_path.open("w")
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop_workers(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)  # warm shutdown: the pool's children stop with it
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group of the worker started above, and only it
        process.wait()


def _run_progress(tag: str) -> tuple[int, int, int]:
    """(issued, with a stored PDF, with the issue email sent) among the invoices of this run's orders."""
    from django.db.models import Count, Q

    from billing.models import Invoice, InvoiceEmail

    invoices = Invoice.objects.filter(lines__order_line__order__number__startswith=f"{tag}-").distinct()
    figures = Invoice.objects.filter(pk__in=invoices.values("pk")).aggregate(
        issued=Count("pk", filter=~Q(status="draft")), stored=Count("pk", filter=~Q(pdf=""))
    )
    emailed = InvoiceEmail.objects.filter(
        invoice__in=invoices.values("pk"), event="issued", sent_at__isnull=False
    ).count()
    return figures["issued"], figures["stored"], emailed


def _by_tenth(progress: list[tuple[float, int, float]]) -> str:
    """The rate of each tenth of the run's duration, with the machine's load then."""
    end = progress[-1][0]
    parts, previous = [], (0.0, 0)
    for tenth in range(1, 11):
        upto = [p for p in progress if p[0] <= end * tenth / 10]
        if not upto or upto[-1][0] <= previous[0]:
            continue
        seconds, stored, load = upto[-1]
        parts.append(f"{(stored - previous[1]) / (seconds - previous[0]):.1f} @ {load:.0f}")
        previous = (seconds, stored)
    return ", ".join(parts)


def _task_lines(records: list[dict]) -> list[str]:
    by_task: dict[str, list[dict]] = {}
    for record in records:
        by_task.setdefault(record["task"], []).append(record)
    lines = []
    for name, rows in sorted(by_task.items()):
        queries = [r["queries"] for r in rows]
        sizes = sorted({r["size"] for r in rows})
        failed = sum(1 for r in rows if r["state"] != "SUCCESS")
        cpu = sum(r["cpu"] for r in rows)
        render = sum(r["render_cpu"] for r in rows)
        size_text = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
        lines.append(
            f"- `{name}`: {len(rows):,} tasks (ids per task: {size_text}), queries per task "
            f"{min(queries)}–{max(queries)} (total {sum(queries):,}), worker CPU {cpu:.1f} s"
            + (f", of which WeasyPrint {render:.1f} s ({render / cpu:.0%})" if render else "")
            + (f", {failed} not successful" if failed else "")
        )
    return lines


def generation_figures(count: int | None = None) -> list[str]:
    """The invoice generation job end to end, by two Celery worker processes on Redis and PostgreSQL.

    Creates `count` delivered orders (three lines each, spread over the scale customers; BENCH_INVOICES,
    10,000 by default), starts `celery worker --concurrency 2` on a Redis database of its own, sends the
    beat's `billing.tasks.invoice_generation_run` and waits until every invoice is issued, its PDF stored
    and its email sent. Then it renders the HTML of a sample of those invoices with WeasyPrint alone, in
    this process (the bare single-render rate), and in two processes at once (what the machine gives two
    renderers now). The run's invoices stay in the database (a benchmark database).
    """
    import json

    import redis
    from celery import Celery

    from billing.models import Invoice

    count = count or int(os.environ.get("BENCH_INVOICES", "10000"))
    timeout = float(os.environ.get("BENCH_GENERATION_TIMEOUT", str(count * 3 + 300)))
    broker = _broker_url()
    client = redis.Redis.from_url(broker)
    # Two runs on one Redis database would take (and flush) each other's tasks: one at a time.
    try:
        claimed = client.set(LOCK, _me(), nx=True, ex=int(timeout) + 900)
    except redis.exceptions.ConnectionError as error:
        return ["## Invoice generation job", f"- not measured: no Redis at {broker} ({error})"]
    if not claimed:
        holder = (client.get(LOCK) or b"?").decode()
        return [
            "## Invoice generation job",
            f"- not measured: {broker} is in use by another benchmark run ({holder}); wait for it, or give "
            "this one its own BENCH_REDIS_DB",
        ]
    for key in client.scan_iter():
        if key != LOCK.encode():
            client.delete(key)  # what a run that died left behind
    media = Path(tempfile.mkdtemp(prefix="csol-bench-media-"))
    worker = None
    stop_on_term = signal.signal(signal.SIGTERM, _terminated)  # so the cleanup below runs on `kill`
    try:
        today = timezone.localdate()
        tag = f"G{int(time.time())}"
        load_start = os.getloadavg()
        deferred = _defer_other_sources(today, tag)
        _generation_sources(count, today, tag)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_BROKER_URL": broker,
            "BENCH_MEDIA_ROOT": str(media),
            "PYTHONPATH": str(settings.BASE_DIR),
        }
        worker = _start_workers(env, media / "worker.log")
        deadline = time.monotonic() + 120
        while client.llen("bench:ready") < WORKER_PROCESSES:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("workers did not start:\n" + (media / "worker.log").read_text()[-3000:])
            time.sleep(0.2)
        # Worker CPU from here on: start-up (imports) is not the job's.
        pids = [worker.pid, *(int(pid) for pid in client.lrange("bench:ready", 0, -1))]
        worker_cpu_at_start = sum(proc_cpu(pid) for pid in pids)
        kick = Celery("bench-kick", broker=broker)
        started = time.perf_counter()
        kick.send_task("billing.tasks.invoice_generation_run", kwargs={"on": today.isoformat()})
        stored_at = None
        progress = []  # (seconds, PDFs stored, load average): how the run went on a shared machine
        while True:
            time.sleep(1)
            issued, stored, emailed = _run_progress(tag)
            elapsed = time.perf_counter() - started
            progress.append((elapsed, stored, os.getloadavg()[0]))
            if stored_at is None and stored >= count:
                stored_at = elapsed
            if stored >= count and emailed >= count:
                done_at = elapsed
                break
            if elapsed > timeout or worker.poll() is not None:
                raise RuntimeError(
                    f"generation incomplete after {elapsed:.0f} s: {issued} issued, {stored} PDFs, "
                    f"{emailed} emails of {count}\n" + (media / "worker.log").read_text()[-3000:]
                )
        # CPU of the whole worker (the consumer and its pool processes), idle time between tasks included.
        worker_cpu = sum(proc_cpu(pid) for pid in pids) - worker_cpu_at_start
        _stop_workers(worker)
        records = [json.loads(raw) for raw in client.lrange("bench:tasks", 0, -1)]
    finally:
        if worker is not None and worker.poll() is None:
            _stop_workers(worker)
        client.flushdb()  # the run's queue, its probe's records and the lock
        shutil.rmtree(media, ignore_errors=True)
        signal.signal(signal.SIGTERM, stop_on_term)
    load_end = os.getloadavg()

    run_invoices = (
        Invoice.objects.filter(lines__order_line__order__number__startswith=f"{tag}-")
        .distinct()
        .order_by("pk")
        .select_related("customer", "bill_to", "credited_invoice")
    )
    step = max(1, count // 12)
    samples = [_document_html(invoice) for invoice in list(run_invoices)[::step][:12]]
    bare, bare_cpu = _bare_renders(samples)
    bare_plain, _cpu = _bare_renders(samples, options_plain=True)
    parallel_rate = _bare_renders_parallel(samples, WORKER_PROCESSES)

    rate = count / stored_at
    bare_rate = 1 / bare
    target = 0.8 * WORKER_PROCESSES * bare_rate
    queries = sum(r["queries"] for r in records)
    render_cpu = sum(r["render_cpu"] for r in records)
    db_cpu = sum(r.get("db_cpu", 0.0) for r in records)
    job_cpu = worker_cpu + db_cpu

    def per(seconds: float) -> str:
        return f"{seconds * 1000 / count:.0f}"

    customers = run_invoices.values("customer_id").distinct().count()
    load = ", ".join(f"{x:.1f}" for x in load_start), ", ".join(f"{x:.1f}" for x in load_end)
    lines = [
        f"## Invoice generation job ({WORKER_PROCESSES} Celery worker processes, Redis, {connection.vendor})",
        f"- {count:,} delivered orders of 3 lines ({customers:,} customers) → {count:,} invoices issued, "
        f"PDFs stored in {stored_at:.1f} s: **{rate:.2f} invoices/s**; all emails sent at {done_at:.1f} s"
        + (f" ({deferred:,} other due sources deferred first)" if deferred else ""),
        f"- bare WeasyPrint render of the same HTML ({len(samples)} samples, same PDF/UA-1 options, "
        f"one process): {bare * 1000:.0f} ms, {bare_rate:.2f}/s; "
        f"**ratio {rate / (WORKER_PROCESSES * bare_rate):.2f}** of 2 × bare (target ≥ 0.8: ≥ {target:.2f}/s)",
        f"- for reference: plain write_pdf() without PDF/UA {bare_plain * 1000:.0f} ms; two bare renderers "
        f"at once on this machine now: {parallel_rate:.2f}/s (the job reached {rate / parallel_rate:.2f} of "
        "that)",
        f"- CPU per invoice (which the machine's load does not change): WeasyPrint {per(render_cpu)} ms, "
        f"the rest of the workers {per(worker_cpu - render_cpu)} ms, PostgreSQL {per(db_cpu)} ms: "
        f"WeasyPrint is {render_cpu / job_cpu:.0%} of the job's CPU (messaging and database overhead "
        f"{1 - render_cpu / job_cpu:.0%}); a bare render takes {bare_cpu * 1000:.0f} ms of CPU, so on two "
        f"idle cores the job would reach **{bare_cpu / (job_cpu / count):.2f} × 2 × the bare rate**",
        f"- {queries:,} queries in all ({queries / count:.1f} per invoice); load average {load[0]} at the "
        f"start, {load[1]} at the end",
        "- PDFs stored per second, by tenth of the run (@ load average): " + _by_tenth(progress),
        *_task_lines(records),
    ]
    return lines


if __name__ == "__main__":
    # python -m bench.jobs [generation] [renewals] [dunning]: only those figures (all three by default).
    # BENCH_INVOICES=500 makes the generation run short; the default 10,000 takes half an hour or more.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    wanted = set(sys.argv[1:]) or {"generation", "renewals", "dunning"}
    output = []
    if "renewals" in wanted:
        output += [*renewal_figures()[0], ""]
    if "dunning" in wanted:
        output += [*dunning_figures()[0], ""]
    if "generation" in wanted:
        output += generation_figures()
    print("\n".join(output))
