"""Every kind of change to customer data named in issue 9 is in the audit trail, with who made it and
the customer it belongs to (so the back office lists it under that customer).

Each change is made through the service an agent's page or a customer's page calls, while the agent
(or customer user) is the acting user; only the events written by that change are looked at.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.template.loader_tags import ExtendsNode

from csol.audit.context import Actor, acting
from csol.audit.models import AuditAction, AuditEvent
from csol.core.models import Role
from tests.conftest import signed_in
from tests.factories import PartnerAuthorisationFactory, member

pytestmark = pytest.mark.django_db

C, U = AuditAction.CREATE, AuditAction.UPDATE


def _as(user):
    return acting(Actor(user_id=user.pk, label=user.email, source="web"))


def _after(mark):
    return AuditEvent.objects.filter(pk__gt=mark).select_related("content_type")


def _mark():
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


# Each scenario: prepare(customer, agent) -> state; act(state, agent) while the agent acts;
# then the events (model, action, a field that must be among the changes) it must have written.


def _order_placed():
    from tests.orders.factories import ProductFactory

    def prepare(customer, agent):
        return ProductFactory()

    def act(product, customer, agent):
        from orders import services

        services.order_create(
            customer=customer,
            ship_to=customer.sites.first(),
            lines=[services.LineRequest(product=product, quantity=2)],
            actor=agent,
            po_number="PO-AUDIT",
        )

    return prepare, act, [("orders.order", C, "po_number"), ("orders.orderline", C, "quantity")]


def _order_delivered():
    from orders.models import OrderStatus
    from tests.orders.factories import advance, make_order

    def prepare(customer, agent):
        return advance(make_order(customer, actor=agent), OrderStatus.SHIPPED, actor=agent)

    def act(order, customer, agent):
        from orders import services

        services.order_transition(order=order, to=OrderStatus.DELIVERED, actor=agent)

    return prepare, act, [("orders.order", U, "status"), ("orders.orderline", U, "delivered_at")]


def _invoice_issued():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        return make_invoice(customer, issue=False)

    def act(draft, customer, agent):
        from billing.services import invoice_issue

        invoice_issue(invoice=draft, actor=agent, on=date(2026, 11, 2))

    return prepare, act, [("billing.invoice", U, "status")]


def _credit_note():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        return make_invoice(customer)

    def act(invoice, customer, agent):
        from billing.services import credit_note_create

        credit_note_create(invoice=invoice, amount=Decimal("50.00"), reason="geste", actor=agent)

    return (
        prepare,
        act,
        [
            ("billing.invoice", C, "kind"),
            ("billing.invoice", U, "credited_invoice_id"),
            ("billing.invoiceline", C, "net_amount"),
        ],
    )


def _payment_and_allocation():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        return make_invoice(customer)

    def act(invoice, customer, agent):
        from collections_ar.services import payment_record

        payment_record(
            customer=customer,
            received_on=date(2026, 11, 20),
            method="eft",
            amount=Decimal("100.00"),
            actor=agent,
            allocations=[(invoice, Decimal("100.00"))],
        )

    return prepare, act, [("collections_ar.payment", C, "amount"), ("collections_ar.allocation", C, "amount")]


def _credit_applied():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        from billing.services import credit_note_create

        invoice = make_invoice(customer)
        note = credit_note_create(invoice=invoice, amount=Decimal("50.00"), reason="geste", actor=agent)
        return invoice, note

    def act(state, customer, agent):
        from collections_ar.services import credit_note_apply

        invoice, note = state
        credit_note_apply(credit_note=note, invoice=invoice, actor=agent)

    return prepare, act, [("collections_ar.creditapplication", C, "amount")]


def _write_off():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        return make_invoice(customer)

    def act(invoice, customer, agent):
        from collections_ar.services import write_off_record

        write_off_record(invoice=invoice, amount=Decimal("0.05"), reason="small_balance", actor=agent)

    return prepare, act, [("collections_ar.writeoff", C, "amount")]


def _contract():
    def prepare(customer, agent):
        return None

    def act(_state, customer, agent):
        from contracts.services import contract_activate, contract_create

        contract = contract_create(
            actor=agent,
            number="CT-AUDIT1",
            customer=customer,
            kind="hw_maintenance",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            billing_frequency="annual",
            amount_per_period=Decimal("1200.00"),
        )
        contract_activate(contract=contract, actor=agent)

    return prepare, act, [("contracts.contract", C, "number"), ("contracts.contract", U, "status")]


def _records_imported():
    from tests.inventory.factories import HardwareProductFactory

    def prepare(customer, agent):
        return HardwareProductFactory(sku="9080-HEX", machine_type="9080", model="HEX")

    def act(_product, customer, agent):
        from inventory.imports import records_import

        text = (
            "customer_number,site_name,sku,serial_number,quantity,install_date,warranty_end,status\n"
            f"{customer.number},{customer.sites.first().name},9080-HEX,78AUD01,1,2026-01-10,,installed\n"
        )
        result = records_import(upload=SimpleUploadedFile("r.csv", text.encode()), actor=agent)
        assert result.ok, result.errors

    return prepare, act, [("inventory.inventoryrecord", C, "serial_number")]


def _membership():
    def prepare(customer, agent):
        return member(customer, Role.BUYER, email="buyer@acme.example").memberships.get()

    def act(membership, customer, agent):
        membership.role = Role.VIEWER
        membership.save(update_fields=["role"])

    return prepare, act, [("core.membership", U, "role")]


def _remittance_advice():
    from tests.billing.factories import make_invoice

    def prepare(customer, agent):
        return make_invoice(customer)

    def act(invoice, customer, agent):
        from collections_ar.services.remittance import remittance_advice_submit

        remittance_advice_submit(
            customer=customer,
            submitted_by=agent,
            paid_on=date(2026, 11, 20),
            method="eft",
            reference="EFT-1",
            amount=Decimal("10.00"),
            lines=[(invoice, Decimal("10.00"))],
        )

    return prepare, act, [("collections_ar.remittanceadvice", C, "reference")]


SCENARIOS = {
    "order placed": _order_placed,
    "order delivered": _order_delivered,
    "invoice issued": _invoice_issued,
    "credit note": _credit_note,
    "payment and allocation": _payment_and_allocation,
    "credit note applied": _credit_applied,
    "write-off": _write_off,
    "contract": _contract,
    "inventory records imported": _records_imported,
    "membership": _membership,
    "remittance advice": _remittance_advice,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_kind_of_change_is_recorded_with_its_author_and_customer(name, customer, agent):
    prepare, act, expected = SCENARIOS[name]()
    state = prepare(customer, agent)
    mark = _mark()

    with _as(agent):
        act(state, customer, agent)

    events = list(_after(mark))
    for label, action, field in expected:
        matching = [e for e in events if e.content_type.model == label.split(".")[1] and e.action == action]
        assert matching, f"{name}: no {action} event of {label} among {[str(e) for e in events]}"
        assert any(field in e.changes for e in matching), f"{name}: {field} missing from {label} changes"
        for event in matching:
            assert (event.actor_id, event.actor_label) == (agent.pk, agent.email)
            assert event.customer_id == customer.pk, f"{name}: {label} event has no customer"


def test_partner_authorisation_changes_in_the_back_office_are_recorded(
    admin_client, admin_user, customer, partner
):
    authorisation = PartnerAuthorisationFactory(partner=partner, customer=customer, can_order=False)
    base = "/en/admin/core/partnerauthorisation/"

    # An agent changes the scope on the authorisation's page,
    page = admin_client.get(f"{base}{authorisation.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(can_order="on", can_service_requests="on" if authorisation.can_service_requests else "")
    data = {k: v for k, v in data.items() if v not in (False, None)}
    mark = _mark()
    response = admin_client.post(f"{base}{authorisation.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = _after(mark).get(action=U, content_type__model="partnerauthorisation")
    assert changed.changes["can_order"] == [False, True]
    assert (changed.actor, changed.customer_id) == (admin_user, customer.pk)

    # then revokes it with the list's action: recorded too (it used to bypass the trail).
    mark = _mark()
    admin_client.post(base, {"action": "revoke", "_selected_action": [authorisation.pk]})
    authorisation.refresh_from_db()
    assert authorisation.revoked_at is not None
    revoked = _after(mark).get(action=U, content_type__model="partnerauthorisation")
    assert list(revoked.changes) == ["revoked_at"] and revoked.changes["revoked_at"][0] is None
    assert (revoked.actor, revoked.customer_id) == (admin_user, customer.pk)


def test_billing_options_changed_by_a_customer_are_recorded(customer, customer_user):
    client = signed_in(customer_user)
    mark = _mark()
    response = client.post(
        "/fr/invoices/options/",
        {"mode": "monthly", "language": "fr", "extra_emails": "compta@acme.example"},
    )
    assert response.status_code == 302
    event = _after(mark).get(content_type__model="billingoptions")
    assert event.changes["extra_emails"] == [None, "compta@acme.example"]
    assert (event.actor, event.customer_id) == (customer_user, customer.pk)


def test_the_events_of_a_customer_include_those_reached_through_another_object(
    agent_client, agent, customer, other_customer
):
    # Allocations reach their customer through the payment: listed under the customer in the admin.
    from tests.billing.factories import make_invoice

    invoice = make_invoice(customer)
    make_invoice(other_customer)
    with _as(agent):
        from collections_ar.services import payment_record

        payment_record(
            customer=customer,
            received_on=date(2026, 11, 20),
            method="eft",
            amount=Decimal("5.00"),
            actor=agent,
            allocations=[(invoice, Decimal("5.00"))],
        )
    response = agent_client.get(f"/en/admin/audit/auditevent/?customer={customer.pk}")
    assert response.status_code == 200
    kinds = {e.content_type.model for e in response.context["cl"].result_list if e.content_type}
    assert {"allocation", "invoiceline", "payment"} <= kinds


def test_the_system_check_refuses_an_audited_model_without_a_customer(settings):
    from csol.audit.checks import audited_models_reach_their_customer

    assert audited_models_reach_their_customer(None) == []
    settings.AUDIT_CUSTOMER_PATHS = {
        k: v for k, v in settings.AUDIT_CUSTOMER_PATHS.items() if k != "collections_ar.Allocation"
    }
    errors = audited_models_reach_their_customer(None)
    assert [(e.id, e.level) for e in errors] == [("audit.E002", checks.ERROR)]
    assert "collections_ar.Allocation" in errors[0].msg
    settings.AUDIT_CUSTOMER_PATHS = {
        **settings.AUDIT_CUSTOMER_PATHS,
        "collections_ar.Allocation": "payment__nope",
    }
    assert audited_models_reach_their_customer(None)


def _extends(template_name: str) -> list[str]:
    """The chain of templates a template extends, itself first."""
    chain = [template_name]
    template = loader.get_template(template_name).template
    while template.nodelist and isinstance(template.nodelist[0], ExtendsNode):
        parent = template.nodelist[0].parent_name.resolve({})
        chain.append(parent)
        template = loader.get_template(parent).template
    return chain


def test_every_audited_models_admin_page_links_to_its_trail():
    from django.contrib import admin

    from csol.audit.recorder import audited_models

    missing = []
    for model in audited_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        template = model_admin.change_form_template
        if template is None or "audit/admin/change_form.html" not in _extends(template):
            missing.append(f"{model._meta.label}: {template}")
    assert missing == []


@pytest.mark.parametrize(
    ("who", "path"),
    [
        # A customer user without the right to pay opens the dispute form of a visible invoice.
        ("viewer", "dispute"),
        # An agent outside the billing desk opens an invoice in the back office.
        ("desk_less_agent", "admin"),
    ],
)
def test_forbidden_actions_are_recorded_denied_accesses(who, path, customer):
    from tests.billing.factories import make_invoice
    from tests.factories import UserFactory

    invoice = make_invoice(customer)
    if who == "viewer":
        user = member(customer, Role.VIEWER, email="viewer@acme.example")
        url = f"/fr/invoices/{invoice.number}/dispute/"
    else:
        user = UserFactory(email="desk-less@csol.example", is_staff=True)
        url = f"/fr/admin/billing/invoice/{invoice.pk}/change/"
    response = signed_in(user).get(url)
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (event.actor, event.path, event.changes) == (user, url, {"status": 403, "method": "GET"})


def test_back_office_pages_outside_the_agents_desks_are_recorded_403s(customer, customer_user):
    """The back office's own pages (credit, generation, dispute handling, import, answer) refuse an
    agent without the desk's permission with a 403, recorded like any denied access."""
    from django.urls import reverse

    from billing.services import dispute_open
    from csol.core.tenancy import viewer_for
    from tests.billing.factories import make_invoice
    from tests.factories import UserFactory
    from tests.servicedesk.factories import make_request

    invoice = make_invoice(customer)
    dispute = dispute_open(
        invoice=invoice,
        actor=customer_user,
        viewer=viewer_for(customer_user),
        reason="price",
        amount="1.00",
        message="x",
    )
    service_request = make_request(customer, customer_user)
    urls = [
        reverse("admin:billing_invoice_credit", args=[invoice.pk]),
        reverse("admin:billing_invoice_generate"),
        reverse("admin:billing_dispute_handle", args=[dispute.pk]),
        reverse("admin:inventory_inventoryrecord_import"),
        reverse("admin:inventory_inventoryrecord_export"),
        reverse("admin:servicedesk_servicerequest_reply", args=[service_request.pk]),
    ]
    outsider = UserFactory(email="desk-less@csol.example", is_staff=True)
    client = signed_in(outsider)
    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 403)
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=outsider)
    assert sorted(denied.values_list("path", flat=True)) == sorted(urls)
