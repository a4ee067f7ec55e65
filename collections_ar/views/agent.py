"""Agents' receivables pages: worklist, aging, a customer's collection page, payments, write-offs."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collections_ar import forms
from collections_ar.models import (
    Allocation,
    CollectionNote,
    Payment,
    PaymentStatus,
    PromiseStatus,
    PromiseToPay,
    ReceivableEvent,
    RemittanceAdvice,
)
from collections_ar.selectors import (
    BUCKETS,
    account_summary,
    aging_by_customer,
    aging_totals,
    available_credit_notes,
    credit_profile,
    open_invoices,
    worklist,
)
from collections_ar.services import (
    allocation_reverse,
    credit_note_apply,
    credit_profile_update,
    customer_credit_hold_set,
    note_add,
    payment_allocate,
    payment_allocate_oldest_first,
    payment_record,
    payment_transition,
    promise_add,
    promise_transition,
    write_off_record,
)
from csol.core.csv_export import csv_response
from csol.core.models import Customer
from csol.core.money import format_money

PAGE_SIZE = 50


def agent_required(perm: str | None = None):
    """Agents only (others get a 404: the back office is not theirs to discover); writes need `perm`."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.viewer.is_agent:
                raise Http404
            if perm and not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _errors(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


@agent_required("collections_ar.view_payment")
def worklist_view(request):
    """Customers with overdue amounts, most overdue first, with their latest note and open promise."""
    today = timezone.localdate()
    page = Paginator(worklist(as_of=today), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [row["customer"] for row in page.object_list]
    notes = {}
    for note in CollectionNote.objects.filter(customer_id__in=ids).order_by(
        "customer_id", "-created_at", "-id"
    ):
        notes.setdefault(note.customer_id, note)
    promises = {}
    for promise in PromiseToPay.objects.filter(customer_id__in=ids, status=PromiseStatus.OPEN).order_by(
        "promised_on"
    ):
        promises.setdefault(promise.customer_id, promise)
    rows = [
        {
            **row,
            "days": (today - row["oldest_due"]).days,
            "note": notes.get(row["customer"]),
            "promise": promises.get(row["customer"]),
        }
        for row in page.object_list
    ]
    return render(request, "collections_ar/agent/worklist.html", {"page": page, "rows": rows, "today": today})


@agent_required("collections_ar.view_payment")
def aging_view(request):
    today = timezone.localdate()
    page = Paginator(aging_by_customer(as_of=today), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "totals": aging_totals(as_of=today), "buckets": BUCKETS, "today": today}
    return render(request, "collections_ar/agent/aging.html", context)


@agent_required("collections_ar.view_payment")
def aging_csv(request):
    today = timezone.localdate()
    header = (
        [_("Customer number"), _("Customer")]
        + [str(label) for _k, label, _l, _h in BUCKETS]
        + [_("Total"), _("In dispute")]
    )
    rows = (
        [
            row["customer__number"],
            row["customer__legal_name"],
            *[row[key] for key, *_rest in BUCKETS],
            row["total"],
            row["disputed_total"],
        ]
        for row in aging_by_customer(as_of=today).iterator()
    )
    return csv_response(filename=f"aging-{today.isoformat()}.csv", header=header, rows=rows)


def _customer(number) -> Customer:
    return get_object_or_404(Customer, number=number)


def _credit_notes(customer):
    return available_credit_notes(customer=customer).order_by("issue_date", "pk")


@agent_required("collections_ar.view_payment")
def customer_view(request, number):
    """A collector's page on one customer: summary, invoices, payments, notes, promises, settings."""
    customer = _customer(number)
    today = timezone.localdate()
    invoices = list(open_invoices(customer_ids=[customer.pk]).order_by("due_date", "pk"))
    for invoice in invoices:
        invoice.days_late = (today - invoice.due_date).days if invoice.due_date else 0
    credit_notes = list(_credit_notes(customer))
    context = {
        "customer": customer,
        "summary": account_summary(customer=customer),
        "invoices": invoices,
        "credit_notes": credit_notes,
        "payments": Payment.objects.filter(customer=customer).prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.in_force().select_related("invoice"))
        )[:20],
        "advices": RemittanceAdvice.objects.filter(customer=customer).prefetch_related("lines__invoice")[:10],
        "notes": CollectionNote.objects.filter(customer=customer).select_related("author")[:20],
        "promises": PromiseToPay.objects.filter(customer=customer).select_related("created_by")[:20],
        "events": ReceivableEvent.objects.filter(customer=customer).select_related(
            "actor", "payment", "invoice"
        )[:20],
        "note_form": forms.NoteForm(),
        "promise_form": forms.PromiseForm(),
        "hold_form": forms.CreditHoldForm(),
        "profile_form": forms.CreditProfileForm(instance=credit_profile(customer=customer)),
        "payment_form": forms.PaymentForm(
            initial={"customer_number": customer.number, "received_on": timezone.localdate()}
        ),
        "write_off_form": forms.WriteOffForm(invoices=invoices),
        "credit_form": forms.CreditApplyForm(credit_notes=credit_notes, invoices=invoices),
        "today": timezone.localdate(),
    }
    return render(request, "collections_ar/agent/customer.html", context)


@require_POST
@agent_required("collections_ar.add_collectionnote")
def note_create(request, number):
    customer = _customer(number)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        note_add(customer=customer, text=form.cleaned_data["text"], author=request.user)
        messages.success(request, _("Note saved."))
    else:
        messages.error(request, _("Write the note."))
    return redirect("collections_ar:agent_customer", number=number)


