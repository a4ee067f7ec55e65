"""Portal pages: tenancy (404 for another customer's objects, partner scope), forms, query ceilings."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.models import ContractStatus, RenewalRequest
from contracts.services import contract_document_attach, renewal_request_submit
from csol.core.models import Role
from inventory.models import InventoryRecord
from tests.conftest import signed_in
from tests.contracts.factories import ContractFactory, EntitlementFactory, ProductFactory
from tests.contracts.test_services import PDF
from tests.factories import PartnerAuthorisationFactory, UserFactory, member

TODAY = timezone.localdate


def url(name, *args, **kwargs):
    return reverse(f"contracts:{name}", args=args, kwargs=kwargs)


@pytest.fixture
def soon(customer):
    """An auto-renewing contract of `customer` ending in 50 days, 30 days' notice."""
    return ContractFactory(
        customer=customer,
        number="CT-SOON",
        start_date=TODAY() - timedelta(days=300),
        end_date=TODAY() + timedelta(days=50),
        auto_renew=True,
        notice_days=30,
    )


@pytest.fixture
def document(contract, agent):
    return contract_document_attach(
        contract=contract, upload=SimpleUploadedFile("signed.pdf", PDF), title="Signed contract", actor=agent
    )


# Tenancy ----------------------------------------------------------------------------------------------------


def test_another_customers_contract_is_404_everywhere(other_client, contract, document, customer_user):
    renewal = renewal_request_submit(contract=contract, actor=customer_user, message="renew")
    for path in [
        url("detail", contract.number),
        url("document", contract.number, document.pk),
        url("renew", contract.number),
        url("do_not_renew", contract.number),
        url("renewal_request", renewal.pk),
    ]:
        assert other_client.get(path).status_code == 404, path
    assert other_client.post(url("renew", contract.number), {"message": "x"}).status_code == 404
    assert RenewalRequest.objects.count() == 1


def test_a_document_of_another_contract_is_404(customer_client, contract, other_contract, agent):
    foreign = contract_document_attach(
        contract=other_contract, upload=SimpleUploadedFile("x.pdf", PDF), title="Other", actor=agent
    )
    assert customer_client.get(url("document", contract.number, foreign.pk)).status_code == 404
    assert customer_client.get(url("document", other_contract.number, foreign.pk)).status_code == 404


