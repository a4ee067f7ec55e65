"""Pages: submitting per category, tenancy, partners, attachments, conversation, agents, bad input."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from csol.core.models import PartnerAuthorisation
from csol.servicedesk import services
from csol.servicedesk.models import Attachment, Category, ServiceRequest, Status
from tests.conftest import signed_in
from tests.servicedesk.factories import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    make_contract,
    make_invoice,
    make_order,
    make_record,
    make_request,
    upload,
)

pytestmark = pytest.mark.django_db


def create_url(category):
    return reverse("servicedesk:create", args=[category])


def base_data(**extra):
    return {"subject": "A question", "description": "Please look into it.", **extra}


# --- who may submit -------------------------------------------------------------------------


def test_anonymous_visitor_gets_the_contact_page_with_sign_in(client):
    response = client.get(reverse("servicedesk:new"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:contact")
    assert reverse("accounts:login") in response.content.decode()
    assert client.get(create_url("billing")).url == reverse("portal:contact")


def test_customer_sees_every_category(customer_client):
    html = customer_client.get(reverse("servicedesk:new")).content.decode()
    for category in Category.values:
        assert create_url(category) in html


def test_unknown_category_is_404(customer_client):
    assert customer_client.get(create_url("nonsense")).status_code == 404


# --- each category's form -------------------------------------------------------------------


def test_billing_question_links_a_visible_invoice(customer_client, customer, other_customer):
    invoice = make_invoice(customer, "F-2026-0001")
    response = customer_client.post(create_url("billing"), base_data(invoice_number="f-2026-0001"))
    sr = ServiceRequest.objects.get()
    assert response.url == sr.get_absolute_url()
    assert (sr.invoice, sr.category, sr.details) == (invoice, "billing", {"invoice_number": "F-2026-0001"})


def test_another_customers_invoice_is_refused_like_an_unknown_one(customer_client, customer, other_customer):
    make_invoice(other_customer, "F-2026-0999")
    theirs = customer_client.post(create_url("billing"), base_data(invoice_number="F-2026-0999"))
    unknown = customer_client.post(create_url("billing"), base_data(invoice_number="F-2026-0998"))
    assert theirs.status_code == unknown.status_code == 200
    theirs_error = theirs.context["form"].errors["invoice_number"][0]
    assert theirs_error == unknown.context["form"].errors["invoice_number"][0].replace("0998", "0999")
    assert ServiceRequest.objects.count() == 0


def test_billing_question_needs_the_invoice_number(customer_client):
    response = customer_client.post(create_url("billing"), base_data())
    assert "invoice_number" in response.context["form"].errors


def test_order_status_by_order_or_po_number(customer_client, customer, other_customer):
    order = make_order(customer, "O-1001", po_number="PO-77")
    make_order(other_customer, "O-2001", po_number="PO-88")
    customer_client.post(create_url("order_status"), base_data(order_reference="PO-77"))
    assert ServiceRequest.objects.get().order == order
    response = customer_client.post(create_url("order_status"), base_data(order_reference="PO-88"))
    assert "order_reference" in response.context["form"].errors
    response = customer_client.post(create_url("order_status"), base_data(order_reference="O-2001"))
    assert "order_reference" in response.context["form"].errors


def test_contract_administration_needs_a_visible_contract_and_a_change_type(
    customer_client, customer, other_customer
):
    contract = make_contract(customer, "K-100")
    make_contract(other_customer, "K-200")
    response = customer_client.post(create_url("contract"), base_data(contract_number="K-100"))
    assert "change_type" in response.context["form"].errors
    response = customer_client.post(
        create_url("contract"), base_data(contract_number="K-200", change_type="renewal")
    )
    assert "contract_number" in response.context["form"].errors
    customer_client.post(create_url("contract"), base_data(contract_number="K-100", change_type="renewal"))
    sr = ServiceRequest.objects.get()
    assert sr.contract == contract
    assert sr.details["change_type"] == "renewal"
    with translation.override("en"):
        assert ("Change requested", "Renewal") in [(str(k), str(v)) for k, v in sr.detail_rows()]


def test_inventory_correction_by_serial_number(customer_client, customer, other_customer):
    make_record(customer, "78ABC12", machine_type="9009")
    wanted = make_record(customer, "78ABC12", machine_type="8286")
    make_record(other_customer, "99ZZZ01")
    data = base_data(serial_number="78ABC12", field_to_correct="site", correct_value="Usine de Québec")
    response = customer_client.post(create_url("inventory"), data)
    assert "machine_type" in response.context["form"].errors  # two machines share the serial number
    response = customer_client.post(create_url("inventory"), {**data, "serial_number": "99ZZZ01"})
    assert "serial_number" in response.context["form"].errors
    response = customer_client.post(create_url("inventory"), {**data, "correct_value": "  "})
    assert "correct_value" in response.context["form"].errors
    customer_client.post(create_url("inventory"), {**data, "machine_type": "8286"})
    sr = ServiceRequest.objects.get()
    assert (sr.inventory_record, sr.desk) == (wanted, "orders")


def test_licence_question_contract_is_optional_but_checked(customer_client, customer, other_customer):
    make_contract(other_customer, "K-200")
    response = customer_client.post(create_url("licence"), base_data())
    assert "product_name" in response.context["form"].errors
    response = customer_client.post(
        create_url("licence"), base_data(product_name="Db2", contract_number="K-200")
    )
    assert "contract_number" in response.context["form"].errors
    customer_client.post(create_url("licence"), base_data(product_name="Db2"))
    sr = ServiceRequest.objects.get()
    assert (sr.contract, sr.details, sr.desk) == (None, {"product_name": "Db2"}, "contracts")


def test_payment_form_checks_date_amount_and_reference(customer_client, customer):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = customer_client.post(
        create_url("payment"), base_data(payment_date=tomorrow.isoformat(), amount="0", payment_reference="")
    )
    errors = response.context["form"].errors
    assert {"payment_date", "amount", "payment_reference"} <= set(errors)
    invoice = make_invoice(customer, "F-2026-0002")
    customer_client.post(
        create_url("payment"),
        base_data(
            payment_date="2026-11-03",
            amount="1234.50",
            payment_reference="EFT 4471",
            invoice_number="F-2026-0002",
        ),
    )
    sr = ServiceRequest.objects.get()
    assert (sr.invoice, sr.desk) == (invoice, "collections")
    assert sr.details["amount"] == "1234.50"


def test_general_question_and_bad_input(customer_client):
    response = customer_client.post(create_url("general"), {"subject": "   ", "description": ""})
    assert {"subject", "description"} <= set(response.context["form"].errors)
    response = customer_client.post(
        create_url("general"), base_data(subject="x" * 151, description="y" * 5001)
    )
    assert {"subject", "description"} <= set(response.context["form"].errors)
    # Nothing typed is lost: the form comes back with the values.
    assert "y" * 100 in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_script_in_subject_and_message_is_rendered_escaped(customer_client, customer, customer_user):
    script = "<script>alert(1)</script>"
    customer_client.post(create_url("general"), base_data(subject=script, description=script))
    sr = ServiceRequest.objects.get()
    customer_client.post(reverse("servicedesk:reply", args=[sr.reference]), {"body": script})
    for url in (reverse("servicedesk:list"), sr.get_absolute_url()):
        html = customer_client.get(url).content.decode()
        assert script not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- partners -------------------------------------------------------------------------------


def test_partner_submits_for_an_authorised_customer_only(
    partner_client, partner_user, customer, other_customer
):
    response = partner_client.get(create_url("general"))
    choices = list(response.context["form"].fields["customer"].queryset)
    assert choices == [other_customer]
    response = partner_client.post(create_url("general"), base_data(customer=customer.pk))
    assert "customer" in response.context["form"].errors
    partner_client.post(create_url("general"), base_data(customer=other_customer.pk))
    sr = ServiceRequest.objects.get()
    assert (sr.customer, sr.partner, sr.requester) == (other_customer, partner_user.partner, partner_user)


def test_partner_links_only_objects_of_the_chosen_customer(partner_client, customer, other_customer):
    make_invoice(customer, "F-2026-0001")
    response = partner_client.post(
        create_url("billing"), base_data(customer=other_customer.pk, invoice_number="F-2026-0001")
    )
    assert "invoice_number" in response.context["form"].errors


def test_partner_without_the_service_request_scope_cannot_submit(partner_client, partner_user):
    PartnerAuthorisation.objects.update(can_service_requests=False)
    assert partner_client.get(reverse("servicedesk:new")).status_code == 403
    assert partner_client.post(create_url("general"), base_data()).status_code == 403


def test_revocation_takes_effect_at_once(partner_client, partner_user, other_customer, other_user):
    partner_client.post(create_url("general"), base_data(customer=other_customer.pk))
    sr = ServiceRequest.objects.get()
    assert partner_client.get(sr.get_absolute_url()).status_code == 200
    PartnerAuthorisation.objects.update(revoked_at=timezone.now())
    assert partner_client.get(sr.get_absolute_url()).status_code == 404
    assert sr.reference not in partner_client.get(reverse("servicedesk:list")).content.decode()
    assert partner_client.get(reverse("servicedesk:new")).status_code == 403
    # The customer's administrator still sees the request the partner submitted.
    assert signed_in(other_user).get(sr.get_absolute_url()).status_code == 200


# --- tenancy --------------------------------------------------------------------------------


def test_another_customers_request_is_404(customer, customer_user, other_client, partner_client):
    sr = make_request(customer, customer_user)
    services.service_request_reply(
        service_request=sr,
        author=customer_user,
        body="file",
        files=[(upload("a.pdf", PDF_BYTES), "application/pdf")],
    )
    attachment = Attachment.objects.get()
    for client in (other_client, partner_client):
        assert client.get(sr.get_absolute_url()).status_code == 404
        assert (
            client.get(reverse("servicedesk:attachment", args=[sr.reference, attachment.pk])).status_code
            == 404
        )
        assert (
            client.post(reverse("servicedesk:reply", args=[sr.reference]), {"body": "x"}).status_code == 404
        )
        response = client.post(reverse("servicedesk:transition", args=[sr.reference]), {"status": "closed"})
        assert response.status_code == 404
        assert sr.reference not in client.get(reverse("servicedesk:list")).content.decode()


def test_members_see_their_own_requests_administrators_the_companys(customer, customer_user, colleague):
    mine = make_request(customer, colleague, subject="Mine")
    boss = make_request(customer, customer_user, subject="Boss's")
    colleague_client, admin_client = signed_in(colleague), signed_in(customer_user)
    assert colleague_client.get(boss.get_absolute_url()).status_code == 404
    listing = colleague_client.get(reverse("servicedesk:list")).content.decode()
    assert mine.reference in listing and boss.reference not in listing
    listing = admin_client.get(reverse("servicedesk:list")).content.decode()
    assert mine.reference in listing and boss.reference in listing
    only_mine = admin_client.get(reverse("servicedesk:list"), {"mine": "on"}).content.decode()
    assert boss.reference in only_mine and mine.reference not in only_mine


def test_list_filters_by_status_and_category(customer_client, customer, customer_user, agent):
    billing = make_request(customer, customer_user, category=Category.BILLING)
    general = make_request(customer, customer_user, category=Category.GENERAL)
    services.service_request_transition(service_request=general, to=Status.CLOSED, actor=customer_user)
    html = customer_client.get(reverse("servicedesk:list"), {"status": "closed"}).content.decode()
    assert general.reference in html and billing.reference not in html
    html = customer_client.get(reverse("servicedesk:list"), {"category": "billing"}).content.decode()
    assert billing.reference in html and general.reference not in html
    # A tampered filter value is ignored, not an error.
    assert customer_client.get(reverse("servicedesk:list"), {"status": "bogus"}).status_code == 200


# --- attachments ----------------------------------------------------------------------------


def test_attachments_are_checked_by_content_size_and_count(customer_client, settings):
    renamed = customer_client.post(
        create_url("general"), {**base_data(), "attachments": [upload("invoice.pdf", EXE_BYTES)]}
    )
    assert "attachments" in renamed.context["form"].errors
    big = upload("big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))
    oversized = customer_client.post(create_url("general"), {**base_data(), "attachments": [big]})
    assert "attachments" in oversized.context["form"].errors
    many = [upload(f"p{i}.pdf", PDF_BYTES) for i in range(6)]
    too_many = customer_client.post(create_url("general"), {**base_data(), "attachments": many})
    assert "attachments" in too_many.context["form"].errors
    assert ServiceRequest.objects.count() == 0
    csv = upload("lines.csv", b"sku;qty\nA-1;2\n")
    customer_client.post(
        create_url("general"),
        {**base_data(), "attachments": [upload("scan.pdf", PDF_BYTES), upload("photo.png", PNG_BYTES), csv]},
    )
    types = sorted(Attachment.objects.values_list("content_type", flat=True))
    assert types == ["application/pdf", "image/png", "text/csv"]


def test_attachment_is_served_as_a_download_with_a_safe_name(
    customer_client, customer, customer_user, settings
):
    sr = make_request(
        customer, customer_user, files=[(upload('evil"\r\nname.pdf', PDF_BYTES), "application/pdf")]
    )
    attachment = Attachment.objects.get()
    stored = attachment.file.path
    assert str(settings.MEDIA_ROOT) in stored and "evil" not in stored
    response = customer_client.get(reverse("servicedesk:attachment", args=[sr.reference, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evilname.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_reply_attachments_respect_the_per_request_cap(customer_client, customer, customer_user, monkeypatch):
    from csol.servicedesk import services as module

    monkeypatch.setattr(module, "MAX_ATTACHMENTS_PER_REQUEST", 1)
    sr = make_request(customer, customer_user, files=[(upload("a.pdf", PDF_BYTES), "application/pdf")])
    response = customer_client.post(
        reverse("servicedesk:reply", args=[sr.reference]),
        {"body": "more", "attachments": [upload("b.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 400
    assert "attachments" in response.context["reply_form"].errors
    assert "more" in response.content.decode()  # the message typed is kept


# --- conversation ---------------------------------------------------------------------------


def test_internal_notes_and_their_files_are_hidden_from_customers(
    customer, customer_user, customer_client, agent_client
):
    sr = make_request(customer, customer_user)
    agent_client.post(
        reverse("servicedesk:reply", args=[sr.reference]),
        {"body": "Secret margin remark", "internal": "on", "attachments": [upload("margin.pdf", PDF_BYTES)]},
    )
    agent_client.post(reverse("servicedesk:reply", args=[sr.reference]), {"body": "Public answer"})
    note_file = Attachment.objects.get(is_internal=True)
    customer_html = customer_client.get(sr.get_absolute_url()).content.decode()
    assert "Public answer" in customer_html
    assert "Secret margin remark" not in customer_html and "margin.pdf" not in customer_html
    assert (
        customer_client.get(reverse("servicedesk:attachment", args=[sr.reference, note_file.pk])).status_code
        == 404
    )
    agent_html = agent_client.get(sr.get_absolute_url()).content.decode()
    assert "Secret margin remark" in agent_html and "margin.pdf" in agent_html


def test_customer_cannot_post_an_internal_note(customer, customer_user, customer_client):
    sr = make_request(customer, customer_user)
    customer_client.post(reverse("servicedesk:reply", args=[sr.reference]), {"body": "hi", "internal": "on"})
    assert sr.messages.get().is_internal is False


def test_customer_closes_and_reopens_but_cannot_resolve(customer, customer_user, customer_client, agent):
    sr = make_request(customer, customer_user)
    url = reverse("servicedesk:transition", args=[sr.reference])
    customer_client.post(url, {"status": "resolved"})
    sr.refresh_from_db()
    assert sr.status == Status.NEW
    services.service_request_transition(service_request=sr, to=Status.RESOLVED, actor=agent)
    html = customer_client.get(sr.get_absolute_url()).content.decode()
    assert "Rouvrir la demande" in html
    customer_client.post(url, {"status": "assigned"})
    sr.refresh_from_db()
    assert sr.status == Status.ASSIGNED
    customer_client.post(url, {"status": "closed"})
    sr.refresh_from_db()
    assert sr.status == Status.CLOSED


# --- agents ---------------------------------------------------------------------------------


def test_agent_queue_is_for_agents_only(customer_client):
    assert customer_client.get(reverse("servicedesk:queue")).status_code == 404


def test_agent_assigns_changes_status_and_sees_overdue(customer, customer_user, agent, agent_client):
    old = make_request(customer, customer_user, now=timezone.now() - timezone.timedelta(days=10))
    fresh = make_request(customer, customer_user)
    html = agent_client.get(reverse("servicedesk:queue")).content.decode()
    assert html.count('class="table-danger"') == 1 and old.reference in html and fresh.reference in html
    overdue_only = agent_client.get(reverse("servicedesk:queue"), {"overdue": "on"}).content.decode()
    assert old.reference in overdue_only and fresh.reference not in overdue_only
    agent_client.post(
        reverse("servicedesk:assign", args=[fresh.reference]),
        {"desk": "billing", "agent": agent.pk, "priority": "high"},
    )
    fresh.refresh_from_db()
    assert (fresh.desk, fresh.assigned_agent, fresh.priority, fresh.status) == (
        "billing",
        agent,
        "high",
        "assigned",
    )
    agent_client.post(reverse("servicedesk:transition", args=[fresh.reference]), {"status": "waiting"})
    fresh.refresh_from_db()
    assert fresh.status == Status.WAITING
    mine = agent_client.get(reverse("servicedesk:queue"), {"assigned": "me"}).content.decode()
    assert fresh.reference in mine and old.reference not in mine


def test_linked_objects_link_to_the_admin_for_agents_and_the_portal_for_customers(
    customer, customer_user, agent_client, customer_client
):
    order = make_order(customer, "O-3003", po_number="PO-3")
    sr = make_request(customer, customer_user, category=Category.ORDER_STATUS, links={"order": order})
    agent_html = agent_client.get(sr.get_absolute_url()).content.decode()
    assert reverse("admin:orders_order_change", args=[order.pk]) in agent_html
    customer_html = customer_client.get(sr.get_absolute_url()).content.decode()
    assert "/admin/" not in customer_html
    assert reverse("orders:detail", kwargs={"number": "O-3003"}) in customer_html


def test_customer_cannot_assign(customer, customer_user, customer_client):
    sr = make_request(customer, customer_user)
    response = customer_client.post(
        reverse("servicedesk:assign", args=[sr.reference]), {"desk": "billing", "priority": "urgent"}
    )
    assert response.status_code == 404


def test_admin_pages_render(customer, customer_user, admin_client):
    sr = make_request(customer, customer_user)
    assert (
        admin_client.get(
            reverse("admin:servicedesk_servicerequest_changelist"), {"sla": "overdue"}
        ).status_code
        == 200
    )
    assert (
        admin_client.get(reverse("admin:servicedesk_servicerequest_change", args=[sr.pk])).status_code == 200
    )


def test_dashboard_card_counts(customer, customer_user, customer_client, agent):
    sr = make_request(customer, customer_user)
    make_request(customer, customer_user)
    services.service_request_transition(service_request=sr, to=Status.WAITING, actor=agent)
    html = customer_client.get(reverse("portal:dashboard")).content.decode()
    assert "Demandes de service" in html and "En attente de votre réponse" in html


# --- query ceilings -------------------------------------------------------------------------


def _count_queries(client, url, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [2, 30])
def test_list_query_count_is_fixed(
    customer, customer_user, customer_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        make_request(customer, customer_user)
    _count_queries(customer_client, reverse("servicedesk:list"), django_assert_max_num_queries, 9)


@pytest.mark.parametrize("rows", [2, 30])
def test_queue_query_count_is_fixed(
    customer, customer_user, agent_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        make_request(customer, customer_user)
    _count_queries(agent_client, reverse("servicedesk:queue"), django_assert_max_num_queries, 7)


@pytest.mark.parametrize("messages", [1, 15])
def test_detail_query_count_is_fixed(
    customer, customer_user, agent, customer_client, django_assert_max_num_queries, messages
):
    sr = make_request(customer, customer_user)
    for i in range(messages):
        services.service_request_reply(
            service_request=sr,
            author=agent,
            body=f"m{i}",
            files=[(upload(f"f{i}.pdf", PDF_BYTES), "application/pdf")],
        )
    _count_queries(customer_client, sr.get_absolute_url(), django_assert_max_num_queries, 10)


def test_admin_actions_go_through_the_services(customer, customer_user, admin_client, admin_user):
    sr = make_request(customer, customer_user)
    url = reverse("admin:servicedesk_servicerequest_changelist")
    admin_client.post(url, {"action": "mark_resolved", "_selected_action": [sr.pk]})
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED and sr.resolved_at is not None
    assert sr.events.filter(new_value=Status.RESOLVED, actor=admin_user).exists()
    admin_client.post(url, {"action": "mark_waiting", "_selected_action": [sr.pk]})  # not allowed: refused
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED


def test_targets_show_in_the_customers_time_zone(agent_client, customer_user):
    from tests.factories import CustomerFactory, SiteFactory

    pacific = CustomerFactory(province="BC")
    SiteFactory(customer=pacific, city="Vancouver")
    sr = make_request(pacific, customer_user)
    html = agent_client.get(sr.get_absolute_url()).content.decode()
    assert " PST" in html or " PDT" in html


def test_pages_in_english(other_client, other_customer, other_user):
    sr = make_request(other_customer, other_user, subject="Where is my order")
    with translation.override("en"):
        listing = other_client.get(reverse("servicedesk:list")).content.decode()
        detail = other_client.get(sr.get_absolute_url()).content.decode()
        form = other_client.get(create_url("order_status")).content.decode()
    assert "<h1" in listing and "Service requests</h1>" in listing
    assert "Resolution target" in detail and "Close the request" in detail
    assert "Order or PO number" in form and "Service request: Order status" in form


def test_agent_replies_and_puts_the_request_in_wait(customer, customer_user, agent_client):
    sr = make_request(customer, customer_user)
    url = reverse("servicedesk:reply", args=[sr.reference])
    response = agent_client.post(url, {"body": "Note", "internal": "on", "then": "waiting"})
    assert response.status_code == 400 and "then" in response.context["reply_form"].errors
    agent_client.post(url, {"body": "Which invoice line?", "then": "waiting"})
    sr.refresh_from_db()
    assert sr.status == Status.WAITING and sr.first_responded_at is not None and sr.paused_at is not None
    agent_client.post(url, {"body": "Done.", "then": "resolved"})
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED


def test_queue_has_a_tab_per_desk_with_counts(customer, customer_user, agent_client):
    make_request(
        customer, customer_user, category=Category.PAYMENT, now=timezone.now() - timezone.timedelta(days=10)
    )
    make_request(customer, customer_user, category=Category.PAYMENT)
    html = agent_client.get(reverse("servicedesk:queue"), {"desk": "collections"}).content.decode()
    assert 'aria-current="page" href="?desk=collections">Bureau du recouvrement' in html
    assert (
        '<span class="badge text-bg-light">2</span> <span class="badge text-bg-danger">1 en retard</span>'
        in html
    )
    assert (
        'href="?desk=billing">Bureau de la facturation <span class="badge text-bg-light">0</span></a>' in html
    )


def _xlsx_bytes():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_spreadsheets_are_accepted_but_not_disguised_as_csv(customer_client):
    disguised = customer_client.post(
        create_url("general"), {**base_data(), "attachments": [upload("lines.csv", _xlsx_bytes())]}
    )
    assert "attachments" in disguised.context["form"].errors
    customer_client.post(
        create_url("general"), {**base_data(), "attachments": [upload("lines.xlsx", _xlsx_bytes())]}
    )
    assert (
        Attachment.objects.get().content_type
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
