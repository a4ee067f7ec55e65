import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from collections_ar.models import (
    CollectionNote,
    CreditApplication,
    CustomerCreditProfile,
    PromiseToPay,
    ReceivableEvent,
    RemittanceAdvice,
    WriteOff,
)
from collections_ar.services import payment_allocate, payment_record
from csol.core.models import Role
from tests.collections_ar.factories import CreditNoteFactory, InvoiceFactory
from tests.conftest import signed_in
from tests.factories import CustomerFactory, PartnerAuthorisationFactory, member

pytestmark = pytest.mark.django_db
D = Decimal
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def url(name, *args, lang="fr", query=""):
    from django.utils import translation

    with translation.override(lang):
        return reverse(f"collections_ar:{name}", args=args) + query


@pytest.fixture
def books(customer, other_customer, today):
    mine = InvoiceFactory(
        customer=customer, number="F-MINE-1", total=D("1000.00"), due_date=today - timedelta(days=40)
    )
    theirs = InvoiceFactory(customer=other_customer, number="F-THEIRS-1", total=D("555.00"))
    payment = payment_record(
        customer=customer,
        received_on=today - timedelta(days=2),
        method="cheque",
        amount=D("400.00"),
        reference="CHQ-4411",
    )
    payment_allocate(payment=payment, lines=[(mine, D("400.00"))])
    payment_record(
        customer=other_customer, received_on=today, method="wire", amount=D("9.99"), reference="WIRE-THEIRS"
    )
    return {"mine": mine, "theirs": theirs}


def test_account_page_shows_own_figures(customer_client, customer, books):
    response = customer_client.get(url("account", customer.number))
    assert response.status_code == 200
    html = response.content.decode()
    assert "F-MINE-1" in html and "CHQ-4411" in html
    assert "600,00" in html  # balance (fr-CA)
    assert "F-THEIRS-1" not in html and "WIRE-THEIRS" not in html
    assert "18.00" in html or "18,00" in html  # annual interest rate


