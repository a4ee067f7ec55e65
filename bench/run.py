"""CSOL benchmark: every hot path against two baselines measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csol_bench .venv/bin/python bench/run.py

Loads the scale data first if it is missing (`manage.py seed_bench`, sizes from BENCH_SIZES, e.g.
"--orders 200000 --invoices 200000 --records 1000000"), then prints, for each path, the median and
p90 of 50 requests after 5 warm-ups (the paths taking turns), its query count and SQL time, and its
ratio to H (a signed-in bare response) and R (the same rows from one raw SQL query, minimal
template), followed by the EXPLAIN of each list, lookup and job query. The figures go to
bench/results/<date>-<host>.md.

BENCH_ONLY=lists (or details, lookup, pdf, jobs; comma-separated) runs only those paths and their
baselines, and prints without writing the results file: for quick checks while working on one path.
"""

import html
import os
import platform
import re
import shlex
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import baselines, jobs  # noqa: E402
from bench.harness import get, measure, measure_together, slowest_select, table  # noqa: E402
from csol.core.models import Customer, User  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
# BENCH_ONLY=lists,details,lookup,pdf,jobs runs only those groups (quick checks while working on one
# path); the baselines always run. A partial run is printed, not written to bench/results.
GROUPS = ("lists", "details", "lookup", "pdf", "jobs")
PDF_ROUNDS = 5
ONLY = {g.strip() for g in os.environ.get("BENCH_ONLY", "").split(",") if g.strip()} or set(GROUPS)
if ONLY - set(GROUPS):
    raise SystemExit(
        f"BENCH_ONLY: unknown {', '.join(sorted(ONLY - set(GROUPS)))}; known: {', '.join(GROUPS)}"
    )


def client_for(customer: Customer) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=f"user{customer.id}@scale.example"))
    return client


# The list's "Next" link: marked rel="next", or an anchor reading "Next".
NEXT_LINK = re.compile(r'href="([^"]*)"(?:[^>]*rel="next"|[^>]*>\s*Next\s*</a>)')


def page_reached_by_next(client: Client, url: str, page: int) -> str:
    """The URL of page `page` as a user reaches it: following the list's "Next" link from page 1."""
    path = url.split("?")[0]
    for _ in range(page - 1):
        found = NEXT_LINK.search(client.get(url).content.decode())
        if found is None:
            raise RuntimeError(f"no next link on {url}")
        url = path + html.unescape(found.group(1))
    return url


def ensure_data():
    if not Customer.objects.filter(number="C-BIG").exists():
        sizes = shlex.split(os.environ.get("BENCH_SIZES", ""))
        started = time.perf_counter()
        call_command("seed_bench", *sizes)
        print(f"seed_bench took {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk loads have no statistics until autovacuum gets to them: the planner would
        # guess (a bitmap scan and a sort of 17,500 rows for the deep page, not the index walk), and
        # index-only scans need the visibility map. Quick when nothing changed since the last run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def wide_order(big: Customer):
    """An order and an invoice of C-BIG with 200 lines, for the detail pages' query counts."""
    from billing.models import Invoice, InvoiceLine
    from orders.models import Order, OrderLine

    order = Order.objects.filter(customer=big).order_by("id").first()
    have = order.lines.count()
    template = order.lines.first()
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                line_number=n,
                product_id=template.product_id,
                description=f"Line {n}",
                quantity=1,
                unit_price=template.unit_price,
                net_amount=template.unit_price,
            )
            for n in range(have + 1, 201)
        ]
    )
    invoice = Invoice.objects.filter(customer=big).order_by("id").first()
    line = invoice.lines.first()
    have = invoice.lines.count()
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                line_number=n,
                description=f"Line {n}",
                quantity=1,
                unit_price=line.unit_price,
                net_amount=line.unit_price,
                tax_category="standard",
            )
            for n in range(have + 1, 201)
        ]
    )
    narrow_order = Order.objects.filter(customer=big).order_by("id")[1]
    narrow_invoice = Invoice.objects.filter(customer=big).order_by("id")[1]
    OrderLine.objects.filter(order=narrow_order, line_number__gt=1).delete()
    InvoiceLine.objects.filter(invoice=narrow_invoice, line_number__gt=1).delete()
    return order, narrow_order, invoice, narrow_invoice


