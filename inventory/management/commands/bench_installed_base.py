"""Measure the installed-base lookup on a large base (PostgreSQL), then roll everything back.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://… \
        python manage.py bench_installed_base --rows 1000000

Inserts the rows with one INSERT … SELECT generate_series, analyses the table, and times the exact
serial lookup (selector and page), a partial lookup and the list page, with the exact lookup's plan.
Nothing stays in the database: the whole run happens in a transaction that is rolled back.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings

from bench.harness import get, measure, table
from csol.core.models import Customer, Membership, Role, Site, User
from csol.core.tenancy import viewer_for
from inventory.lookup import exact_statement, normalise_query, record_search
from orders.models import Product, ProductKind

INSERT = """
INSERT INTO inventory_inventoryrecord
    (customer_id, site_id, product_id, serial_number, machine_type, model, quantity, status, warranty_end,
     created_at, updated_at)
SELECT c.customer_id, c.site_id, %(product)s, 'B' || lpad(n::text, 9, '0'), '9080', 'HEX', 1, 'installed',
       CURRENT_DATE + (n %% 900 - 300), now(), now()
FROM generate_series(1, %(rows)s) AS n
JOIN (SELECT row_number() OVER () - 1 AS slot, id AS site_id, customer_id FROM core_site
      WHERE customer_id = ANY(%(customers)s)) AS c ON c.slot = n %% %(spread)s
"""


class Command(BaseCommand):
    help = "Time installed-base lookups on a large generated base (PostgreSQL; rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--customers", type=int, default=50)
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--plans", action="store_true", help="also print the list page's query plans")

    def handle(self, *args, rows, customers, runs, plans, **options):
        self.plans = plans
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (set DATABASE_URL).")
        with transaction.atomic():
            self._run(rows=rows, spread=customers, runs=runs)
            transaction.set_rollback(True)

    def _run(self, *, rows, spread, runs):
        product, _ = Product.objects.get_or_create(
            sku="BENCH-9080-HEX",
            defaults={
                "kind": ProductKind.HARDWARE,
                "machine_type": "9080",
                "model": "HEX",
                "name_fr": "Serveur banc",
                "name_en": "Bench server",
                "unit_price": 1,
            },
        )
        customer_ids = []
        for index in range(spread):
            customer = Customer.objects.create(
                number=f"C-BENCH{index:04d}", legal_name=f"Bench {index} Ltd.", province="ON", language="en"
            )
            Site.objects.create(
                customer=customer,
                name="Main",
                street="1 Bench Road",
                city="Toronto",
                province="ON",
                postal_code="M5X 1A9",
            )
            customer_ids.append(customer.pk)
        user = User.objects.create(email="bench-customer@example.com", full_name="Bench customer")
        Membership.objects.create(user=user, customer_id=customer_ids[0], role=Role.ADMINISTRATOR)
        agent = User.objects.create(email="bench-agent@example.com", full_name="Bench agent", is_staff=True)
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT, {"product": product.pk, "rows": rows, "customers": customer_ids, "spread": spread}
            )
            cursor.execute("ANALYZE inventory_inventoryrecord")
            cursor.execute("SELECT count(*) FROM inventory_inventoryrecord")
            total = cursor.fetchone()[0]
        self.stdout.write(f"{total} inventory records")

        # Serial of a record of the first customer (n ≡ 0 mod spread), somewhere in the middle.
        serial = f"B{(rows // 2) // spread * spread:09d}"
        customer_viewer, agent_viewer = viewer_for(user), viewer_for(agent)
        assert record_search(viewer=customer_viewer, query=serial), "the bench serial must be found"
        customer_client, agent_client = Client(), Client()
        customer_client.force_login(user)
        agent_client.force_login(agent)
        figures = []
        with override_settings(INVENTORY_LOOKUPS_PER_MINUTE=10**9, INVENTORY_STAFF_LOOKUPS_PER_MINUTE=10**9):
            figures.append(
                measure(
                    "exact serial, selector, agent (all customers)",
                    lambda: record_search(viewer=agent_viewer, query=serial),
                    runs=runs,
                )
            )
            figures.append(
                measure(
                    "exact serial, selector, customer",
                    lambda: record_search(viewer=customer_viewer, query=serial),
                    runs=runs,
                )
            )
            figures.append(
                measure(
                    "exact serial, lookup page, customer",
                    get(customer_client, f"/en/installed-base/lookup/?q={serial}"),
                    runs=runs,
                )
            )
            figures.append(
                measure(
                    "exact serial, staff lookup page",
                    get(agent_client, f"/en/installed-base/staff/lookup/?q={serial}"),
                    runs=runs,
                )
            )
            figures.append(
                measure(
                    "partial serial (7 chars), staff lookup page",
                    get(agent_client, f"/en/installed-base/staff/lookup/?q={serial[3:]}"),
                    runs=runs,
                )
            )
            figures.append(
                measure(
                    "list page, customer", get(customer_client, "/en/installed-base/"), runs=max(5, runs // 5)
                )
            )
            figures.append(
                measure(
                    "list page, coverage ending within 90 days",
                    get(customer_client, "/en/installed-base/?coverage=expiring"),
                    runs=max(5, runs // 5),
                )
            )
        rows_out = [("scenario", "p50 ms", "p90 ms", "queries", "SQL ms (last run)", "status")]
        for figure in figures:
            rows_out.append(
                (
                    figure.name,
                    f"{figure.p50:.1f}",
                    f"{figure.p90:.1f}",
                    figure.queries,
                    f"{figure.sql_ms:.1f}",
                    figure.status,
                )
            )
        self.stdout.write(table(rows_out))
        sql, params = exact_statement(viewer=agent_viewer, term=normalise_query(serial))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.stdout.write("\nPlan of the exact serial lookup (agent):\n" + plan)
        if self.plans:
            from inventory.selectors import record_list

            listed = record_list(viewer=customer_viewer)
            self.stdout.write("\nList page rows:\n" + listed[:50].explain(analyze=True))
            self.stdout.write("\nList page count:\n" + listed.values("pk").explain(analyze=True))
