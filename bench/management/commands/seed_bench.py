"""Load a realistic data set at scale with bulk inserts (PostgreSQL in minutes; sizes are options).

Defaults follow the performance issue: 2,000 customers, 1,000,000 orders with 3,000,000 lines,
1,000,000 invoices, 1,000,000 installed-base records, 100,000 contracts, 500,000 payments and
100,000 service requests, plus one large customer (C-BIG) with 20,000 orders and 20,000 invoices and
one small customer (C-SMALL) with 10 of each. Tests and CI use small sizes.
"""

import datetime
import random
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from collections_ar.models import Payment
from contracts.models import BillingPeriod, Contract
from csol.core.models import Customer, Membership, Site, User
from csol.core.seeding import DEMO_PASSWORD
from csol.servicedesk.models import ServiceRequest
from inventory.models import InventoryRecord
from orders.models import Order, OrderLine, Product

PROVINCES = ["QC", "ON", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "NT", "NU", "YT"]
POSTAL = {
    "QC": "H2X 1Y4",
    "ON": "M5J 2J5",
    "BC": "V6E 3P3",
    "AB": "T2G 1A6",
    "MB": "R3C 4T3",
    "SK": "S4P 3Y2",
    "NS": "B3H 4P7",
    "NB": "E1C 4M3",
    "NL": "A1C 5M2",
    "PE": "C1A 7N8",
    "NT": "X1A 2L9",
    "NU": "X0A 0H0",
    "YT": "Y1A 2C6",
}
ORDER_STATUSES = [
    "received",
    "validated",
    "scheduled",
    "shipped",
    "delivered",
    "completed",
    "installed",
    "cancelled",
]
OPEN_ORDER_STATUSES = {"received", "validated", "scheduled", "partly_shipped", "shipped", "on_hold"}
BATCH = 5000
# Each covered record (every other one of a customer's) takes its customer's contracts in turn; every
# tenth takes the next one as well. Window functions: PostgreSQL, and SQLite from 3.25.
COVERAGE_LINKS = """
INSERT INTO inventory_inventoryrecord_contracts (inventoryrecord_id, contract_id)
SELECT r.id, k.id
FROM (SELECT id, customer_id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS n
      FROM inventory_inventoryrecord) r
JOIN (SELECT id, customer_id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS n,
             COUNT(*) OVER (PARTITION BY customer_id) AS contracts
      FROM contracts_contract WHERE kind = 'hw_maintenance') k
  ON k.customer_id = r.customer_id
 AND (k.n = r.n % k.contracts + 1 OR (r.n % 10 = 0 AND k.n = (r.n + 1) % k.contracts + 1))
WHERE r.n % 2 = 0
"""