@require_POST
@agent_required("collections_ar.add_promisetopay")
def promise_create(request, number):
    customer = _customer(number)
    form = forms.PromiseForm(request.POST)
    if form.is_valid():
        try:
            promise_add(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Promise to pay recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("collections_ar:agent_customer", number=number)


@require_POST
@agent_required("collections_ar.change_promisetopay")
def promise_status(request, number, pk):
    promise = get_object_or_404(PromiseToPay, pk=pk, customer__number=number)
    try:
        promise_transition(promise=promise, to=request.POST.get("status", ""), actor=request.user)
    except (ValidationError, ValueError) as exc:
        _errors(request, exc if isinstance(exc, ValidationError) else ValidationError(_("Choose a status.")))
    return redirect("collections_ar:agent_customer", number=number)


@require_POST
@agent_required("collections_ar.change_customercreditprofile")
def credit_hold(request, number):
    customer = _customer(number)
    form = forms.CreditHoldForm(request.POST)
    form.is_valid()
    hold = request.POST.get("hold") == "1"
    try:
        customer_credit_hold_set(
            customer=customer, hold=hold, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("The customer is on credit hold.") if hold else _("The credit hold is released.")
        )
    return redirect("collections_ar:agent_customer", number=number)


@require_POST
@agent_required("collections_ar.change_customercreditprofile")
def profile_update(request, number):
    customer = _customer(number)
    form = forms.CreditProfileForm(request.POST, instance=credit_profile(customer=customer))
    if form.is_valid():
        credit_profile_update(
            customer=customer, actor=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
        )
        messages.success(request, _("Receivables settings saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("collections_ar:agent_customer", number=number)


@agent_required("collections_ar.add_payment")
def payment_create(request):
    form = forms.PaymentForm(
        request.POST or None,
        initial={"customer_number": request.GET.get("customer", ""), "received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = payment_record(
                customer=form.customer,
                received_on=data["received_on"],
                method=data["method"],
                amount=data["amount"],
                reference=data["reference"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
            return redirect("collections_ar:payment", number=payment.number)
    return render(request, "collections_ar/agent/payment_form.html", {"form": form})


def _payment(number) -> Payment:
    return get_object_or_404(Payment.objects.select_related("customer"), number=number)


@agent_required("collections_ar.view_payment")
def payment_view(request, number):
    """A payment with its allocations; allocate what is left to the customer's open invoices."""
    payment = _payment(number)
    invoices = list(open_invoices(customer_ids=[payment.customer_id]).order_by("due_date", "pk"))
    form = forms.AllocationForm(request.POST or None, invoices=invoices)
    if request.method == "POST":
        if not request.user.has_perm("collections_ar.add_allocation"):
            raise PermissionDenied
        if form.is_valid():
            try:
                payment_allocate(payment=payment, lines=form.invoice_lines(), actor=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Payment allocated."))
                return redirect("collections_ar:payment", number=number)
    context = {
        "payment": payment,
        "allocations": payment.allocations.select_related("invoice", "created_by", "reversed_by"),
        "can_reverse": request.user.has_perm("collections_ar.change_allocation"),
        "form": form,
        "line": getattr(payment, "remittance_line", None),
    }
    return render(request, "collections_ar/agent/payment.html", context)


@require_POST
@agent_required("collections_ar.add_allocation")
def payment_auto_allocate(request, number):
    payment = _payment(number)
    try:
        created = payment_allocate_oldest_first(payment=payment, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if created:
            messages.success(request, _("Payment applied to the oldest open invoices."))
        else:
            messages.info(request, _("Nothing to apply: no open invoice or nothing left of the payment."))
    return redirect("collections_ar:payment", number=number)


@require_POST
@agent_required("collections_ar.change_payment")
def payment_void(request, number):
    payment = _payment(number)
    try:
        payment_transition(payment=payment, to=PaymentStatus.VOID, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Payment voided."))
    return redirect("collections_ar:payment", number=number)


@require_POST
@agent_required("collections_ar.change_allocation")
def allocation_reverse_view(request, number, pk):
    """Take one of the payment's allocations back, with the reason."""
    payment = _payment(number)
    allocation = get_object_or_404(Allocation, pk=pk, payment=payment)
    form = forms.AllocationReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reversal."))
    else:
        try:
            allocation_reverse(allocation=allocation, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("The allocation to invoice %(number)s is reversed: %(amount)s is unapplied again.")
                % {"number": allocation.invoice.number, "amount": format_money(allocation.amount)},
            )
    return redirect("collections_ar:payment", number=number)


@require_POST
@agent_required("collections_ar.add_writeoff")
def write_off_create(request, number):
    customer = _customer(number)
    invoices = list(open_invoices(customer_ids=[customer.pk]))
    form = forms.WriteOffForm(request.POST, invoices=invoices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            write_off_record(
                invoice=form.open_invoices[data["invoice"]],
                amount=data["amount"],
                reason=data["reason"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Write-off recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("collections_ar:agent_customer", number=number)


@require_POST
@agent_required("collections_ar.add_creditapplication")
def credit_apply(request, number):
    customer = _customer(number)
    invoices = list(open_invoices(customer_ids=[customer.pk]))
    form = forms.CreditApplyForm(request.POST, credit_notes=list(_credit_notes(customer)), invoices=invoices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            applied = credit_note_apply(
                credit_note=form.credit_notes[data["credit_note"]],
                invoice=form.open_invoices[data["invoice"]],
                amount=data["amount"],
                actor=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if applied:
                messages.success(request, _("Credit note applied."))
            else:
                messages.info(request, _("Nothing to apply."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("collections_ar:agent_customer", number=number)