baselines.RAW_QUERIES.update(
    {
        "orders": """SELECT number, po_number, status, created_at, net_total FROM orders_order
            WHERE customer_id = %(customer_id)s
            ORDER BY is_open DESC, created_at DESC, id DESC LIMIT 25 OFFSET %(offset)s""",
        "invoices": """SELECT number, po_number, status, issue_date, due_date, total FROM billing_invoice
            WHERE customer_id = %(customer_id)s
            ORDER BY issue_date DESC, id DESC LIMIT 25 OFFSET %(offset)s""",
        "order_detail": """SELECT o.number, l.line_number, l.description, l.quantity, l.unit_price,
            l.net_amount FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
            WHERE o.number = %(key)s""",
        "invoice_detail": """SELECT i.number, l.line_number, l.description, l.quantity, l.unit_price,
            l.net_amount FROM billing_invoice i JOIN billing_invoiceline l ON l.invoice_id = i.id
            WHERE i.number = %(key)s""",
        # The columns the lookup shows: type-model, serial, product, site, status, and the coverage
        # (warranty end, and the covering contract in force that ends last).
        "serial": """SELECT r.machine_type, r.model, r.serial_number, p.name_en, s.name, r.status,
            r.warranty_end, k.end_date, k.number
            FROM inventory_inventoryrecord r
            JOIN core_site s ON s.id = r.site_id
            JOIN orders_product p ON p.id = r.product_id
            LEFT JOIN LATERAL (
                SELECT c.end_date, c.number FROM contracts_contract c
                JOIN inventory_inventoryrecord_contracts rc ON rc.contract_id = c.id
                WHERE rc.inventoryrecord_id = r.id AND c.status IN ('active', 'expiring')
                  AND c.start_date <= CURRENT_DATE AND c.end_date >= CURRENT_DATE
                ORDER BY c.end_date DESC, c.number LIMIT 1
            ) k ON true
            WHERE r.customer_id = %(customer_id)s AND r.serial_number = %(key)s""",
    }
)