def chunks(iterable, size=BATCH):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the dates we give instead of `now`; rows given none still get `now`."""
    changed = []
    for model in models:
        for field in model._meta.concrete_fields:
            for attr in ("auto_now", "auto_now_add"):
                if getattr(field, attr, False):
                    changed.append((field, attr, field.default))
                    setattr(field, attr, False)
                    field.default = timezone.now
                    field.__dict__.pop("_get_default", None)  # a cached_property: forget the old default
    try:
        yield
    finally:
        for field, attr, default in changed:
            setattr(field, attr, True)
            field.default = default
            field.__dict__.pop("_get_default", None)


class Command(BaseCommand):
    help = "Load scale data for the benchmarks (bulk inserts; sizes are options)."

    def add_arguments(self, parser):
        for name, default in [
            ("customers", 2000),
            ("orders", 1_000_000),
            ("lines_per_order", 3),
            ("invoices", 1_000_000),
            ("records", 1_000_000),
            ("contracts", 100_000),
            ("payments", 500_000),
            ("requests", 100_000),
            ("big", 20_000),
        ]:
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default, dest=name)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        self.rng = random.Random(opts["seed"])
        self.today = timezone.localdate()
        if Customer.objects.filter(number="C-BIG").exists():
            self.stdout.write("scale data already loaded (C-BIG exists): nothing to do")
            return
        with ExitStack() as stack:
            stack.enter_context(explicit_timestamps(Order, Invoice, Payment, ServiceRequest, User))
            stack.enter_context(transaction.atomic())
            self._customers(opts["customers"])
            self._products()
            self._orders(opts["orders"], opts["lines_per_order"], opts["big"])
            self._invoices(opts["invoices"], opts["big"])
            self._records(opts["records"])
            self._contracts(opts["contracts"])
            self._coverage()
            self._payments(opts["payments"])
            self._requests(opts["requests"])
        self.stdout.write(self.style.SUCCESS("scale data loaded"))

    # -- customers, sites, users -------------------------------------------------------------------
    def _customers(self, count):
        rows = [
            Customer(number="C-BIG", legal_name="Big Volume Corp.", province="ON", language="en"),
            Customer(number="C-SMALL", legal_name="Small Volume Ltd.", province="ON", language="en"),
        ]
        for n in range(count):
            province = PROVINCES[n % len(PROVINCES)]
            rows.append(
                Customer(
                    number=f"C-{300000 + n}",
                    legal_name=f"Scale Customer {n} Ltd.",
                    province=province,
                    language="fr" if province == "QC" else "en",
                    credit_limit=Decimal("100000"),
                )
            )
        Customer.objects.bulk_create(rows, batch_size=BATCH)
        self.customers = list(
            Customer.objects.filter(number__in=[c.number for c in rows]).values_list("id", "province")
        )
        Site.objects.bulk_create(
            [
                Site(
                    customer_id=cid,
                    name="Head office",
                    street="1 Main Street",
                    city="City",
                    province=prov,
                    postal_code=POSTAL[prov],
                    is_bill_to=True,
                    is_ship_to=True,
                    is_installed_at=True,
                )
                for cid, prov in self.customers
            ],
            batch_size=BATCH,
        )
        self.site_of = dict(
            Site.objects.filter(customer_id__in=[c for c, _ in self.customers]).values_list(
                "customer_id", "id"
            )
        )
        password = make_password(DEMO_PASSWORD)
        now = timezone.now()
        users = [
            User(
                email=f"user{cid}@scale.example",
                full_name=f"Scale User {cid}",
                password=password,
                language="en",
                date_joined=now,
            )
            for cid, _ in self.customers
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        user_ids = dict(User.objects.filter(email__endswith="@scale.example").values_list("email", "id"))
        Membership.objects.bulk_create(
            [
                Membership(user_id=user_ids[f"user{cid}@scale.example"], customer_id=cid, role="admin")
                for cid, _ in self.customers
            ],
            batch_size=BATCH,
        )
        self.big_id = Customer.objects.get(number="C-BIG").id
        self.small_id = Customer.objects.get(number="C-SMALL").id
        self.stdout.write(f"customers: {len(self.customers)}")

    def _products(self):
        products = []
        for n in range(300):
            kind = ["hardware", "software", "publication", "service"][n % 4]
            products.append(
                Product(
                    sku=f"SB-{n:05d}",
                    kind=kind,
                    machine_type=f"{9000 + n % 60}" if kind == "hardware" else "",
                    model=f"M{n % 10:02d}" if kind == "hardware" else "",
                    name_fr=f"Produit {n}",
                    name_en=f"Product {n}",
                    unit_price=Decimal(self.rng.randrange(100, 500000)) / 100,
                )
            )
        Product.objects.bulk_create(products, ignore_conflicts=True)
        self.products = list(
            Product.objects.filter(sku__startswith="SB-").values_list(
                "id", "unit_price", "machine_type", "kind"
            )
        )
        self.hardware = [p for p in self.products if p[3] == "hardware"]

    def _spread(self, count, big):
        """Customer id of each row: `big` for C-BIG, 10 for C-SMALL, the rest spread over the others."""
        others = [cid for cid, _ in self.customers if cid not in (self.big_id, self.small_id)]
        for n in range(count):
            if n < big:
                yield n, self.big_id
            elif n < big + 10:
                yield n, self.small_id
            else:
                yield n, others[n % len(others)]

    def _date(self, n, count):
        # Older rows first: dates spread over six years up to today.
        return self.today - datetime.timedelta(days=int((count - n) * 2190 / max(count, 1)))

    # -- orders -------------------------------------------------------------------------------------
    def _orders(self, count, lines_per_order, big):
        total = 0
        for batch in chunks(self._spread(count, big)):
            orders = []
            for n, cid in batch:
                status = ORDER_STATUSES[self.rng.randrange(len(ORDER_STATUSES))]
                created = timezone.make_aware(
                    datetime.datetime.combine(self._date(n, count), datetime.time(12))
                )
                orders.append(
                    Order(
                        number=f"B{n:08d}",
                        customer_id=cid,
                        status=status,
                        is_open=status in OPEN_ORDER_STATUSES,
                        po_number=f"PO-{n % 100000:05d}",
                        ship_to_id=self.site_of[cid],
                        bill_to_id=self.site_of[cid],
                        created_at=created,
                        updated_at=created,
                    )
                )
            Order.objects.bulk_create(orders, batch_size=BATCH)
            ids = Order.objects.filter(number__in=[o.number for o in orders]).values_list("id", "number")
            lines, totals = [], {}
            for order_id, _number in ids:
                for line_number in range(1, lines_per_order + 1):
                    pid, price, _mt, _kind = self.products[self.rng.randrange(len(self.products))]
                    qty = self.rng.randrange(1, 5)
                    lines.append(
                        OrderLine(
                            order_id=order_id,
                            line_number=line_number,
                            product_id=pid,
                            description=f"Product line {line_number}",
                            quantity=qty,
                            unit_price=price,
                            net_amount=price * qty,
                        )
                    )
                    totals[order_id] = totals.get(order_id, 0) + price * qty
            OrderLine.objects.bulk_create(lines, batch_size=BATCH)
            total += len(orders)
        self.stdout.write(f"orders: {total}")

    # -- invoices -----------------------------------------------------------------------------------
    def _invoices(self, count, big):
        total = 0
        for batch in chunks(self._spread(count, big)):
            invoices = []
            for n, cid in batch:
                issued = self._date(n, count)
                net = Decimal(self.rng.randrange(1000, 2_000_000)) / 100
                tax = (net * Decimal("0.13")).quantize(Decimal("0.01"))
                status = (
                    "paid"
                    if issued < self.today - datetime.timedelta(days=90)
                    else self.rng.choice(["issued", "partly_paid", "paid"])
                )
                invoices.append(
                    Invoice(
                        number=f"{issued.year}-{n:07d}"[:20],
                        customer_id=cid,
                        bill_to_id=self.site_of[cid],
                        status=status,
                        issue_date=issued,
                        due_date=issued + datetime.timedelta(days=30),
                        province="ON",
                        language="en",
                        net_total=net,
                        tax_total=tax,
                        total=net + tax,
                        po_number=f"PO-{n % 100000:05d}",
                    )
                )
            Invoice.objects.bulk_create(invoices, batch_size=BATCH)
            ids = Invoice.objects.filter(number__in=[i.number for i in invoices]).values_list(
                "id", "net_total"
            )
            InvoiceLine.objects.bulk_create(
                [
                    InvoiceLine(
                        invoice_id=iid,
                        line_number=1,
                        description="Services",
                        quantity=1,
                        unit_price=net,
                        net_amount=net,
                        tax_category="standard",
                    )
                    for iid, net in ids
                ],
                batch_size=BATCH,
            )
            total += len(invoices)
        self.stdout.write(f"invoices: {total}")

    # -- installed base, contracts, payments, service requests -------------------------------------
    def _records(self, count):
        total = 0
        for batch in chunks(self._spread(count, 0)):
            rows = []
            for n, cid in batch:
                pid, _price, machine_type, _kind = self.hardware[n % len(self.hardware)]
                rows.append(
                    InventoryRecord(
                        customer_id=cid,
                        site_id=self.site_of[cid],
                        product_id=pid,
                        machine_type=machine_type,
                        serial_number=f"SN{n:09d}",
                        install_date=self._date(n, count),
                        warranty_end=self._date(n, count) + datetime.timedelta(days=1095),
                    )
                )
            InventoryRecord.objects.bulk_create(rows, batch_size=BATCH)
            total += len(rows)
        self.stdout.write(f"installed-base records: {total}")

    def _contracts(self, count):
        total = 0
        for batch in chunks(self._spread(count, 0)):
            rows = []
            for n, cid in batch:
                start = self._date(n, count) - datetime.timedelta(days=365)
                end = start + datetime.timedelta(days=3 * 365)
                status = "active" if end >= self.today else "expired"
                rows.append(
                    Contract(
                        number=f"K{n:08d}",
                        customer_id=cid,
                        kind="hw_maintenance",
                        start_date=start,
                        end_date=end,
                        status=status,
                        billing_frequency="annual",
                        amount_per_period=Decimal("1200.00"),
                    )
                )
            Contract.objects.bulk_create(rows, batch_size=BATCH)
            ids = Contract.objects.filter(number__in=[c.number for c in rows]).values_list("id", "start_date")
            BillingPeriod.objects.bulk_create(
                [
                    BillingPeriod(
                        contract_id=kid,
                        start_date=start,
                        end_date=start + datetime.timedelta(days=364),
                        due_on=start,
                        amount=Decimal("1200.00"),
                    )
                    for kid, start in ids
                ],
                batch_size=BATCH,
            )
            total += len(rows)
        self.stdout.write(f"contracts: {total}")

    def _coverage(self):
        """Half the machines under one of their customer's maintenance contracts, one in ten of those
        under a second (a renewal, or an older contract that has ended): the lookup and the list show
        coverage from these links."""
        with connection.cursor() as cursor:
            cursor.execute(COVERAGE_LINKS)
            self.stdout.write(f"records linked to contracts: {cursor.rowcount}")

    def _payments(self, count):
        total = 0
        for batch in chunks(self._spread(count, 0)):
            rows = [
                Payment(
                    customer_id=cid,
                    received_on=self._date(n, count),
                    method="eft",
                    amount=Decimal(self.rng.randrange(1000, 500000)) / 100,
                    reference=f"EFT-{n:08d}",
                )
                for n, cid in batch
            ]
            Payment.objects.bulk_create(rows, batch_size=BATCH)
            total += len(rows)
        self.stdout.write(f"payments: {total}")

    def _requests(self, count):
        total = 0
        requesters = dict(
            Membership.objects.filter(customer_id__in=[c for c, _ in self.customers]).values_list(
                "customer_id", "user_id"
            )
        )
        for batch in chunks(self._spread(count, 0)):
            rows = []
            for n, cid in batch:
                opened = timezone.make_aware(
                    datetime.datetime.combine(self._date(n, count), datetime.time(9))
                )
                rows.append(
                    ServiceRequest(
                        reference=f"SR-B-{n:08d}",
                        customer_id=cid,
                        requester_id=requesters[cid],
                        category="general",
                        desk="service",
                        subject="Question",
                        description="A scale-data service request.",
                        created_at=opened,
                        first_response_due=opened + datetime.timedelta(days=1),
                        resolution_due=opened + datetime.timedelta(days=5),
                    )
                )
            ServiceRequest.objects.bulk_create(rows, batch_size=BATCH)
            total += len(rows)
        self.stdout.write(f"service requests: {total}")
