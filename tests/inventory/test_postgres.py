"""Query plans on PostgreSQL: the lookups the issue promises fast on a large base use indexes."""

import pytest
from django.db import connection

from csol.core.tenancy import viewer_for
from inventory.lookup import exact_statement, normalise_query, partial_matches
from tests.inventory.factories import RecordFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROWS = 60000


@pytest.fixture
def large_base(customer, other_customer):
    """Tens of thousands of records spread over two customers, with statistics up to date."""
    template = RecordFactory(customer=other_customer, serial_number="TEMPLATE1")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_inventoryrecord
                (customer_id, site_id, product_id, serial_number, machine_type, model, quantity, status,
                 created_at, updated_at)
            SELECT CASE WHEN n %% 10 = 0 THEN %(mine)s ELSE %(theirs)s END,
                   CASE WHEN n %% 10 = 0 THEN %(my_site)s ELSE %(their_site)s END,
                   %(product)s, 'S' || lpad(n::text, 8, '0'), '9080', 'HEX', 1, 'installed', now(), now()
            FROM generate_series(1, %(rows)s) AS n
            """,
            {
                "mine": customer.pk,
                "theirs": other_customer.pk,
                "my_site": customer.sites.first().pk,
                "their_site": template.site_id,
                "product": template.product_id,
                "rows": ROWS,
            },
        )
        cursor.execute("ANALYZE inventory_inventoryrecord")


def _plan(viewer, query):
    """The plan of the exact phase's statement."""
    sql, params = exact_statement(viewer=viewer, term=normalise_query(query))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_exact_serial_lookup_is_an_index_scan_for_agents(large_base, agent):
    plan = _plan(viewer_for(agent), "S00031337")
    assert "inventory_serial_idx" in plan or "inventory_cust_serial_idx" in plan
    assert "Seq Scan on inventory_inventoryrecord" not in plan


def test_exact_serial_lookup_is_an_index_scan_for_customers(large_base, customer_user):
    plan = _plan(viewer_for(customer_user), "S00031330")
    assert "Seq Scan on inventory_inventoryrecord" not in plan


def test_partial_serial_lookup_uses_the_trigram_index(large_base, agent):
    plan = partial_matches(viewer=viewer_for(agent), term="0031337")[:50].explain()
    assert "inventory_serial_trgm_idx" in plan
    assert "Seq Scan on inventory_inventoryrecord" not in plan
