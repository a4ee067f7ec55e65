"""Reads on receivables: open balances, customer summary, aging, statement of account, worklist.

An invoice's open amount is read from its `InvoiceAccount` when one exists (something was applied
to it) and is its total otherwise, so invoices billing issues need no row here until money moves.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce, Least
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import DISPUTE_HOLDING_STATUSES, Dispute, DocumentKind, Invoice, InvoiceStatus
from collections_ar import conf
from collections_ar.models import (
    Allocation,
    CreditApplication,
    CustomerCreditProfile,
    InvoiceAccount,
    Payment,
    PaymentStatus,
    WriteOff,
)
from csol.core.models import Customer
from csol.core.money import quantize_money

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
POSTED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
# On a statement a cancelled invoice still appears (it was issued), beside the credit note cancelling it.
STATEMENT_STATUSES = (*POSTED_STATUSES, InvoiceStatus.CANCELLED)

# key, label, first and last day past due (None: open-ended)
BUCKETS = (
    ("current", _("Current"), None, 0),
    ("days_1_30", _("1–30 days"), 1, 30),
    ("days_31_60", _("31–60 days"), 31, 60),
    ("days_61_90", _("61–90 days"), 61, 90),
    ("over_90", _("Over 90 days"), 91, None),
)


def _zero():
    return Value(ZERO, output_field=MONEY_FIELD)


def disputed_amount():
    """Amount of an invoice held by open disputes (an expression on Invoice)."""
    held = (
        Dispute.objects.filter(invoice=OuterRef("pk"), status__in=DISPUTE_HOLDING_STATUSES)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(held, output_field=MONEY_FIELD), _zero())


def with_open_amount(queryset):
    return queryset.annotate(
        open_amount=Coalesce(F("receivable__open_balance"), Abs(F("total")), output_field=MONEY_FIELD)
    )


def open_invoices(*, customer_ids=None):
    """Issued invoices with something still to pay, annotated `open_amount` and `disputed`."""
    invoices = with_open_amount(
        Invoice.objects.filter(kind=DocumentKind.INVOICE, status__in=OPEN_STATUSES)
    ).filter(open_amount__gt=0)
    if customer_ids is not None:
        invoices = invoices.filter(customer_id__in=customer_ids)
    return invoices.annotate(disputed=Least(disputed_amount(), F("open_amount")))


def _bucket_q(as_of: date, low, high) -> Q:
    if low is None:  # current: not yet due (or no due date)
        return Q(due_date__gte=as_of - timedelta(days=high)) | Q(due_date__isnull=True)
    q = Q(due_date__lte=as_of - timedelta(days=low))
    if high is not None:
        q &= Q(due_date__gte=as_of - timedelta(days=high))
    return q


def _aging_aggregates(as_of: date) -> dict:
    sums = {
        key: Coalesce(Sum("open_amount", filter=_bucket_q(as_of, low, high)), _zero())
        for key, _label, low, high in BUCKETS
    }
    sums["total"] = Coalesce(Sum("open_amount"), _zero())
    sums["disputed_total"] = Coalesce(Sum("disputed"), _zero())
    return sums


@dataclass
class Aging:
    buckets: list = field(default_factory=list)  # (key, label, amount)
    total: Decimal = ZERO
    disputed: Decimal = ZERO

    @property
    def overdue(self) -> Decimal:
        return self.total - (self.buckets[0][2] if self.buckets else ZERO)


def _aging_from(row: dict) -> Aging:
    return Aging(
        buckets=[(key, label, quantize_money(row.get(key) or ZERO)) for key, label, _low, _high in BUCKETS],
        total=quantize_money(row.get("total") or ZERO),
        disputed=quantize_money(row.get("disputed_total") or ZERO),
    )


def customer_aging(*, customer: Customer, as_of: date | None = None) -> Aging:
    """Open amounts of one customer by days past due, disputed amounts counted apart (one query)."""
    as_of = as_of or timezone.localdate()
    return _aging_from(open_invoices(customer_ids=[customer.pk]).aggregate(**_aging_aggregates(as_of)))


def aging_by_customer(*, as_of: date | None = None, customer_ids=None):
    """One row per customer with open invoices: buckets, total, disputed (values queryset, one query)."""
    as_of = as_of or timezone.localdate()
    return (
        open_invoices(customer_ids=customer_ids)
        .order_by()
        .values("customer", "customer__number", "customer__legal_name", "customer__status")
        .annotate(**_aging_aggregates(as_of))
        .order_by("-over_90", "-total", "customer__number")
    )


def aging_totals(*, as_of: date | None = None, customer_ids=None) -> Aging:
    as_of = as_of or timezone.localdate()
    return _aging_from(open_invoices(customer_ids=customer_ids).aggregate(**_aging_aggregates(as_of)))


def unapplied_cash(*, customer: Customer) -> Decimal:
    result = Payment.objects.filter(customer=customer, status=PaymentStatus.RECEIVED).aggregate(
        left=Coalesce(Sum(F("amount") - F("allocated"), output_field=MONEY_FIELD), _zero())
    )
    return quantize_money(result["left"])


def available_credit_notes(*, customer: Customer | None = None, customer_ids=None):
    """Issued credit notes with something left to apply, annotated `open_amount`.

    Of one customer, or of the customers in `customer_ids`. A credit note that cancelled its invoice
    (billing's invoice_cancel) is used up by the cancellation.
    """
    owner = {"customer": customer} if customer is not None else {"customer_id__in": list(customer_ids)}
    return (
        with_open_amount(
            Invoice.objects.filter(kind=DocumentKind.CREDIT_NOTE, status__in=POSTED_STATUSES, **owner)
        )
        .exclude(credited_invoice__status=InvoiceStatus.CANCELLED)
        .filter(open_amount__gt=0)
    )


def unused_credits(*, customer: Customer) -> Decimal:
    """What is left of the customer's issued credit notes, not yet applied to an invoice."""
    result = available_credit_notes(customer=customer).aggregate(left=Coalesce(Sum("open_amount"), _zero()))
    return quantize_money(result["left"])


def credit_profile(*, customer: Customer) -> CustomerCreditProfile:
    """The customer's profile, or an unsaved one with the defaults."""
    profile = CustomerCreditProfile.objects.filter(customer=customer).first()
    return profile or CustomerCreditProfile(customer=customer)


@dataclass
class AccountSummary:
    customer: Customer
    aging: Aging
    unapplied_cash: Decimal
    unused_credits: Decimal
    profile: CustomerCreditProfile

    @property
    def open_invoices_total(self) -> Decimal:
        return self.aging.total

    @property
    def balance(self) -> Decimal:
        return self.aging.total - self.unapplied_cash - self.unused_credits

    @property
    def overdue(self) -> Decimal:
        return self.aging.overdue

    @property
    def over_limit(self) -> bool:
        return self.customer.credit_limit > 0 and self.balance > self.customer.credit_limit

    @property
    def available_credit(self) -> Decimal:
        return max(self.customer.credit_limit - self.balance, ZERO)

    @property
    def interest_rate(self) -> Decimal:
        rate = self.profile.annual_interest_rate
        return rate if rate is not None else conf.annual_interest_rate_default()

    @property
    def accepted_methods(self) -> list[str]:
        from collections_ar.models import PaymentMethod

        codes = self.profile.accepted_methods or conf.accepted_methods_default()
        return [PaymentMethod(code).label for code in codes if code in PaymentMethod.values]

    @property
    def remittance_instructions(self) -> str:
        return self.profile.remittance_instructions or conf.remittance_instructions_default()


def interest_rate(*, customer: Customer) -> Decimal:
    """Annual interest rate on overdue amounts (Interest Act, s. 4: always stated per year)."""
    rate = (
        CustomerCreditProfile.objects.filter(customer=customer)
        .values_list("annual_interest_rate", flat=True)
        .first()
    )
    return rate if rate is not None else conf.annual_interest_rate_default()


def account_summary(*, customer: Customer, as_of: date | None = None) -> AccountSummary:
    """Balance, aging, unapplied cash and credits of one customer (four queries)."""
    return AccountSummary(
        customer=customer,
        aging=customer_aging(customer=customer, as_of=as_of),
        unapplied_cash=unapplied_cash(customer=customer),
        unused_credits=unused_credits(customer=customer),
        profile=credit_profile(customer=customer),
    )


def account_summaries(*, customers, as_of: date | None = None) -> dict[int, AccountSummary]:
    """`account_summary` of many customers at once, by customer id (four queries whatever their number)."""
    customers = list(customers)
    ids = [customer.pk for customer in customers]
    aging = {row["customer"]: _aging_from(row) for row in aging_by_customer(as_of=as_of, customer_ids=ids)}
    cash = dict(
        Payment.objects.filter(customer_id__in=ids, status=PaymentStatus.RECEIVED)
        .order_by()
        .values("customer")
        .annotate(left=Sum(F("amount") - F("allocated"), output_field=MONEY_FIELD))
        .values_list("customer", "left")
    )
    credits = dict(
        available_credit_notes(customer_ids=ids)
        .order_by()
        .values("customer")
        .annotate(left=Sum("open_amount"))
        .values_list("customer", "left")
    )
    profiles = {
        profile.customer_id: profile for profile in CustomerCreditProfile.objects.filter(customer_id__in=ids)
    }
    return {
        customer.pk: AccountSummary(
            customer=customer,
            aging=aging.get(customer.pk) or _aging_from({}),
            unapplied_cash=quantize_money(cash.get(customer.pk) or ZERO),
            unused_credits=quantize_money(credits.get(customer.pk) or ZERO),
            profile=profiles.get(customer.pk) or CustomerCreditProfile(customer=customer),
        )
        for customer in customers
    }


def recent_payments(*, customer: Customer, limit: int = 10) -> list[Payment]:
    """Latest payments with how they were applied (two queries)."""
    return list(
        Payment.objects.filter(customer=customer)
        .prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.in_force().select_related("invoice"))
        )
        .order_by("-received_on", "-id")[:limit]
    )


