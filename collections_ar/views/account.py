"""Customer-facing receivables pages: account, statement (screen, PDF, CSV), remittance advice.

Every page takes the customer number from the URL and reads it through `customer_for_viewer`, so
another customer's account is a 404; partners see the customers they are authorised for today.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from collections_ar.forms import RemittanceAdviceForm, StatementPeriodForm
from collections_ar.models import RemittanceAdvice
from collections_ar.selectors import (
    account_summary,
    customer_for_viewer,
    interest_rate,
    open_invoices,
    recent_payments,
    statement,
    visible_customers,
)
from collections_ar.services.remittance import remittance_advice_submit
from csol.core.csv_export import csv_response
from csol.core.uploads import attachment_disposition, safe_download_name


@login_required
def home(request):
    """The active customer's account; agents start at the worklist; partners choose a customer."""
    viewer = request.viewer
    if viewer.active_customer is not None:
        return redirect("collections_ar:account", number=viewer.active_customer.number)
    if viewer.is_agent:
        return redirect("collections_ar:worklist")
    customers = visible_customers(viewer=viewer)
    return render(request, "collections_ar/choose_customer.html", {"customers": customers})


@login_required
def account(request, number):
    customer = customer_for_viewer(viewer=request.viewer, number=number)
    summary = account_summary(customer=customer)
    context = {
        "customer": customer,
        "summary": summary,
        "payments": recent_payments(customer=customer),
        "invoices": list(open_invoices(customer_ids=[customer.pk]).order_by("due_date", "pk")[:50]),
        "advices": list(
            RemittanceAdvice.objects.filter(customer=customer).prefetch_related("lines__invoice")[:5]
        ),
        "can_pay": request.viewer.can("pay", customer.pk),
        "period": StatementPeriodForm(initial=StatementPeriodForm.default_period()),
        "today": timezone.localdate(),
    }
    return render(request, "collections_ar/account.html", context)


def _period(request):
    form = StatementPeriodForm(request.GET or None, initial=StatementPeriodForm.default_period())
    if request.GET and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    if request.GET and not form.is_valid():
        return form, None, None
    default = StatementPeriodForm.default_period()
    return form, default["start"], default["end"]


@login_required
def statement_view(request, number):
    customer = customer_for_viewer(viewer=request.viewer, number=number)
    form, start, end = _period(request)
    context = {"customer": customer, "form": form, "statement": None}
    if start is not None:
        context["statement"] = statement(customer=customer, start=start, end=end)
        context["interest_rate"] = interest_rate(customer=customer)
    return render(request, "collections_ar/statement.html", context)


def _file_period(request, customer):
    form, start, end = _period(request)
    if start is None:
        raise Http404
    return statement(customer=customer, start=start, end=end)


@login_required
def statement_pdf(request, number):
    """The statement as a PDF in the customer's language (French first for Quebec)."""
    from weasyprint import HTML

    customer = customer_for_viewer(viewer=request.viewer, number=number)
    with translation.override(customer.language):
        result = _file_period(request, customer)  # inside: its labels are in the customer's language
        summary = account_summary(customer=customer)
        html = render_to_string(
            "collections_ar/statement_pdf.html",
            {
                "statement": result,
                "customer": customer,
                "summary": summary,
                "today": timezone.localdate(),
                "bill_to": customer.sites.filter(is_bill_to=True).order_by("pk").first(),
                "supplier": settings.CSOL_SUPPLIER,
            },
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        name = _("statement") + f"-{customer.number}-{result.start.isoformat()}-{result.end.isoformat()}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(name)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def statement_csv(request, number):
    customer = customer_for_viewer(viewer=request.viewer, number=number)
    result = _file_period(request, customer)
    header = [_("Date"), _("Type"), _("Reference"), _("Details"), _("Debit"), _("Credit"), _("Balance")]
    rows = [[result.start.isoformat(), _("Opening balance"), "", "", "", "", result.opening]]
    rows += [
        [
            line.on.isoformat(),
            line.label,
            line.reference,
            line.detail,
            line.debit or "",
            line.credit or "",
            line.balance,
        ]
        for line in result.lines
    ]
    rows.append([result.end.isoformat(), _("Closing balance"), "", "", "", "", result.closing])
    name = f"statement-{customer.number}-{result.start.isoformat()}-{result.end.isoformat()}.csv"
    return csv_response(filename=name, header=header, rows=rows)


@login_required
@require_http_methods(["GET", "POST"])
def remittance_advice(request, number):
    """Tell CSO about a payment: invoices, amounts, reference, date and a proof of payment."""
    customer = customer_for_viewer(viewer=request.viewer, number=number)
    if not request.viewer.can("pay", customer.pk):
        raise PermissionDenied
    invoices = list(open_invoices(customer_ids=[customer.pk]).order_by("due_date", "pk"))
    form = RemittanceAdviceForm(request.POST or None, request.FILES or None, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            remittance_advice_submit(
                customer=customer,
                submitted_by=request.user,
                paid_on=data["paid_on"],
                method=data["method"],
                reference=data["reference"],
                amount=data["amount"],
                lines=form.invoice_lines(),
                note=data["note"],
                attachment=data.get("attachment"),
            )
        except ValidationError as exc:
            form.add_error(
                "attachment" if exc.code in ("file_type", "file_size", "file_empty") else None, exc
            )
        else:
            messages.success(request, _("Thank you: we will apply your payment when we receive it."))
            return redirect("collections_ar:account", number=customer.number)
    return render(request, "collections_ar/remittance_advice.html", {"customer": customer, "form": form})


@login_required
def advice_attachment(request, number, pk):
    customer = customer_for_viewer(viewer=request.viewer, number=number)
    advice = get_object_or_404(
        RemittanceAdvice.objects.visible_to(request.viewer).filter(customer=customer), pk=pk
    )
    if not advice.attachment:
        raise Http404
    return FileResponse(
        advice.attachment.open("rb"),
        as_attachment=True,
        filename=safe_download_name(advice.attachment_name or "proof"),
    )