def test_the_owner_downloads_the_document(customer_client, contract, document):
    response = customer_client.get(url("document", contract.number, document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="signed.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_lists_show_only_the_viewers_contracts(customer_client, contract, other_contract):
    page = customer_client.get(url("list")).content.decode()
    assert contract.number in page and other_contract.number not in page


def test_partner_sees_only_authorised_customers(partner_client, contract, other_contract):
    page = partner_client.get(url("list")).content.decode()
    assert other_contract.number in page and contract.number not in page
    assert partner_client.get(url("detail", other_contract.number)).status_code == 200
    assert partner_client.get(url("detail", contract.number)).status_code == 404


def test_partner_without_order_scope_may_look_but_not_request(partner, other_customer, other_contract):
    partner_auth = partner.authorisations.first() or PartnerAuthorisationFactory(
        partner=partner, customer=other_customer
    )
    partner_auth.can_order = False
    partner_auth.save()
    client = signed_in(UserFactory(email="viewonly@maple.example", partner=partner))
    assert client.get(url("detail", other_contract.number)).status_code == 200
    assert client.get(url("renew", other_contract.number)).status_code == 403


def test_revoking_a_partner_takes_effect_at_once(partner_client, partner, other_contract):
    assert partner_client.get(url("detail", other_contract.number)).status_code == 200
    partner.authorisations.update(revoked_at=timezone.now())
    assert partner_client.get(url("detail", other_contract.number)).status_code == 404


def test_partner_requests_a_renewal_for_its_customer(partner_client, other_contract):
    response = partner_client.post(
        url("renew", other_contract.number), {"po_number": "PO-1", "message": "renew"}
    )
    assert response.status_code == 302
    assert other_contract.renewal_requests.get().po_number == "PO-1"


def test_viewer_role_cannot_request_a_renewal(customer, contract):
    client = signed_in(member(customer, Role.VIEWER))
    assert client.get(url("detail", contract.number)).status_code == 200
    assert client.post(url("renew", contract.number), {"message": "x"}).status_code == 403


# Detail -----------------------------------------------------------------------------------------------------


def test_detail_shows_covered_items_licences_schedule_and_documents(
    customer, customer_client, contract, document
):
    from contracts.services import billing_schedule_generate

    product = ProductFactory(sku="HW-8001", kind="hardware", name_fr="Serveur X", name_en="Server X")
    record = InventoryRecord.objects.create(
        customer=customer,
        site=customer.sites.first(),
        product=product,
        serial_number="SN-12345",
        machine_type="8001",
    )
    record.contracts.add(contract)
    EntitlementFactory(contract=contract, licence_key="KEY-SECRET-1")
    billing_schedule_generate(contract=contract)
    page = customer_client.get(url("detail", contract.number)).content.decode()
    assert "SN-12345" in page and "Serveur X" in page
    assert "KEY-SECRET-1" in page  # administrators see the keys
    assert "2026-01-01" in page and "Signed contract" in page
    assert url("document", contract.number, document.pk) in page
    assert page.count("<h1") == 1


def test_buyers_do_not_see_licence_keys(customer, contract):
    EntitlementFactory(contract=contract, licence_key="KEY-SECRET-2")
    client = signed_in(member(customer, Role.BUYER))
    page = client.get(url("detail", contract.number)).content.decode()
    assert "KEY-SECRET-2" not in page
    assert client.get(url("entitlements")).status_code == 403


def test_cancellation_deadline_is_shown(customer_client, soon):
    page = customer_client.get(url("detail", soon.number)).content.decode()
    assert soon.cancellation_deadline.isoformat() in page


# List filters and query ceilings ---------------------------------------------------------------------------


def test_list_filters(customer, customer_client):
    ContractFactory(
        customer=customer, number="CT-HW", kind="hw_maintenance", end_date=TODAY() + timedelta(days=20)
    )
    ContractFactory(
        customer=customer, number="CT-SW", kind="sw_subscription", end_date=TODAY() + timedelta(days=200)
    )
    ContractFactory(
        customer=customer,
        number="CT-OLD",
        status=ContractStatus.EXPIRED,
        end_date=TODAY() - timedelta(days=5),
    )
    page = customer_client.get(url("list"), {"kind": "sw_subscription"}).content.decode()
    assert "CT-SW" in page and "CT-HW" not in page
    page = customer_client.get(url("list"), {"status": "expired"}).content.decode()
    assert "CT-OLD" in page and "CT-SW" not in page
    page = customer_client.get(url("list"), {"ending_within": "30"}).content.decode()
    assert "CT-HW" in page and "CT-SW" not in page and "CT-OLD" not in page


def test_bad_filters_are_reported_not_crashing(customer_client, contract):
    response = customer_client.get(url("list"), {"ending_within": "-4", "kind": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors


def _list_queries(client, path, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("name", ["list", "renewals", "entitlements"])
def test_list_pages_have_a_fixed_query_count(customer, customer_client, name, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            contract = ContractFactory(
                customer=customer, end_date=TODAY() + timedelta(days=40), auto_renew=True
            )
            EntitlementFactory(contract=contract)
            renewal_request_submit(
                contract=contract, actor=contract.customer.memberships.first().user, message="x"
            )

    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        customer_client.get(url(name))
    add(20)
    with django_assert_max_num_queries(len(few)):
        response = customer_client.get(url(name))
    assert response.status_code == 200
    assert len(few) <= 16


def test_renewal_cockpit_lists_the_next_120_days(customer, customer_client, soon):
    ContractFactory(customer=customer, number="CT-FAR", end_date=TODAY() + timedelta(days=121))
    page = customer_client.get(url("renewals")).content.decode()
    assert "CT-SOON" in page and "CT-FAR" not in page
    assert soon.cancellation_deadline.isoformat() in page
    assert url("do_not_renew", soon.number) in page and url("renew", soon.number) in page


# Renewal request form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"quantity": "0"},
        {"quantity": "-2"},
        {"quantity": "abc"},
        {"quantity": "1.5"},
        {"quantity": "99999999"},
        {"quantity": ""},
        {"po_number": "<script>"},
        {"po_number": "P" * 41},
        {"message": "x" * 2001},
    ],
)
def test_bad_renewal_input_is_refused_and_kept(customer_client, soon, bad):
    licence = EntitlementFactory(contract=soon, quantity=10)
    data = {f"quantity_{licence.pk}": "12", "po_number": "PO-9", "message": "Ajouter 2 postes"}
    for key, value in bad.items():
        data[f"quantity_{licence.pk}" if key == "quantity" else key] = value
    response = customer_client.post(url("renew", soon.number), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not RenewalRequest.objects.exists()
    if "message" not in bad:
        assert "Ajouter 2 postes" in response.content.decode()  # nothing typed is lost


def test_an_empty_request_without_licences_is_refused(customer_client, soon):
    response = customer_client.post(url("renew", soon.number), {"po_number": "", "message": "  "})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not RenewalRequest.objects.exists()


def test_a_good_request_is_recorded(customer_client, soon, customer_user):
    licence = EntitlementFactory(contract=soon, quantity=10)
    response = customer_client.post(
        url("renew", soon.number),
        {f"quantity_{licence.pk}": "15", "po_number": "PO-2027-01", "message": "Plus 5"},
    )
    renewal = RenewalRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("renewal_request", renewal.pk)
    assert (renewal.requested_by, renewal.po_number) == (customer_user, "PO-2027-01")
    assert renewal.lines.get().requested_quantity == 15
    second = customer_client.post(
        url("renew", soon.number), {f"quantity_{licence.pk}": "15", "message": "again"}
    )
    assert second.status_code == 302 and second["Location"] == url("renewal_request", renewal.pk)
    assert RenewalRequest.objects.count() == 1
    page = customer_client.get(url("renewal_request", renewal.pk)).content.decode()
    assert "PO-2027-01" in page and "15" in page


def test_a_quantity_field_of_another_contract_is_ignored(customer_client, soon, other_contract):
    foreign = EntitlementFactory(contract=other_contract, quantity=3)
    customer_client.post(url("renew", soon.number), {f"quantity_{foreign.pk}": "50", "message": "x"})
    assert not RenewalRequest.objects.filter(lines__entitlement=foreign).exists()


# Notice not to renew ----------------------------------------------------------------------------------------


def test_notice_before_the_deadline(customer_client, soon, customer_user):
    assert customer_client.post(url("do_not_renew", soon.number), {}).status_code == 200  # must confirm
    response = customer_client.post(url("do_not_renew", soon.number), {"confirm": "on"})
    assert response.status_code == 302
    soon.refresh_from_db()
    assert soon.non_renewal_noticed_by == customer_user


def test_notice_after_the_deadline_is_refused(customer_client, soon):
    soon.notice_days = 60  # deadline 10 days ago
    soon.save()
    response = customer_client.post(url("do_not_renew", soon.number), {"confirm": "on"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    soon.refresh_from_db()
    assert soon.non_renewal_noticed_at is None


# Entitlements -----------------------------------------------------------------------------------------------


def test_entitlements_list_for_administrators(customer_client, contract, other_contract):
    mine = EntitlementFactory(contract=contract, licence_key="KEY-MINE")
    EntitlementFactory(contract=other_contract, licence_key="KEY-THEIRS")
    page = customer_client.get(url("entitlements")).content.decode()
    assert "KEY-MINE" in page and "KEY-THEIRS" not in page
    assert mine.product.name_fr in page


def test_partners_never_see_the_entitlements_list(partner_client, other_contract):
    EntitlementFactory(contract=other_contract)
    assert partner_client.get(url("entitlements")).status_code == 403


def test_dashboard_card(customer_client, soon):
    page = customer_client.get(reverse("portal:dashboard")).content.decode()
    assert url("renewals") in page


def test_anonymous_visitors_sign_in_first(client, contract):
    response = client.get(url("detail", contract.number))
    assert response.status_code == 302


def test_agents_see_every_customer(agent_client, contract, other_contract):
    page = agent_client.get(url("list")).content.decode()
    assert contract.number in page and other_contract.number in page


def test_dates_are_iso(customer_client, contract):
    assert date(2026, 12, 31).isoformat() in customer_client.get(url("list")).content.decode()