def customer_for_viewer(*, viewer, number: str) -> Customer:
    """The customer with this number if the viewer may see its account; otherwise 404."""
    customers = Customer.objects.filter(number=number)
    ids = viewer.customer_ids()
    if ids is not None:
        customers = customers.filter(id__in=ids)
    customer = customers.first()
    if customer is None:
        raise Http404
    return customer


def visible_customers(*, viewer):
    ids = viewer.customer_ids()
    customers = Customer.objects.all() if ids is None else Customer.objects.filter(id__in=ids)
    return customers.order_by("legal_name")


# ---- statement of account -------------------------------------------------------------------


@dataclass
class StatementLine:
    on: date
    kind: str
    label: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO
    detail: str = ""


@dataclass
class Statement:
    customer: Customer
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine]
    closing: Decimal

    @property
    def total_debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def _documents(customer, kind):
    return Invoice.objects.filter(
        customer=customer, kind=kind, status__in=STATEMENT_STATUSES, issue_date__isnull=False
    )


def _balance_before(customer: Customer, day: date) -> Decimal:
    """Everything billed before `day` less everything credited, paid and written off before it."""
    invoiced = (
        _documents(customer, DocumentKind.INVOICE)
        .filter(issue_date__lt=day)
        .aggregate(s=Coalesce(Sum("total"), _zero()))["s"]
    )
    credited = (
        _documents(customer, DocumentKind.CREDIT_NOTE)
        .filter(issue_date__lt=day)
        .aggregate(s=Coalesce(Sum(Abs("total")), _zero()))["s"]
    )
    paid = Payment.objects.filter(
        customer=customer, status=PaymentStatus.RECEIVED, received_on__lt=day
    ).aggregate(s=Coalesce(Sum("amount"), _zero()))["s"]
    written = WriteOff.objects.filter(invoice__customer=customer, written_off_on__lt=day).aggregate(
        s=Coalesce(Sum("amount"), _zero())
    )["s"]
    return quantize_money(invoiced - credited - paid - written)