def main():
    load_at_start = os.getloadavg()
    ensure_data()
    # Every run starts cold (sessions, the tenancy cache, page headers); the warm-up requests fill it.
    cache.clear()
    big = Customer.objects.get(number="C-BIG")
    small = Customer.objects.get(number="C-SMALL")
    big_client, small_client = client_for(big), client_for(small)
    wide, narrow, wide_invoice, narrow_invoice = wide_order(big)
    from inventory.models import InventoryRecord
    from inventory.selectors import contracts_in_force

    # A machine under a maintenance contract in force: the lookup reads and shows that coverage.
    in_force = contracts_in_force(timezone.localdate())
    record = (
        InventoryRecord.objects.filter(serial_number__startswith="SN", contracts__in=in_force)
        .order_by("id")
        .distinct()[5000]
    )
    serial_client = client_for(record.customer)

    # (name, client, url, name of its baseline): measured together below, taking turns.
    plan = []

    def run(name, client, url, baseline=None):
        plan.append((name, client, url, baseline))
        return name

    h = run("H: signed-in bare response", big_client, "/bench/h/")
    run("S: empty portal page (the shell)", big_client, "/en/bench/s/")
    if "lists" in ONLY:
        r_orders = run("R: 25 orders, raw SQL", big_client, f"/bench/r/orders/?customer_id={big.id}")
        r_invoices = run("R: 25 invoices, raw SQL", big_client, f"/bench/r/invoices/?customer_id={big.id}")
    if ONLY & {"details", "pdf"}:
        r_order_detail = run(
            "R: order with 200 lines", big_client, f"/bench/r/order_detail/?key={wide.number}"
        )
        r_invoice_detail = run(
            "R: invoice with 200 lines", big_client, f"/bench/r/invoice_detail/?key={wide_invoice.number}"
        )
    if "lookup" in ONLY:
        r_serial = run(
            "R: serial lookup",
            serial_client,
            f"/bench/r/serial/?customer_id={record.customer_id}&key={record.serial_number}",
        )

    pages = []
    if "lists" in ONLY:
        first = run("order list, 20,000 orders, page 1", big_client, "/en/orders/", r_orders)
        run("order list, 10 orders, page 1", small_client, "/en/orders/", r_orders)
        deep_orders = page_reached_by_next(big_client, "/en/orders/", 401)
        run("order list, row 10,000 (page 401)", big_client, deep_orders, first)
        first_inv = run("invoice list, 20,000 invoices, page 1", big_client, "/en/invoices/", r_invoices)
        run("invoice list, 10 invoices, page 1", small_client, "/en/invoices/", r_invoices)
        deep_invoices = page_reached_by_next(big_client, "/en/invoices/", 401)
        run("invoice list, row 10,000 (page 401)", big_client, deep_invoices, first_inv)
        pages += [
            ("order list page 1", big_client, "/en/orders/"),
            ("order list row 10,000", big_client, deep_orders),
            ("invoice list page 1", big_client, "/en/invoices/"),
            ("invoice list row 10,000", big_client, deep_invoices),
        ]
    if "details" in ONLY:
        run("order detail, 200 lines", big_client, f"/en/orders/{wide.number}/", r_order_detail)
        run("order detail, 1 line", big_client, f"/en/orders/{narrow.number}/", r_order_detail)
        run("invoice detail, 200 lines", big_client, f"/en/invoices/{wide_invoice.number}/", r_invoice_detail)
        run("invoice detail, 1 line", big_client, f"/en/invoices/{narrow_invoice.number}/", r_invoice_detail)
    if "lookup" in ONLY:
        lookup = f"/en/installed-base/lookup/?q={record.serial_number}"
        run("serial lookup, exact", serial_client, lookup, r_serial)
        pages.append(("serial lookup", serial_client, lookup))

    # Every path takes its turn in each round: a moment when the shared machine is busier slows
    # them all alike, so a page and its baseline are compared under the same load.
    measured = {
        figure.name: figure
        for figure in measure_together([(name, get(client, url)) for name, client, url, _ in plan], runs=RUNS)
    }
    figures = [(measured[name], measured[baseline] if baseline else None) for name, _, _, baseline in plan]
    h = measured[h]

    pdf_lines = pdf_figures(big_client, wide_invoice, measured[r_invoice_detail]) if "pdf" in ONLY else []
    job_lines, job_plans = [], []
    if "jobs" in ONLY:
        for figures_of in (jobs.renewal_figures, jobs.dunning_figures):
            more_lines, more_plans = figures_of()
            job_lines += [*more_lines, ""]
            job_plans += more_plans
        job_lines += jobs.generation_figures()

    rows = [("path", "p50 ms", "p90 ms", "queries", "SQL ms", "× H", "× baseline", "status")]
    for figure, baseline in figures:
        rows.append(
            (
                figure.name,
                f"{figure.p50:.2f}",
                f"{figure.p90:.2f}",
                figure.queries,
                f"{figure.sql_ms:.2f}",
                f"{figure.p50 / h.p50:.2f}",
                f"{figure.p50 / baseline.p50:.2f}" if baseline else "",
                figure.status,
            )
        )
    report = [
        f"# CSOL benchmark {date.today().isoformat()} on {platform.node()} ({os.cpu_count()} cores, "
        f"{connection.vendor}, {RUNS} runs after 5 warm-ups)",
        "",
        *machine_lines(load_at_start),
        "",
        table(rows),
        "",
        *pdf_lines,
        "",
        *job_lines,
        "",
        "## Query plans",
        *plans(pages, job_plans),
    ]
    text = "\n".join(report)
    print(text)
    if ONLY != set(GROUPS):
        return
    out = ROOT / "bench" / "results" / f"{date.today().isoformat()}-{platform.node()}-{connection.vendor}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def machine_lines(load_at_start: tuple) -> list[str]:
    """What the figures were measured on and with: a loaded machine shows in the load average."""
    from billing.models import Invoice
    from inventory.models import InventoryRecord
    from orders.models import Order, OrderLine

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    load = ", ".join(f"{x:.1f}" for x in load_at_start)
    sizes = ", ".join(
        f"{label} {model.objects.count():,}"
        for label, model in [
            ("orders", Order),
            ("order lines", OrderLine),
            ("invoices", Invoice),
            ("installed-base records", InventoryRecord),
        ]
    )
    return [
        f"- machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, load average {load} at the start",
        f"- database: {version}; Python {platform.python_version()}",
        f"- data: {sizes}",
    ]


