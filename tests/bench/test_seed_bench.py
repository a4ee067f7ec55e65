import pytest
from django.core.management import call_command
from django.db.models import F

from billing.models import Invoice
from collections_ar.models import Payment
from contracts.models import Contract
from csol.core.models import Customer
from csol.servicedesk.models import ServiceRequest
from inventory.models import InventoryRecord
from orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def test_seed_bench_loads_every_table_at_the_sizes_asked(tmp_path):
    sizes = [
        "--customers",
        "5",
        "--orders",
        "60",
        "--lines-per-order",
        "2",
        "--invoices",
        "40",
        "--records",
        "30",
        "--contracts",
        "12",
        "--payments",
        "20",
        "--requests",
        "15",
        "--big",
        "25",
    ]
    with open(tmp_path / "out.txt", "w") as out:
        call_command("seed_bench", *sizes, stdout=out)
        assert Order.objects.count() == 60 and OrderLine.objects.count() == 120
        assert Order.objects.filter(customer__number="C-BIG").count() == 25
        assert Order.objects.filter(customer__number="C-SMALL").count() == 10
        assert Invoice.objects.count() == 40 and InventoryRecord.objects.count() == 30
        assert (
            Contract.objects.count() == 12
            and Payment.objects.count() == 20
            and ServiceRequest.objects.count() == 15
        )
        # Machines under contract: their own customer's, some under two.
        covered = InventoryRecord.objects.filter(contracts__isnull=False).distinct()
        assert 0 < covered.count() < InventoryRecord.objects.count()
        assert not InventoryRecord.contracts.through.objects.exclude(
            contract__customer_id=F("inventoryrecord__customer_id")
        ).exists()
        # The dates are spread, not all "now": lists sort on them
        assert Order.objects.values("created_at__date").distinct().count() > 5
        # Running it again changes nothing
        call_command("seed_bench", *sizes, stdout=out)
    assert Customer.objects.filter(number__startswith="C-3").count() == 5
    assert Order.objects.count() == 60
