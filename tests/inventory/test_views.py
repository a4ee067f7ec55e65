import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from csol.core.models import Role
from inventory.models import ChangeKind, ChangeRequest, ChangeStatus
from tests.conftest import signed_in
from tests.factories import SiteFactory, member
from tests.inventory.factories import ContractFactory, HardwareProductFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _url(name, *args, lang="en"):
    return f"/{lang}" + reverse(f"inventory:{name}", args=args)[3:]


@pytest.fixture
def record(customer):
    return RecordFactory(
        customer=customer,
        serial_number="78ABC12",
        warranty_end=timezone.localdate() + datetime.timedelta(days=200),
    )


@pytest.fixture
def theirs(other_customer):
    return RecordFactory(customer=other_customer, serial_number="78ABC13")


# --- List and export ------------------------------------------------------------------------------


def test_list_shows_own_records_with_coverage(customer_client, record, theirs):
    html = customer_client.get(_url("list")).content.decode()
    assert "78ABC12" in html
    assert "78ABC13" not in html
    assert "Under warranty until" in html or "Sous garantie" in html


def test_list_in_french(customer_client, record):
    html = customer_client.get(_url("list", lang="fr")).content.decode()
    assert "Parc installé" in html
    assert "Sous garantie jusqu’au" in html


def test_list_filters(customer_client, customer, record):
    other_site = SiteFactory(customer=customer, name="Entrepôt")
    moved = RecordFactory(customer=customer, site=other_site, serial_number="99XYZ01", status="moved")
    html = customer_client.get(_url("list"), {"site": other_site.pk}).content.decode()
    assert "99XYZ01" in html and "78ABC12" not in html
    html = customer_client.get(_url("list"), {"status": "installed"}).content.decode()
    assert "78ABC12" in html and "99XYZ01" not in html
    html = customer_client.get(_url("list"), {"coverage": "not_covered"}).content.decode()
    assert "99XYZ01" in html and "78ABC12" not in html
    html = customer_client.get(_url("list"), {"product": moved.product_id}).content.decode()
    assert "99XYZ01" in html


def test_list_ignores_another_customers_site_filter(customer_client, other_customer, record):
    # A site id of another customer is not a valid choice: the filter is dropped, nothing leaks.
    response = customer_client.get(_url("list"), {"site": other_customer.sites.first().pk})
    assert response.status_code == 200
    assert "78ABC12" in response.content.decode()


def test_list_query_count_does_not_grow(customer_client, customer, django_assert_max_num_queries):
    contract = ContractFactory(customer=customer)
    for index in range(60):
        record = RecordFactory(customer=customer, serial_number=f"QC{index:05d}")
        if index % 2:
            record.contracts.add(contract)
    customer_client.get(_url("list"))  # warm the session and caches
    with django_assert_max_num_queries(14):
        response = customer_client.get(_url("list"))
    assert response.status_code == 200


def test_export_is_scoped_and_filtered(customer_client, record, theirs):
    response = customer_client.get(_url("export"), {"coverage": "covered"})
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][4] == "Serial number"
    assert [row[4] for row in rows[1:]] == ["78ABC12"]


def test_partner_list_and_export_only_authorised(partner_client, record, theirs):
    html = partner_client.get(_url("list")).content.decode()
    assert "78ABC13" in html and "78ABC12" not in html
    content = b"".join(partner_client.get(_url("export")).streaming_content).decode("utf-8-sig")
    assert "78ABC13" in content and "78ABC12" not in content


def test_anonymous_is_sent_to_sign_in(client, record):
    response = client.get(_url("list"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_shows_coverage_contract_order_and_history(customer_client, customer, record, agent):
    from inventory.services import record_move
    from tests.inventory.factories import OrderFactory, OrderLineFactory

    line = OrderLineFactory(order=OrderFactory(customer=customer, number="SO-12345"), line_number=2)
    record.order_line = line
    record.save()
    record.contracts.add(ContractFactory(customer=customer, number="MC-8888"))
    record_move(record=record, site=SiteFactory(customer=customer, name="Laval"), actor=agent)
    html = customer_client.get(_url("detail", record.pk)).content.decode()
    assert "MC-8888" in html
    assert "Under maintenance contract MC-8888" in html
    assert "SO-12345, line 2" in html
    assert "Moved to another site" in html and "Laval" in html
    assert "CSO agent" in html  # agents are not named to customers


def test_another_customers_record_is_404_everywhere(customer_client, theirs):
    assert customer_client.get(_url("detail", theirs.pk)).status_code == 404
    assert customer_client.get(_url("report_change", theirs.pk)).status_code == 404
    assert (
        customer_client.post(
            _url("report_change", theirs.pk), {"kind": "decommission", "message": "x"}
        ).status_code
        == 404
    )
    assert not ChangeRequest.objects.exists()


def test_partner_detail_only_for_authorised_customers(partner_client, record, theirs):
    assert partner_client.get(_url("detail", theirs.pk)).status_code == 200
    assert partner_client.get(_url("detail", record.pk)).status_code == 404


def test_revoked_partner_loses_access_at_once(partner_client, partner, theirs):
    from csol.core.models import PartnerAuthorisation

    assert partner_client.get(_url("detail", theirs.pk)).status_code == 200
    PartnerAuthorisation.objects.filter(partner=partner).delete()
    assert partner_client.get(_url("detail", theirs.pk)).status_code == 404


# --- Change requests ------------------------------------------------------------------------------


def test_administrator_reports_a_change(customer_client, customer, record):
    new_site = SiteFactory(customer=customer, name="Usine de Laval")
    response = customer_client.post(
        _url("report_change", record.pk),
        {"kind": ChangeKind.MOVE, "new_site": new_site.pk, "message": "Moved"},
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert (change.record, change.new_site, change.status) == (record, new_site, ChangeStatus.PENDING)
    record.refresh_from_db()
    assert record.site != new_site
    assert "Awaiting approval" in customer_client.get(_url("detail", record.pk)).content.decode()


def test_change_form_errors_are_shown_and_nothing_saved(customer_client, record):
    response = customer_client.post(
        _url("report_change", record.pk), {"kind": ChangeKind.SERIAL, "message": "typo"}
    )
    assert response.status_code == 200
    assert "Enter the correct serial number." in response.content.decode()
    response = customer_client.post(
        _url("report_change", record.pk),
        {"kind": ChangeKind.SERIAL, "new_serial_number": "AB#1", "message": "typo"},
    )
    assert "letters, digits" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_non_administrator_cannot_report(customer, record):
    viewer_client = signed_in(member(customer, Role.VIEWER, email="viewer@acme.example"))
    assert viewer_client.get(_url("detail", record.pk)).status_code == 200
    assert "Report a change" not in viewer_client.get(_url("detail", record.pk)).content.decode()
    assert viewer_client.get(_url("report_change", record.pk)).status_code == 403


def test_partner_cannot_report(partner_client, theirs):
    assert partner_client.get(_url("report_change", theirs.pk)).status_code == 403


# --- Lookup and throttling ------------------------------------------------------------------------


def test_lookup_page(customer_client, record, theirs):
    html = customer_client.get(_url("lookup"), {"q": "78abc"}).content.decode()
    assert "78ABC12" in html and "78ABC13" not in html
    assert "1 record found" in html


def test_lookup_without_results(customer_client, record):
    html = customer_client.get(_url("lookup"), {"q": "NOPE999"}).content.decode()
    assert "No equipment matches this search." in html


def test_lookup_query_count_does_not_grow(customer_client, customer, django_assert_max_num_queries):
    for index in range(40):
        RecordFactory(customer=customer, serial_number=f"QQ{index:05d}")
    customer_client.get(_url("lookup"))
    with django_assert_max_num_queries(12):
        response = customer_client.get(_url("lookup"), {"q": "QQ0"})
    assert response.content.decode().count("QQ0") >= 40


@pytest.mark.parametrize("machines", [1, 40])
def test_exact_lookup_reads_records_and_coverage_in_one_query(
    customer_client, customer, machines, django_assert_max_num_queries
):
    # Machines of one type, each under two contracts: the page's queries stay the same in number.
    for index in range(machines):
        record = RecordFactory(customer=customer, machine_type="7070", serial_number=f"EX{index:05d}")
        record.contracts.add(ContractFactory(customer=customer), ContractFactory(customer=customer))
    customer_client.get(_url("lookup"))
    # The session, the user, then one statement: records, sites, products and coverage.
    with django_assert_max_num_queries(3):
        response = customer_client.get(_url("lookup"), {"q": "7070"})
    html = response.content.decode()
    assert html.count("Under maintenance contract") == machines


def test_lookups_are_throttled_per_user(customer_client, other_client, record, settings):
    settings.INVENTORY_LOOKUPS_PER_MINUTE = 3
    for _attempt in range(3):
        assert customer_client.get(_url("lookup"), {"q": "78ABC"}).status_code == 200
    response = customer_client.get(_url("lookup"), {"q": "78ABC"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many lookups" in response.content.decode()
    assert "78ABC12" not in response.content.decode()
    # French page too.
    assert (
        "Trop de recherches"
        in customer_client.get(_url("lookup", lang="fr"), {"q": "78ABC"}).content.decode()
    )
    # Another user is not affected; an empty form does not count.
    assert other_client.get(_url("lookup"), {"q": "78ABC"}).status_code == 200
    assert customer_client.get(_url("lookup")).status_code == 200


def test_staff_lookup_across_customers(agent_client, record, theirs):
    html = agent_client.get(_url("staff_lookup"), {"q": "78ABC"}).content.decode()
    assert "78ABC12" in html and "78ABC13" in html
    assert "/admin/inventory/inventoryrecord/" in html


def test_staff_lookup_refuses_customers(customer_client):
    response = customer_client.get(_url("staff_lookup"), {"q": "78ABC"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Dashboard ------------------------------------------------------------------------------------


def test_dashboard_card(customer_client, customer, record):
    RecordFactory(customer=customer, serial_number="EXP0001", warranty_end=timezone.localdate())
    html = customer_client.get("/en/").content.decode()
    assert "Installed base" in html
    assert "Coverage ending within 90 days" in html
    assert "Look up a machine" in html


def test_list_shows_software_subscriptions(customer_client, customer):
    ContractFactory(customer=customer, number="SW-4242", kind="sw_subscription")
    RecordFactory(customer=customer, product=HardwareProductFactory())
    html = customer_client.get(_url("list")).content.decode()
    assert "Software subscriptions in force" in html and "SW-4242" in html