def pdf_figures(client, invoice, baseline):
    """Download of a stored PDF; first render against a bare WeasyPrint render of the same HTML."""
    from weasyprint import HTML

    from billing.models import Invoice
    from billing.services.documents import invoice_pdf_bytes, invoice_pdf_source, invoice_pdf_store

    # The same HTML and write_pdf options (tagged PDF/UA-1) as the portal's render.
    html, options = invoice_pdf_source(invoice)

    def bare_render():
        HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(**options)

    def first_render():
        # The invoice's first render: forget the PDF stored before, render and store it again.
        Invoice.objects.filter(pk=invoice.pk).update(pdf="", pdf_sha256="")
        invoice_pdf_store(invoice=Invoice.objects.get(pk=invoice.pk))

    # WeasyPrint's first call in a process loads fonts and its own stylesheets: warm it up, then take
    # turns (as the pages do) and keep the medians, so neither side gets the cold start or a busy moment.
    bare_render()
    rounds = {"first": [], "bare": []}
    for _ in range(PDF_ROUNDS):
        for name, call in (("first", first_render), ("bare", bare_render)):
            started = time.perf_counter()
            call()
            rounds[name].append(time.perf_counter() - started)
    first, bare = statistics.median(rounds["first"]), statistics.median(rounds["bare"])
    invoice = Invoice.objects.get(pk=invoice.pk)
    started = time.perf_counter()
    invoice_pdf_bytes(invoice)
    rerender = time.perf_counter() - started
    lines = ["## Invoice PDF (an invoice of 200 lines)"]
    download = measure(
        "invoice PDF download (stored)", get(client, f"/en/invoices/{invoice.number}/pdf/"), runs=RUNS
    )
    lines += [
        f"- first render and store (median of {PDF_ROUNDS}, after a warm-up): {first * 1000:.0f} ms; bare "
        f"WeasyPrint render of the same HTML: {bare * 1000:.0f} ms (ratio {first / bare:.2f}); "
        f"re-render without storing {rerender * 1000:.0f} ms",
        f"- download of the stored PDF: p50 {download.p50:.2f} ms, p90 {download.p90:.2f} ms, "
        f"{download.queries} queries "
        f"(× R invoice detail {download.p50 / baseline.p50:.2f}), status {download.status}",
    ]
    return lines


def plans(pages, job_plans):
    """The slowest query of each list and lookup page as the page runs it, then the job selections."""
    sections = []
    for title, client, url in pages:
        sql, plan = slowest_select(get(client, url))
        sections += [f"### {title}: `{url}`", "```sql", sql, "```", "```", plan, "```"]
    for title, plan in job_plans:
        sections += [f"### {title}", "```", plan, "```"]
    return sections


if __name__ == "__main__":
    main()