def statement(*, customer: Customer, start: date, end: date) -> Statement:
    """Opening balance, the period's invoices, credit notes, payments and write-offs, closing balance."""
    opening = _balance_before(customer, start)
    lines: list[tuple] = []
    for invoice in _documents(customer, DocumentKind.INVOICE).filter(issue_date__range=(start, end)):
        due = invoice.due_date.isoformat() if invoice.due_date else ""
        lines.append(
            (
                invoice.issue_date,
                0,
                invoice.pk,
                StatementLine(
                    invoice.issue_date,
                    "invoice",
                    str(
                        _("Invoice (cancelled)")
                        if invoice.status == InvoiceStatus.CANCELLED
                        else _("Invoice")
                    ),
                    invoice.number or "",
                    invoice.total,
                    ZERO,
                    detail=due,
                ),
            )
        )
    notes = (
        _documents(customer, DocumentKind.CREDIT_NOTE)
        .filter(issue_date__range=(start, end))
        .select_related("credited_invoice")
    )
    for note in notes:
        credited = note.credited_invoice.number if note.credited_invoice else ""
        lines.append(
            (
                note.issue_date,
                1,
                note.pk,
                StatementLine(
                    note.issue_date,
                    "credit_note",
                    str(_("Credit note")),
                    note.number or "",
                    ZERO,
                    abs(note.total),
                    detail=credited or "",
                ),
            )
        )
    payments = Payment.objects.filter(
        customer=customer, status=PaymentStatus.RECEIVED, received_on__range=(start, end)
    ).prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.in_force().select_related("invoice"))
    )
    for payment in payments:
        applied = ", ".join(f"{a.invoice.number}" for a in payment.allocations.all())
        lines.append(
            (
                payment.received_on,
                2,
                payment.pk,
                StatementLine(
                    payment.received_on,
                    "payment",
                    str(_("Payment")) + f" ({payment.get_method_display()})",
                    payment.reference or payment.number or "",
                    ZERO,
                    payment.amount,
                    detail=applied,
                ),
            )
        )
    write_offs = WriteOff.objects.filter(
        invoice__customer=customer, written_off_on__range=(start, end)
    ).select_related("invoice")
    for write_off in write_offs:
        lines.append(
            (
                write_off.written_off_on,
                3,
                write_off.pk,
                StatementLine(
                    write_off.written_off_on,
                    "write_off",
                    str(_("Write-off")),
                    write_off.invoice.number or "",
                    ZERO,
                    write_off.amount,
                    detail=write_off.get_reason_display(),
                ),
            )
        )
    ordered = [entry[3] for entry in sorted(lines, key=lambda entry: entry[:3])]
    running = opening
    for line in ordered:
        running = running + line.debit - line.credit
        line.balance = running
    return Statement(customer=customer, start=start, end=end, opening=opening, lines=ordered, closing=running)


