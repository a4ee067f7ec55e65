"""Collection work on a customer's account: credit hold, notes, promises to pay, credit profile."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_ar import conf
from collections_ar.models import (
    CollectionNote,
    CustomerCreditProfile,
    EventKind,
    PaymentMethod,
    PromiseStatus,
    PromiseToPay,
    ReceivableEvent,
)
from csol.core.models import Customer, CustomerStatus
from csol.core.money import quantize_money

PROMISE_TRANSITIONS = {
    PromiseStatus.OPEN: {PromiseStatus.KEPT, PromiseStatus.BROKEN},
    PromiseStatus.KEPT: set(),
    PromiseStatus.BROKEN: set(),
}


@transaction.atomic
def customer_credit_hold_set(*, customer: Customer, hold: bool, actor=None, reason: str = "") -> Customer:
    """Put a customer on credit hold (new orders stop at validation) or release it."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.status == CustomerStatus.CLOSED:
        raise ValidationError(_("This customer's account is closed."), code="closed")
    target = CustomerStatus.CREDIT_HOLD if hold else CustomerStatus.ACTIVE
    if customer.status == target:
        return customer
    if hold and actor is not None and not reason.strip():
        raise ValidationError(_("Say why the customer is put on credit hold."), code="reason")
    customer.status = target
    customer.save(update_fields=["status"])
    ReceivableEvent.objects.create(
        customer=customer,
        kind=EventKind.CREDIT_HOLD if hold else EventKind.CREDIT_RELEASE,
        actor=actor,
        note=reason.strip()[:250],
    )
    return customer


def credit_hold_auto_run(*, today: date | None = None) -> list[int]:
    """Hold customers over their credit limit or with undisputed amounts over 90 days past due.

    Applies to customers whose profile asks for it, or to all when CSOL_AR_AUTO_CREDIT_HOLD is on
    and their profile does not say otherwise. Releasing a hold stays an agent's decision.
    """
    from collections_ar.selectors import account_summaries, aging_by_customer

    today = today or timezone.localdate()
    default = conf.auto_credit_hold_default()
    opted = dict(
        CustomerCreditProfile.objects.exclude(auto_credit_hold=None).values_list(
            "customer_id", "auto_credit_hold"
        )
    )
    held = []
    rows = [
        row
        for row in aging_by_customer(as_of=today).filter(customer__status=CustomerStatus.ACTIVE)
        if opted.get(row["customer"], default)
    ]
    # The summaries of all the customers concerned at once, not a customer and its summary each.
    customers = Customer.objects.in_bulk([row["customer"] for row in rows])
    summaries = account_summaries(customers=customers.values(), as_of=today)
    for row in rows:
        customer_id = row["customer"]
        customer = customers[customer_id]
        summary = summaries[customer_id]
        over_90 = summary.aging.buckets[-1][2]
        reasons = []
        if summary.over_limit:
            reasons.append(_("balance over the credit limit"))
        if over_90 - row["disputed_total"] > 0:
            reasons.append(_("amounts over 90 days past due"))
        if reasons:
            customer_credit_hold_set(
                customer=customer,
                hold=True,
                actor=None,
                reason=_("Automatic: %(reasons)s") % {"reasons": ", ".join(str(r) for r in reasons)},
            )
            held.append(customer_id)
    return held


def note_add(*, customer: Customer, text: str, author) -> CollectionNote:
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note."), code="empty")
    return CollectionNote.objects.create(customer=customer, text=text[:2000], author=author)


def promise_add(*, customer: Customer, promised_on: date, amount, actor, note: str = "") -> PromiseToPay:
    """Record a customer's promise to pay an amount by a date."""
    amount = quantize_money(amount)
    if amount <= 0:
        raise ValidationError(_("Enter an amount greater than zero."), code="amount")
    if promised_on < timezone.localdate():
        raise ValidationError(_("A promise to pay is for today or a later date."), code="date")
    return PromiseToPay.objects.create(
        customer=customer, promised_on=promised_on, amount=amount, note=note.strip()[:250], created_by=actor
    )


@transaction.atomic
def promise_transition(*, promise: PromiseToPay, to: str, actor=None) -> PromiseToPay:
    promise = PromiseToPay.objects.select_for_update().get(pk=promise.pk)
    if to not in PROMISE_TRANSITIONS[promise.status]:
        raise ValidationError(
            _("A promise that is %(current)s cannot become %(target)s.")
            % {"current": promise.get_status_display(), "target": PromiseStatus(to).label},
            code="transition",
        )
    promise.status = to
    promise.save(update_fields=["status"])
    return promise


@transaction.atomic
def credit_profile_update(*, customer: Customer, actor=None, **fields) -> CustomerCreditProfile:
    """Change a customer's receivables settings (dunning, automatic hold, methods, instructions, interest)."""
    allowed = {
        "do_not_dun",
        "auto_credit_hold",
        "accepted_methods",
        "remittance_instructions",
        "annual_interest_rate",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    methods = fields.get("accepted_methods")
    if methods is not None and any(code not in PaymentMethod.values for code in methods):
        raise ValidationError(_("Choose payment methods from the list."), code="methods")
    profile, _created = CustomerCreditProfile.objects.select_for_update().get_or_create(customer=customer)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile
