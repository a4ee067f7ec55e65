import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from csol.core.tenancy import viewer_for
from inventory.imports import records_import
from inventory.models import ChangeKind, ChangeRequest, ChangeStatus, EventKind, InventoryRecord, RecordStatus
from inventory.services import change_request_submit
from tests.factories import SiteFactory
from tests.inventory.factories import ContractFactory, HardwareProductFactory, RecordFactory

pytestmark = pytest.mark.django_db

HEADER = "customer_number,site_name,sku,serial_number,quantity,install_date,warranty_end,status\n"


def _csv(text: str, name="records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def products(db):
    return {
        "power": HardwareProductFactory(sku="9080-HEX", machine_type="9080", model="HEX"),
        "storage": HardwareProductFactory(sku="2078-24C", machine_type="2078", model="24C"),
    }


# --- CSV import -----------------------------------------------------------------------------------


def test_import_creates_every_row_with_history(customer, products, agent):
    text = HEADER + (
        "C-900001,Siège,9080-HEX,78aaa01,1,2026-01-10,2027-01-09,installed\nC-900001,siège,2078-24C,,4,,,\n"
    )
    result = records_import(upload=_csv(text), actor=agent)
    assert result.ok and result.created == 2
    first = InventoryRecord.objects.get(serial_number="78AAA01")
    assert (first.machine_type, first.model, first.customer) == ("9080", "HEX", customer)
    assert InventoryRecord.objects.get(machine_type="2078").quantity == 4
    assert set(InventoryRecord.objects.values_list("events__kind", flat=True)) == {EventKind.IMPORTED}


def test_import_with_bad_rows_imports_nothing_and_reports_lines(customer, products, agent):
    RecordFactory(customer=customer, product=products["power"], serial_number="78DUP00")
    text = HEADER + (
        "C-900001,Siège,9080-HEX,78OK001,1,2026-01-10,,installed\n"  # line 2: fine
        "C-999999,Siège,9080-HEX,78OK002,1,,,\n"  # 3: unknown customer
        "C-900001,Nowhere,9080-HEX,78OK003,1,,,\n"  # 4: unknown site
        "C-900001,Siège,NOPE,78OK004,1,,,\n"  # 5: unknown product
        "C-900001,Siège,9080-HEX,78OK005,1,2026-13-01,,\n"  # 6: bad date
        "C-900001,Siège,9080-HEX,78DUP00,1,,,\n"  # 7: serial already recorded
        "C-900001,Siège,9080-HEX,78OK001,1,,,\n"  # 8: serial twice in the file
        "C-900001,Siège,9080-HEX,78OK009,2,,,\n"  # 9: a serial is one machine
        "C-900001,Siège,9080-HEX,78OK010,1,,,broken\n"  # 10: unknown status
        "C-900001,Siège,9080-HEX,=SUM(A1),1,,,\n"  # 11: malformed serial
    )
    result = records_import(upload=_csv(text), actor=agent)
    assert not result.ok and result.created == 0
    assert [error.line for error in result.errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = {error.line: error.message for error in result.errors}
    assert "C-999999" in messages[3]
    assert "Nowhere" in messages[4]
    assert "2026-13-01" in messages[6]
    assert "2" in messages[8] and "78OK001" in messages[8]
    assert InventoryRecord.objects.count() == 1  # only the one that was there before


def test_import_refuses_missing_columns(agent):
    result = records_import(upload=_csv("customer_number,sku\nC-900001,9080-HEX\n"), actor=agent)
    assert result.errors[0].line == 1 and "site_name" in result.errors[0].message


def test_import_accepts_semicolons_and_bom(customer, products, agent):
    text = "\ufeff" + HEADER.replace(",", ";") + "C-900001;Siège;9080-HEX;78SEMI1;1;;;\n"
    assert records_import(upload=_csv(text), actor=agent).created == 1


def test_admin_import_page(agent_client, customer, products):
    response = agent_client.post(
        "/en/admin/inventory/inventoryrecord/import/",
        {
            "file": _csv(
                HEADER + "C-900001,Siège,9080-HEX,78ADM01,1,,,\nC-900001,Siège,9080-HEX,78ADM01,1,,,\n"
            )
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing was imported" in html and "appears twice" in html
    assert not InventoryRecord.objects.exists()
    response = agent_client.post(
        "/en/admin/inventory/inventoryrecord/import/",
        {"file": _csv(HEADER + "C-900001,Siège,9080-HEX,78ADM01,1,,,\n")},
    )
    assert response.status_code == 302
    assert InventoryRecord.objects.get().serial_number == "78ADM01"


def test_admin_import_refuses_non_csv(agent_client):
    upload = SimpleUploadedFile("records.csv", b"%PDF-1.4 not a csv", content_type="text/csv")
    response = agent_client.post("/en/admin/inventory/inventoryrecord/import/", {"file": upload})
    assert response.status_code == 200
    assert not InventoryRecord.objects.exists()


def test_admin_export_round_trips_with_import(agent_client, customer, other_customer, products):
    RecordFactory(customer=customer, product=products["power"], serial_number="78EXP01")
    RecordFactory(customer=other_customer, product=products["power"], serial_number="78EXP02")
    response = agent_client.get("/en/admin/inventory/inventoryrecord/export/", {"q": "78EXP01"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:8] == HEADER.strip().split(",")
    assert [row[3] for row in rows[1:]] == ["78EXP01"]


def test_customers_cannot_reach_admin(customer_client):
    assert customer_client.get("/en/admin/inventory/inventoryrecord/import/").status_code == 302


# --- Agents' record edits and searches ------------------------------------------------------------


def test_admin_search_uses_lookup_keys(agent_client, customer, other_customer, products):
    RecordFactory(customer=customer, product=products["power"], serial_number="78SRCH1")
    RecordFactory(customer=other_customer, product=products["storage"], serial_number="11SRCH2")
    html = agent_client.get("/en/admin/inventory/inventoryrecord/", {"q": "9080-HEX"}).content.decode()
    assert "78SRCH1" in html and "11SRCH2" not in html
    html = agent_client.get("/en/admin/inventory/inventoryrecord/", {"q": "srch"}).content.decode()
    assert "78SRCH1" in html and "11SRCH2" in html


def test_admin_add_and_edit_write_history(agent_client, customer, products):
    site = customer.sites.first()
    response = agent_client.post(
        "/en/admin/inventory/inventoryrecord/add/",
        {
            "customer": customer.pk,
            "site": site.pk,
            "product": products["power"].pk,
            "serial_number": "78new01",
            "quantity": 1,
            "status": "installed",
            "install_date": "",
            "warranty_end": "",
            "order_line": "",
            "contracts": "",
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = InventoryRecord.objects.get()
    assert (record.serial_number, record.machine_type) == ("78NEW01", "9080")
    new_site = SiteFactory(customer=customer, name="Laval")
    contract = ContractFactory(customer=customer, number="MC-ADM")
    response = agent_client.post(
        f"/en/admin/inventory/inventoryrecord/{record.pk}/change/",
        {
            "site": new_site.pk,
            "product": products["power"].pk,
            "serial_number": "78NEW01",
            "quantity": 1,
            "status": "moved",
            "install_date": "",
            "warranty_end": "2027-05-31",
            "order_line": "",
            "contracts": str(contract.pk),
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.site == new_site and record.status == RecordStatus.MOVED
    kinds = sorted(record.events.values_list("kind", flat=True))
    assert kinds == sorted(
        [EventKind.CREATED, EventKind.MOVED, EventKind.STATUS, EventKind.EDITED, EventKind.COVERAGE]
    )


def test_admin_refuses_bad_transition(agent_client, customer, products):
    record = RecordFactory(customer=customer, product=products["power"], status=RecordStatus.DECOMMISSIONED)
    response = agent_client.post(
        f"/en/admin/inventory/inventoryrecord/{record.pk}/change/",
        {
            "site": record.site_id,
            "product": products["power"].pk,
            "serial_number": record.serial_number,
            "quantity": 1,
            "status": "moved",
            "order_line": "",
            "contracts": "",
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "cannot go from" in response.content.decode()


# --- Change requests in the admin -----------------------------------------------------------------

# The change form's read-only inline of the decision's emails posts its management form.
NO_EMAIL_ROWS = {"emails-TOTAL_FORMS": 0, "emails-INITIAL_FORMS": 0}


def test_agent_approves_from_the_change_form(agent_client, customer, customer_user, products):
    record = RecordFactory(customer=customer, product=products["power"], serial_number="78CR001")
    change = change_request_submit(
        viewer=viewer_for(customer_user), record=record, kind=ChangeKind.DECOMMISSION, message="Retired"
    )
    url = f"/en/admin/inventory/changerequest/{change.pk}/change/"
    assert "Approve and apply" in agent_client.get(url).content.decode()
    response = agent_client.post(
        url, {"decision_note": "Confirmed by phone", "_approve": "1", **NO_EMAIL_ROWS}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    record.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.decision_note == "Confirmed by phone"
    assert record.status == RecordStatus.DECOMMISSIONED


def test_agent_rejects_with_the_action_only_with_a_reason(agent_client, customer, customer_user, products):
    record = RecordFactory(customer=customer, product=products["power"], serial_number="78CR002")
    change = change_request_submit(
        viewer=viewer_for(customer_user), record=record, kind=ChangeKind.DECOMMISSION, message="Retired"
    )
    changes = "/en/admin/inventory/changerequest/"
    response = agent_client.post(changes, {"action": "reject", "_selected_action": [change.pk]}, follow=True)
    assert "Give the reason for the rejection" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING  # no reason written yet: nothing decided
    ChangeRequest.objects.filter(pk=change.pk).update(decision_note="Still under contract")
    response = agent_client.post(changes, {"action": "reject", "_selected_action": [change.pk]})
    assert response.status_code == 302
    change.refresh_from_db()
    record.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and record.status == RecordStatus.INSTALLED
    assert ChangeRequest.objects.count() == 1


def test_agent_rejects_from_the_change_form_with_the_note_as_reason(
    agent_client, customer, customer_user, products, django_capture_on_commit_callbacks
):
    from django.core import mail

    record = RecordFactory(customer=customer, product=products["power"], serial_number="78CR003")
    change = change_request_submit(
        viewer=viewer_for(customer_user), record=record, kind=ChangeKind.DECOMMISSION, message="Retired"
    )
    url = f"/en/admin/inventory/changerequest/{change.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url, {"decision_note": "Encore sous contrat", "_reject": "1", **NO_EMAIL_ROWS}
        )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert [m.to for m in mail.outbox] == [[customer_user.email]]
    assert "Encore sous contrat" in mail.outbox[0].body