# ---- invoice panel and worklist ---------------------------------------------------------------


def invoice_receivable(*, invoice: Invoice) -> dict:
    """What was applied to an invoice: payments, credit notes, write-offs, and its open balance.

    The account's running totals say which kinds are applied (`paid` sums the allocations in force,
    each entry adds its positive amount, and no account means nothing was ever applied): only those
    are read, one query for an untouched invoice.
    """
    account = InvoiceAccount.objects.filter(invoice=invoice).first()
    allocations, credits, write_offs = [], [], []
    if account is not None and account.paid:
        allocations = list(
            Allocation.objects.in_force()
            .filter(invoice=invoice)
            .select_related("payment")
            .order_by("created_at", "id")
        )
    if account is not None and account.credited:
        credits = list(
            CreditApplication.objects.filter(invoice=invoice)
            .select_related("credit_note")
            .order_by("created_at", "id")
        )
    if account is not None and account.written_off:
        write_offs = list(WriteOff.objects.filter(invoice=invoice).order_by("written_off_on", "id"))
    open_balance = account.open_balance if account is not None else abs(invoice.total)
    return {
        "invoice": invoice,
        "allocations": allocations,
        "credits": credits,
        "write_offs": write_offs,
        "open_balance": open_balance,
    }


def worklist(*, as_of: date | None = None):
    """Customers with overdue amounts, most overdue first (values queryset, one query)."""
    as_of = as_of or timezone.localdate()
    overdue = open_invoices().filter(due_date__lt=as_of)
    return (
        overdue.order_by()
        .values("customer", "customer__number", "customer__legal_name", "customer__status")
        .annotate(
            overdue=Coalesce(Sum("open_amount"), _zero()),
            disputed_total=Coalesce(Sum("disputed"), _zero()),
            oldest_due=Min("due_date"),
            over_90=Coalesce(Sum("open_amount", filter=Q(due_date__lt=as_of - timedelta(days=90))), _zero()),
            invoices=Sum(Case(When(pk__isnull=False, then=1), default=0)),
            last_due=Max("due_date"),
        )
        .order_by("oldest_due", "-overdue", "customer__number")
    )
