"""Agents reconcile bank remittance files: import, review proposed matches, confirm, split or leave."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collections_ar import forms
from collections_ar.models import AdviceStatus, LineStatus, RemittanceAdvice, RemittanceImport, RemittanceLine
from collections_ar.selectors import open_invoices
from collections_ar.services.remittance import (
    remittance_advice_reconcile,
    remittance_import,
    remittance_line_confirm,
    remittance_line_leave_unmatched,
)
from collections_ar.views.agent import PAGE_SIZE, agent_required
from csol.core.models import Customer


@agent_required("collections_ar.view_remittanceimport")
def imports(request):
    """Imported files, the upload form, lines still to review and the customers' remittance advices."""
    form = forms.RemittanceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("collections_ar.add_remittanceimport"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = remittance_import(name=upload.name, content=upload.read(), actor=request.user)
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(
                    request,
                    _("%(recorded)s rows recorded, %(duplicates)s already imported, %(errors)s rejected.")
                    % {
                        "recorded": batch.rows_recorded,
                        "duplicates": batch.rows_duplicate,
                        "errors": len(batch.errors),
                    },
                )
                return redirect("collections_ar:import", pk=batch.pk)
    page = Paginator(RemittanceImport.objects.select_related("imported_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    to_review = (
        RemittanceLine.objects.filter(status=LineStatus.PROPOSED)
        .select_related("customer", "remittance_import")
        .order_by("received_on", "pk")[:PAGE_SIZE]
    )
    advices = (
        RemittanceAdvice.objects.filter(status=AdviceStatus.SUBMITTED)
        .select_related("customer", "submitted_by")
        .prefetch_related("lines__invoice")[:PAGE_SIZE]
    )
    context = {"form": form, "page": page, "to_review": to_review, "advices": advices}
    return render(request, "collections_ar/agent/imports.html", context)


@agent_required("collections_ar.view_remittanceimport")
def import_detail(request, pk):
    batch = get_object_or_404(RemittanceImport, pk=pk)
    lines = batch.lines.select_related("customer", "payment").prefetch_related("matches__invoice")
    return render(request, "collections_ar/agent/import.html", {"batch": batch, "lines": lines})


def _advices_beside(line: RemittanceLine):
    """Customers' remittance advices that may describe this bank line (same customer or amount)."""
    advices = RemittanceAdvice.objects.filter(status=AdviceStatus.SUBMITTED)
    if line.customer_id:
        advices = advices.filter(customer_id=line.customer_id)
    else:
        advices = advices.filter(amount=line.amount)
    return advices.select_related("customer").prefetch_related("lines__invoice")[:10]


@agent_required("collections_ar.view_remittanceimport")
def line_detail(request, pk):
    """Confirm a line as a payment of a customer, split across its open invoices, or leave it."""
    line = get_object_or_404(
        RemittanceLine.objects.select_related("customer", "remittance_import", "payment"), pk=pk
    )
    customer = line.customer
    chooser = forms.LineCustomerForm(
        request.GET or None, initial={"customer_number": customer.number if customer else ""}
    )
    if request.GET.get("customer_number") and chooser.is_valid():
        customer = Customer.objects.filter(
            number=chooser.cleaned_data["customer_number"].strip().upper()
        ).first()
        if customer is None:
            chooser.add_error("customer_number", _("No customer has this number."))
    invoices = list(open_invoices(customer_ids=[customer.pk]).order_by("due_date", "pk")) if customer else []
    initial = {m.invoice_id: m.amount for m in line.matches.all()} if customer == line.customer else {}
    form = forms.LineConfirmForm(request.POST or None, invoices=invoices, initial_amounts=initial)
    if request.method == "POST" and customer is not None and line.status != LineStatus.CONFIRMED:
        if not request.user.has_perm("collections_ar.add_payment"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            try:
                payment = remittance_line_confirm(
                    line=line,
                    customer=customer,
                    splits=form.invoice_lines(),
                    actor=request.user,
                    method=form.cleaned_data["method"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
                return redirect("collections_ar:import", pk=line.remittance_import_id)
    context = {
        "line": line,
        "customer": customer,
        "chooser": chooser,
        "form": form,
        "advices": _advices_beside(line),
        "matches": line.matches.select_related("invoice"),
    }
    return render(request, "collections_ar/agent/line.html", context)


@require_POST
@agent_required("collections_ar.change_remittanceline")
def line_unmatched(request, pk):
    line = get_object_or_404(RemittanceLine, pk=pk)
    try:
        remittance_line_leave_unmatched(line=line, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Line left unmatched."))
    return redirect("collections_ar:import", pk=line.remittance_import_id)


@require_POST
@agent_required("collections_ar.change_remittanceadvice")
def advice_reconcile(request, pk):
    advice = get_object_or_404(RemittanceAdvice, pk=pk)
    remittance_advice_reconcile(advice=advice, actor=request.user)
    messages.success(request, _("Remittance advice marked as reconciled."))
    return redirect("collections_ar:imports")
