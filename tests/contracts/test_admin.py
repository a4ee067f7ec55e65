"""Back office: every contracts model has a working admin; actions go through the services."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.admin import ContractDocumentForm
from contracts.models import Contract, ContractEvent, ContractStatus, RenewalRequest
from contracts.services import renewal_request_submit
from tests.contracts.factories import EntitlementFactory
from tests.contracts.test_services import PDF, PNG


@pytest.mark.parametrize(
    "model",
    [
        "contract",
        "entitlement",
        "renewalrequest",
        "renewalreminder",
        "billingperiod",
        "contractevent",
        "contractdocument",
    ],
)
def test_changelists_open_with_search(agent_client, contract, model):
    response = agent_client.get(reverse(f"admin:contracts_{model}_changelist"), {"q": "CT"})
    assert response.status_code == 200


def test_contract_change_page(agent_client, contract):
    assert agent_client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).status_code == 200
    assert agent_client.get(reverse("admin:contracts_contract_add")).status_code == 200


def test_customers_never_reach_the_back_office(customer_client, contract):
    response = customer_client.get(reverse("admin:contracts_contract_changelist"))
    assert response.status_code == 302


def test_process_action_renews_through_the_service(agent_client, agent, contract, customer_user):
    licence = EntitlementFactory(contract=contract, quantity=4)
    request = renewal_request_submit(contract=contract, actor=customer_user, quantities={licence.pk: 6})
    changelist = reverse("admin:contracts_renewalrequest_changelist")
    form_page = agent_client.post(changelist, {"action": "process", "_selected_action": [request.pk]})
    assert form_page.status_code == 200 and b'name="apply"' in form_page.content
    response = agent_client.post(
        changelist,
        {
            "action": "process",
            "_selected_action": [request.pk],
            "apply": "1",
            "months": "24",
            "note": "Welcome back",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    new = request.renewed_contract
    assert request.status == "processed" and request.processed_by == agent
    assert new.end_date == date(2028, 12, 31) and new.entitlements.get().quantity == 6


def test_terminate_action_needs_a_reason(agent_client, agent, contract):
    changelist = reverse("admin:contracts_contract_changelist")
    data = {
        "action": "terminate",
        "_selected_action": [contract.pk],
        "apply": "1",
        "on": "2026-06-30",
        "reason": "",
    }
    assert agent_client.post(changelist, data).status_code == 200  # the form again, with its error
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    data["reason"] = "Customer moved out"
    assert agent_client.post(changelist, data).status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert ContractEvent.objects.get(contract=contract, to_status="terminated").actor == agent


def test_a_refused_move_is_reported_not_applied(agent_client, contract):
    changelist = reverse("admin:contracts_contract_changelist")
    response = agent_client.post(
        changelist, {"action": "activate", "_selected_action": [contract.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    assert list(response.context["messages"])


def test_document_form_takes_pdfs_only(contract):
    ok = ContractDocumentForm(data={"title": "Signed"}, files={"file": SimpleUploadedFile("a.pdf", PDF)})
    assert ok.is_valid(), ok.errors
    bad = ContractDocumentForm(data={"title": "Scan"}, files={"file": SimpleUploadedFile("a.pdf", PNG)})
    assert not bad.is_valid() and "file" in bad.errors


def test_renewal_requests_are_not_created_in_the_back_office(agent_client):
    assert agent_client.get(reverse("admin:contracts_renewalrequest_add")).status_code == 403
    assert not RenewalRequest.objects.exists()
