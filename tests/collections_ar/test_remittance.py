from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from collections_ar.models import (
    LineStatus,
    MatchKind,
    PayerReference,
    Payment,
    RemittanceImport,
    RemittanceLine,
)
from collections_ar.services.remittance import (
    parse_amount,
    remittance_import,
    remittance_line_confirm,
    remittance_line_leave_unmatched,
)
from tests.collections_ar.factories import InvoiceFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("$1,234.56", "1234.56"),
        ("1\u00a0234,56 $", "1234.56"),
        ("12,5", "12.50"),
        ("1.234,56", "1234.56"),
        ("100", "100.00"),
    ],
)
def test_amounts_in_both_languages(text, amount):
    assert parse_amount(text) == D(amount)


@pytest.mark.parametrize("text", ["abc", "", "12.345", "1e5x"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.fixture
def setup(customer, other_customer, today):
    return {
        "a": InvoiceFactory(
            customer=customer, number="F100001", total=D("1130.00"), due_date=today - timedelta(days=5)
        ),
        "b": InvoiceFactory(
            customer=customer, number="F100002", total=D("500.00"), due_date=today + timedelta(days=5)
        ),
        "c": InvoiceFactory(customer=other_customer, number="F100003", total=D("777.77")),
    }


CSV = (
    b"date,amount,payer reference,details\n"
    b"2026-11-20,1630.00,ACME QC INC,Paiement factures F100001 F100002\n"
    b'2026-11-21,"777,77",OTHER CO,virement\n'
    b"2026-13-01,10.00,X,bad date\n"
    b"2026-11-22,abc,X,bad amount\n"
    b"2026-11-23,-5.00,X,negative\n"
    b"2026-11-24,50.00,MYSTERY,nothing to see\n"
    b"2026-11-25,99.00\n"
)


def test_import_proposes_matches_and_reports_bad_rows(setup, agent, customer, other_customer):
    batch = remittance_import(name="bank.csv", content=CSV, actor=agent)
    assert batch.rows_recorded == 3
    assert [(e["line"]) for e in batch.errors] == [4, 5, 6, 8]
    lines = {line.line_number: line for line in batch.lines.all()}
    by_number = lines[2]
    assert by_number.match_kind == MatchKind.INVOICE_NUMBER
    assert by_number.customer == customer
    assert {(m.invoice.number, m.amount) for m in by_number.matches.all()} == {
        ("F100001", D("1130.00")),
        ("F100002", D("500.00")),
    }
    by_amount = lines[3]
    assert by_amount.match_kind == MatchKind.AMOUNT
    assert by_amount.customer == other_customer
    assert lines[7].match_kind == MatchKind.NONE
    assert lines[7].customer is None


def test_same_file_twice_records_nothing_twice(setup, agent):
    remittance_import(name="bank.csv", content=CSV, actor=agent)
    with pytest.raises(ValidationError) as excinfo:
        remittance_import(name="bank-copy.csv", content=CSV, actor=agent)
    assert excinfo.value.code == "duplicate_file"
    assert "déjà été importé" in excinfo.value.messages[0]  # translated (French by default)
    assert RemittanceImport.objects.count() == 1
    # An overlapping export (same rows plus one) records only the new row.
    overlapping = CSV + b"2026-11-26,20.00,NEW,new row\n"
    batch = remittance_import(name="bank-2.csv", content=overlapping, actor=agent)
    assert batch.rows_recorded == 1
    assert batch.rows_duplicate == 3
    assert RemittanceLine.objects.count() == 4


def test_identical_rows_in_one_file_are_two_payments(agent):
    content = b"2026-11-20,10.00,ACME,fee\n2026-11-20,10.00,ACME,fee\n"
    batch = remittance_import(name="twice.csv", content=content, actor=agent)
    assert batch.rows_recorded == 2


def test_not_a_csv_file_is_refused(agent):
    with pytest.raises(ValidationError):
        remittance_import(name="x.csv", content=b"%PDF-1.4\x00\x00binary", actor=agent)
    with pytest.raises(ValidationError):
        remittance_import(name="x.csv", content=b"   ", actor=agent)
    assert not RemittanceImport.objects.exists()


def test_confirm_split_and_learn_payer_reference(setup, agent, customer):
    batch = remittance_import(name="bank.csv", content=CSV, actor=agent)
    line = batch.lines.get(line_number=2)
    payment = remittance_line_confirm(
        line=line,
        customer=customer,
        splits=[(setup["a"], D("1130.00")), (setup["b"], D("400.00"))],
        actor=agent,
    )
    assert payment.amount == D("1630.00")
    assert payment.allocated == D("1530.00")
    assert payment.unapplied == D("100.00")
    line.refresh_from_db()
    assert line.status == LineStatus.CONFIRMED
    assert PayerReference.objects.get(reference="ACME QC INC").customer == customer
    with pytest.raises(ValidationError):
        remittance_line_confirm(line=line, customer=customer, splits=[], actor=agent)
    assert Payment.objects.count() == 1

    # Next time the payer reference alone finds the customer.
    nxt = remittance_import(name="next.csv", content=b"2026-11-28,12.34,ACME QC INC,misc\n", actor=agent)
    proposal = nxt.lines.get()
    assert proposal.customer == customer
    assert proposal.match_kind == MatchKind.CUSTOMER_REFERENCE


def test_split_beyond_amount_is_refused_and_nothing_written(setup, agent, customer):
    batch = remittance_import(name="bank.csv", content=CSV, actor=agent)
    line = batch.lines.get(line_number=7)
    with pytest.raises(ValidationError):
        remittance_line_confirm(line=line, customer=customer, splits=[(setup["a"], D("60.00"))], actor=agent)
    assert not Payment.objects.exists()
    line.refresh_from_db()
    assert line.status == LineStatus.PROPOSED


def test_leave_unmatched(setup, agent):
    batch = remittance_import(name="bank.csv", content=CSV, actor=agent)
    line = batch.lines.get(line_number=7)
    remittance_line_leave_unmatched(line=line, actor=agent)
    line.refresh_from_db()
    assert line.status == LineStatus.UNMATCHED


def test_customer_number_in_text_matches_customer(customer, agent, today):
    InvoiceFactory(customer=customer, total=D("10.00"))
    InvoiceFactory(customer=customer, total=D("20.00"))
    content = f"{today.isoformat()},15.00,WIRE 123,client {customer.number}\n".encode()
    line = remittance_import(name="w.csv", content=content, actor=agent).lines.get()
    assert line.customer == customer
    assert line.match_kind == MatchKind.CUSTOMER_REFERENCE


def test_customers_of_other_agents_unaffected(agent):
    CustomerFactory()
    batch = remittance_import(
        name="e.csv", content=b"date;montant;reference;details\n2026-11-01;1 000,00;X;Y\n", actor=agent
    )
    assert batch.rows_recorded == 1
    assert batch.lines.get().amount == D("1000.00")
