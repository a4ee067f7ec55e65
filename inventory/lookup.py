"""The lookup: one search box for a serial number, a machine type, a type-model pair or a product name.

Exact keys are tried first and, when they match, answer alone; partial matches are searched only
otherwise. The exact phase is the lookup people make all day (a serial number read off a label, on
the phone with a customer), so it is one SQL statement written here: the records with their site,
product and customer, and the contract that covers each. Through the ORM the same answer took two
statements and about 2 ms of Python to build and compile them, for under half a millisecond in
the database (issue 10's benchmark: the page was twice its raw-SQL baseline).

The statement restates no rule: the keys come from exact_keys(), which the admin's search also
uses; the tenancy from Viewer.customer_ids(), as visible_to() does; the coverage from
COVERING_STATUSES and COVERING_FIRST. tests/inventory/test_lookup.py holds its answers to the ORM's
(with_coverage) on every coverage case, on SQLite and PostgreSQL.
"""

import re
from datetime import date

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from csol.core import prepared
from csol.core.models import Customer, Site
from inventory.models import InventoryRecord
from inventory.selectors import COVERING_FIRST, COVERING_STATUSES, attach_coverage
from orders.models import Product

SEARCH_LIMIT = 50
# Partial matches need this many characters: fewer would list half the base at once.
MIN_PARTIAL_LENGTH = 3
# The rank of a record matching none of the keys (never shown: only matches are read).
NO_RANK = 5

_TYPE_PAIR = re.compile(r"^([A-Z0-9]{4})[-\s]([A-Z0-9]{1,40})$")
_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9./-]*$")


def normalise_query(query: str) -> str:
    return " ".join((query or "").split()).upper()[:60]


# --- Exact keys -------------------------------------------------------------------------------------


def exact_keys(term: str) -> list[tuple[dict[str, str], int]]:
    """The exact keys a (normalised) term can be, each as field values and a rank (best first).

    A serial number; a type and serial number (9080-78ABC12) or a type-model pair (9080-HEX); a
    machine type. Each is a b-tree index within the customer.
    """
    keys = [({"serial_number": term}, 0)]
    pair = _TYPE_PAIR.match(term)
    if pair:
        machine_type, rest = pair.groups()
        keys.append(({"machine_type": machine_type, "serial_number": rest}, 0))
        keys.append(({"machine_type": machine_type, "model": rest}, 1))
    if _TOKEN.match(term) and len(term) <= 8:
        keys.append(({"machine_type": term}, 1))
    return keys


def _exact_q(term: str) -> Q:
    conditions = Q()
    for fields, _rank in exact_keys(term):
        conditions |= Q(**fields)
    return conditions


# The record's columns the results show (inventory/_results.html), in the order Model.from_db() expects.
# The primary key comes first, as it is the model's first field.
_SHOWN = set("id customer site product serial_number machine_type model status warranty_end".split())
RECORD_FIELDS = [field for field in InventoryRecord._meta.concrete_fields if field.name in _SHOWN]
# The columns shown of the record's relations: (foreign key, which is also the statement's alias
# for the related table, model, columns).
RELATED = (
    ("customer", Customer, ("id", "number", "legal_name")),
    ("site", Site, ("id", "name")),
    ("product", Product, ("id", "name_fr", "name_en")),
)
_RELATED_FIELDS = [(InventoryRecord._meta.get_field(fk), model, names) for fk, model, names in RELATED]
RESULT_ORDER = ("match_rank", "machine_type", "model", "serial_number", "id")

# One row per record and covering contract; the placeholders in braces are filled from the model
# and the keys (exact_statement), every value is a parameter. The records are limited before the
# joins, so that a record linked to several contracts counts once.
EXACT_STATEMENT = """
SELECT {record_columns}, {related_columns}, covering.end_date, covering.number
FROM (
    SELECT {columns}, CASE {ranks} ELSE {no_rank} END AS match_rank
    FROM inventory_inventoryrecord
    WHERE {tenancy}({keys})
    ORDER BY {result_order}
    LIMIT %s
) r
JOIN core_customer customer ON customer.id = r.customer_id
JOIN core_site site ON site.id = r.site_id
JOIN orders_product product ON product.id = r.product_id
LEFT JOIN (
    inventory_inventoryrecord_contracts link
    JOIN contracts_contract covering ON covering.id = link.contract_id
        AND covering.status IN ({statuses}) AND covering.start_date <= %s AND covering.end_date >= %s
) ON link.inventoryrecord_id = r.id
ORDER BY {record_order}, {covering_first}
"""