def test_home_sends_customer_to_own_account(customer_client, customer):
    response = customer_client.get(url("home"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{customer.number}/")


@pytest.mark.parametrize(
    "name", ["account", "statement", "statement_pdf", "statement_csv", "remittance_advice"]
)
def test_another_customers_account_is_404(customer_client, other_customer, name, books):
    response = customer_client.get(url(name, other_customer.number, query="?start=2026-01-01&end=2026-12-31"))
    assert response.status_code == 404


def test_partner_sees_authorised_customer_only(partner_client, customer, other_customer, books):
    assert partner_client.get(url("account", other_customer.number)).status_code == 200
    assert partner_client.get(url("account", customer.number)).status_code == 404
    csv = partner_client.get(
        url("statement_csv", other_customer.number, query="?start=2025-01-01&end=2027-01-01")
    )
    body = b"".join(csv.streaming_content).decode()
    assert "WIRE-THEIRS" in body and "CHQ-4411" not in body
    # Partners never tell us about a customer's payments.
    assert partner_client.get(url("remittance_advice", other_customer.number)).status_code == 403


def test_partner_revocation_takes_effect_at_once(partner_client, partner_user, other_customer):
    from django.utils import timezone

    auth = other_customer.partner_authorisations.get()
    assert partner_client.get(url("account", other_customer.number)).status_code == 200
    auth.revoked_at = timezone.now()
    auth.save(update_fields=["revoked_at"])
    assert partner_client.get(url("account", other_customer.number)).status_code == 404


def test_statement_on_screen_and_invalid_period(customer_client, customer, books, today):
    response = customer_client.get(
        url("statement", customer.number, query=f"?start={today - timedelta(days=60)}&end={today}")
    )
    html = response.content.decode()
    assert "F-MINE-1" in html and "CHQ-4411" in html
    bad = customer_client.get(url("statement", customer.number, query="?start=2026-05-01&end=2026-01-01"))
    assert bad.status_code == 200
    assert "doit précéder" in bad.content.decode()
    assert (
        customer_client.get(url("statement_pdf", customer.number, query="?start=x&end=y")).status_code == 404
    )


def test_statement_pdf_in_customers_language(customer_client, customer, books, today):
    query = f"?start={today - timedelta(days=60)}&end={today}"
    response = customer_client.get(url("statement_pdf", customer.number, lang="en", query=query))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Relevé de compte" in text  # Quebec customer: French whatever the page language
    assert "F-MINE-1" in text and "F-THEIRS-1" not in text
    assert "par année" in text
    assert "Paiement (Chèque)" in text and "Invoice" not in text  # every label in French
    assert "123456789RT0001" in text  # the supplier's GST/HST number


def test_statement_csv_columns_and_arithmetic(customer_client, customer, books, today):
    query = f"?start={today - timedelta(days=60)}&end={today}"
    response = customer_client.get(url("statement_csv", customer.number, query=query))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [line.split(",") for line in body.strip().splitlines()]
    assert rows[1][-1] == "0.00"  # opening
    assert rows[-1][-1] == "600.00"  # closing
    assert "F-THEIRS-1" not in body


def test_remittance_advice_submitted_with_attachment(customer_client, customer, books, agent_client, today):
    mine = books["mine"]
    data = {
        "paid_on": today.isoformat(),
        "method": "eft",
        "reference": "EFT-998877",
        "amount": "600.00",
        "note": "Solde",
        f"amount_{mine.pk}": "600.00",
        "attachment": SimpleUploadedFile("preuve.png", PNG, content_type="image/png"),
    }
    response = customer_client.post(url("remittance_advice", customer.number), data)
    assert response.status_code == 302
    advice = RemittanceAdvice.objects.get()
    assert advice.lines.get().amount == D("600.00")
    download = customer_client.get(url("advice_attachment", customer.number, advice.pk))
    assert download.status_code == 200
    # Agents see it beside the imported payments.
    assert "EFT-998877" in agent_client.get(url("imports")).content.decode()


def test_remittance_advice_refuses_bad_input_and_keeps_nothing(customer_client, customer, books, today):
    mine = books["mine"]
    response = customer_client.post(
        url("remittance_advice", customer.number),
        {
            "paid_on": today.isoformat(),
            "method": "eft",
            "reference": "R1",
            "amount": "10.00",
            f"amount_{mine.pk}": "20.00",
            "attachment": SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
        },
    )
    assert response.status_code == 200
    assert not RemittanceAdvice.objects.exists()
    assert "dépassent le total payé" in response.content.decode()


def test_viewer_role_cannot_send_remittance_advice(customer):
    viewer = member(customer, Role.VIEWER, email="viewer@acme.example")
    client = signed_in(viewer)
    assert client.get(url("account", customer.number)).status_code == 200
    assert client.get(url("remittance_advice", customer.number)).status_code == 403


def test_attachment_of_another_customer_is_404(customer_client, other_customer, other_user, today):
    invoice = InvoiceFactory(customer=other_customer)
    from collections_ar.services.remittance import remittance_advice_submit

    advice = remittance_advice_submit(
        customer=other_customer,
        submitted_by=other_user,
        paid_on=today,
        method="eft",
        reference="R",
        amount=D("1.00"),
        lines=[(invoice, D("1.00"))],
        attachment=SimpleUploadedFile("p.png", PNG, content_type="image/png"),
    )
    assert customer_client.get(url("advice_attachment", other_customer.number, advice.pk)).status_code == 404


def test_agent_pages_are_hidden_from_customers(customer_client, customer):
    for name, args in [
        ("worklist", ()),
        ("aging", ()),
        ("imports", ()),
        ("agent_customer", (customer.number,)),
    ]:
        assert customer_client.get(url(name, *args)).status_code == 404


def test_agent_pages_render(agent_client, customer, books):
    for name, args in [
        ("worklist", ()),
        ("aging", ()),
        ("imports", ()),
        ("agent_customer", (customer.number,)),
        ("payment_create", ()),
        ("aging_csv", ()),
    ]:
        response = agent_client.get(url(name, *args))
        assert response.status_code == 200, name
    assert customer.legal_name in agent_client.get(url("worklist")).content.decode()


def test_agent_records_and_allocates_payment(agent_client, customer, books):
    response = agent_client.post(
        url("payment_create"),
        {
            "payment-customer_number": customer.number,
            "payment-received_on": "2026-11-01",
            "payment-method": "wire",
            "payment-amount": "700.00",
            "payment-reference": "W-1",
        },
    )
    assert response.status_code == 302
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    mine = books["mine"]
    too_much = agent_client.post(url("payment", number), {f"amount_{mine.pk}": "700.00"})
    assert too_much.status_code == 200
    assert "dépasse le solde ouvert" in too_much.content.decode()
    ok = agent_client.post(url("payment", number), {f"amount_{mine.pk}": "600.00"})
    assert ok.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "paid"


def test_agent_credit_hold(agent_client, customer):
    response = agent_client.post(
        url("credit_hold", customer.number), {"hold": "1", "hold-reason": "Over limit"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.status == "credit_hold"
    assert ReceivableEvent.objects.filter(customer=customer).latest("pk").note == "Over limit"


def test_agent_customer_page_has_no_duplicate_ids(agent_client, customer, books):
    # Seven forms on one page: each has its prefix, so `amount`, `reason`, `note`... never clash.
    CreditNoteFactory(customer=customer, total=D("50.00"))
    html = agent_client.get(url("agent_customer", customer.number)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    for name in ("payment-amount", "write_off-amount", "credit-amount", "promise-amount", "hold-reason"):
        assert f'name="{name}"' in html, name


def test_agent_forms_of_the_customer_page_are_read_with_their_prefix(
    agent_client, agent, customer, books, today
):
    mine = books["mine"]
    note = CreditNoteFactory(customer=customer, total=D("50.00"))
    page = url("agent_customer", customer.number)
    posts = [
        ("note_create", {"note-text": "Rappel fait au comptable"}),
        (
            "promise_create",
            {
                "promise-promised_on": (today + timedelta(days=7)).isoformat(),
                "promise-amount": "150.00",
                "promise-note": "Virement vendredi",
            },
        ),
        (
            "write_off",
            {
                "write_off-invoice": str(mine.pk),
                "write_off-amount": "1.25",
                "write_off-reason": "bank_fees",
                "write_off-note": "Frais de virement",
            },
        ),
        (
            "credit_apply",
            {"credit-credit_note": str(note.pk), "credit-invoice": str(mine.pk), "credit-amount": "20.00"},
        ),
        (
            "profile_update",
            {
                "profile-do_not_dun": "on",
                "profile-auto_credit_hold": "unknown",
                "profile-accepted_methods": ["eft", "cheque"],
                "profile-remittance_instructions": "",
                "profile-annual_interest_rate": "12.50",
            },
        ),
    ]
    for name, data in posts:
        response = agent_client.post(url(name, customer.number), data)
        assert response.status_code == 302 and response["Location"] == page, name
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        assert errors == [], name
    assert CollectionNote.objects.get(customer=customer).text == "Rappel fait au comptable"
    promise = PromiseToPay.objects.get(customer=customer)
    assert (promise.amount, promise.note) == (D("150.00"), "Virement vendredi")
    write_off = WriteOff.objects.get(invoice=mine)
    assert (write_off.amount, write_off.reason, write_off.note) == (
        D("1.25"),
        "bank_fees",
        "Frais de virement",
    )
    assert CreditApplication.objects.get(credit_note=note, invoice=mine).amount == D("20.00")
    profile = CustomerCreditProfile.objects.get(customer=customer)
    assert profile.do_not_dun and profile.annual_interest_rate == D("12.50")
    assert sorted(profile.accepted_methods) == ["cheque", "eft"]


def test_worklist_query_ceiling(agent_client, today, django_assert_max_num_queries):
    def page_queries():
        with django_assert_max_num_queries(14) as ctx:
            assert agent_client.get(url("worklist")).status_code == 200
        return len(ctx.captured_queries)

    InvoiceFactory(due_date=today - timedelta(days=10))
    page_queries()  # the agent's access is cached from the first page on
    few = page_queries()
    for days in range(20):
        InvoiceFactory(due_date=today - timedelta(days=days + 1))
    assert page_queries() == few


def test_account_and_aging_query_ceilings(
    customer_client, customer, agent_client, today, django_assert_max_num_queries
):
    for days in range(15):
        invoice = InvoiceFactory(
            customer=customer, total=D("100.00"), due_date=today - timedelta(days=days * 7)
        )
        payment = payment_record(customer=customer, received_on=today, method="eft", amount=D("30.00"))
        payment_allocate(payment=payment, lines=[(invoice, D("30.00"))])
        InvoiceFactory(customer=CustomerFactory(), due_date=today - timedelta(days=days))
    with django_assert_max_num_queries(16):
        assert customer_client.get(url("account", customer.number)).status_code == 200
    with django_assert_max_num_queries(16):
        assert (
            customer_client.get(
                url("statement", customer.number, query=f"?start={today - timedelta(days=200)}&end={today}")
            ).status_code
            == 200
        )
    with django_assert_max_num_queries(12):
        assert agent_client.get(url("aging")).status_code == 200


def test_invoice_panel_registered(customer, books, customer_user):
    from django.template.loader import render_to_string

    from billing.hooks import invoice_detail_panels
    from csol.core.tenancy import viewer_for

    panels = invoice_detail_panels(invoice=books["mine"], viewer=viewer_for(customer_user))
    template, context = panels[0]
    html = render_to_string(template, context)
    assert "CHQ-4411" in html and "600,00" in html


def test_dashboard_card(customer_client, books):
    html = customer_client.get("/fr/").content.decode()
    assert "Votre compte" in html and "600,00" in html


def test_partner_with_several_customers_chooses(customer, other_customer, partner, today):
    from tests.factories import UserFactory

    PartnerAuthorisationFactory(partner=partner, customer=other_customer)
    PartnerAuthorisationFactory(partner=partner, customer=customer)
    client = signed_in(UserFactory(partner=partner, email="p2@maple.example"))
    html = client.get(url("home")).content.decode()
    assert customer.number in html and other_customer.number in html


def test_agent_confirms_a_bank_line_with_a_split(agent_client, customer, books):
    from collections_ar.models import LineStatus, RemittanceLine

    content = b"2026-11-20,700.00,ACME QC,Paiement F-MINE-1\n"
    from django.core.files.uploadedfile import SimpleUploadedFile as Upload

    response = agent_client.post(
        url("imports"), {"file": Upload("bank.csv", content, content_type="text/csv")}
    )
    assert response.status_code == 302
    line = RemittanceLine.objects.get()
    page = agent_client.get(url("line", line.pk))
    assert page.status_code == 200
    assert "F-MINE-1" in page.content.decode()
    again = agent_client.post(url("imports"), {"file": Upload("bank.csv", content, content_type="text/csv")})
    assert again.status_code == 200
    assert "déjà été importé" in again.content.decode()
    confirm = agent_client.post(
        url("line", line.pk), {"method": "eft", f"amount_{books['mine'].pk}": "600.00"}
    )
    assert confirm.status_code == 302
    line.refresh_from_db()
    assert line.status == LineStatus.CONFIRMED
    assert line.payment.allocated == D("600.00")
    assert line.payment.unapplied == D("100.00")