def _order_by(names, alias: str = "") -> str:
    """ORDER BY terms from ORM-style names ("-end_date" is descending)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{name.lstrip('-')}{' DESC' if name[0] == '-' else ''}" for name in names)


def exact_statement(*, viewer, term: str, limit: int = SEARCH_LIMIT, today: date | None = None):
    """The exact phase as (sql, params); None when the viewer sees no customer (nothing to read).

    Its rows are in the results' order and, within a record, the covering contract first (the one
    in force that ends last; no contract in force: one row of NULLs), as coverage_of() reads it.
    """
    customer_ids = viewer.customer_ids()  # None: an agent, who sees every customer
    if customer_ids == []:
        return None
    today = today or timezone.localdate()
    keys, ranks, key_values = [], [], []
    for fields, rank in exact_keys(term):
        condition = " AND ".join(f"{name} = %s" for name in fields)
        keys.append(f"({condition})")
        ranks.append(f"WHEN {condition} THEN {rank:d}")
        key_values += fields.values()
    tenancy = "" if customer_ids is None else f"customer_id IN ({', '.join(['%s'] * len(customer_ids))}) AND "
    sql = EXACT_STATEMENT.format(
        record_columns=", ".join(f"r.{field.column}" for field in RECORD_FIELDS),
        related_columns=", ".join(f"{fk}.{name}" for fk, _model, names in RELATED for name in names),
        columns=", ".join(field.column for field in RECORD_FIELDS),
        ranks=" ".join(ranks),
        no_rank=NO_RANK,
        tenancy=tenancy,
        keys=" OR ".join(keys),
        result_order=_order_by(RESULT_ORDER),
        statuses=", ".join(["%s"] * len(COVERING_STATUSES)),
        record_order=_order_by(RESULT_ORDER, "r"),
        covering_first=_order_by(COVERING_FIRST, "covering"),
    )
    # The values in the text's order: the ranks' keys, the tenancy, the keys, then the coverage's.
    params = [*key_values, *(customer_ids or []), *key_values, limit, *COVERING_STATUSES, today, today]
    return sql, params


def exact_matches(*, viewer, term: str, limit: int = SEARCH_LIMIT, today: date | None = None) -> list:
    """The records an exact key designates, with their relations and coverage, from one statement."""
    statement = exact_statement(viewer=viewer, term=term, limit=limit, today=today)
    if statement is None:
        return []
    with connection.cursor() as cursor:
        prepared.execute(cursor, *statement)  # planned once per connection on PostgreSQL
        rows = cursor.fetchall()
    records: dict[int, InventoryRecord] = {}
    record_names = [field.attname for field in RECORD_FIELDS]
    for row in rows:
        if row[0] in records:
            continue  # a contract that ends earlier than the one covering the record
        record = InventoryRecord.from_db(connection.alias, record_names, row[: len(RECORD_FIELDS)])
        at = len(RECORD_FIELDS)
        for foreign_key, model, names in _RELATED_FIELDS:
            related = model.from_db(connection.alias, names, row[at : at + len(names)])
            foreign_key.set_cached_value(record, related)  # as select_related() does
            at += len(names)
        record.coverage_contract_end, record.coverage_contract_number = row[at], row[at + 1]
        records[record.pk] = record
    return list(records.values())


# --- Partial keys -----------------------------------------------------------------------------------


def _partial_conditions(term: str) -> tuple[Q | None, list[When]]:
    """Partial keys: serial numbers containing the term, type or model prefixes, product names."""
    conditions, ranks = None, []

    def add(condition: Q, rank: int):
        nonlocal conditions
        conditions = condition if conditions is None else conditions | condition
        ranks.append(When(condition, then=Value(rank)))

    pair = _TYPE_PAIR.match(term)
    if pair:
        machine_type, rest = pair.groups()
        add(Q(machine_type=machine_type, model__startswith=rest), 2)
        add(Q(machine_type=machine_type, serial_number__startswith=rest), 2)
    if len(term) < MIN_PARTIAL_LENGTH:
        return conditions, ranks
    # The rank of a prefix is tested before the rank of a match anywhere (When order matters).
    ranks.append(When(serial_number__startswith=term, then=Value(2)))
    add(Q(serial_number__contains=term), 3)  # a trigram index on PostgreSQL
    if len(term) <= 8:
        add(Q(machine_type__startswith=term), 3)
    # Products are a small catalogue: read the matching ids first, then one index on records.
    product_ids = list(
        Product.objects.filter(
            Q(name_fr__icontains=term) | Q(name_en__icontains=term) | Q(sku__istartswith=term)
        ).values_list("id", flat=True)[:200]
    )
    if product_ids:
        add(Q(product_id__in=product_ids), 4)
    return conditions, ranks


def search_conditions(term: str) -> Q:
    """Every record the (normalised) term can designate, exactly or partly (the admin's search)."""
    partial, _ranks = _partial_conditions(term)
    exact = _exact_q(term)
    return exact if partial is None else exact | partial


# What the results table shows (inventory/_results.html), customer included for partners and agents.
SEARCH_COLUMNS = (
    "customer__number",
    "customer__legal_name",
    "site__name",
    "product__name_fr",
    "product__name_en",
    "serial_number",
    "machine_type",
    "model",
    "status",
    "warranty_end",
)


def partial_matches(*, viewer, term: str) -> QuerySet | None:
    """Records a partial key designates, best kind of match first (None: the term is too short)."""
    conditions, ranks = _partial_conditions(term)
    if conditions is None:
        return None
    return (
        InventoryRecord.objects.visible_to(viewer)
        .filter(conditions)
        .select_related("site", "product", "customer")
        .only(*SEARCH_COLUMNS)
        .annotate(match_rank=Case(*ranks, default=Value(NO_RANK), output_field=IntegerField()))
        .order_by(*RESULT_ORDER)
    )


def record_search(*, viewer, query: str, limit: int = SEARCH_LIMIT, today: date | None = None) -> list:
    """Records matching a serial number, machine type, type-model pair or product name (best first).

    Exact keys are tried first and, when they match, answer alone: an exact serial lookup reads one
    b-tree index whatever the size of the base. Partial matches are searched only otherwise.
    """
    term = normalise_query(query)
    if not term:
        return []
    found = exact_matches(viewer=viewer, term=term, limit=limit, today=today)
    if found:
        return found
    partial = partial_matches(viewer=viewer, term=term)
    if partial is None:
        return []
    return attach_coverage(list(partial[:limit]), today=today)
