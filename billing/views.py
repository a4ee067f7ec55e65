"""Customer pages of billing: invoices, their PDFs, billing options and disputes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.forms import BillingOptionsForm, DisputeForm, DisputeReplyForm, InvoiceFilterForm
from billing.hooks import invoice_detail_panels
from billing.models import Dispute, DisputeAttachment, DisputeStatus, Invoice
from billing.selectors import (
    InvoiceFilter,
    billing_options_for,
    dispute_list,
    invoice_line_rows,
    invoice_list,
    invoice_list_totals_cached,
    invoice_page,
    invoice_taxes,
)
from billing.services import billing_options_update, dispute_open, dispute_reply, invoice_pdf_store
from billing.services.documents import document_languages
from billing.taxes import taxes_by_kind
from csol.core.csv_export import csv_response
from csol.core.uploads import attachment_disposition

PAGE_SIZE = 25


def _filters(request) -> tuple[InvoiceFilterForm, InvoiceFilter]:
    # No filter chosen (the pager's own parameters only): the unbound form.
    chosen = any(name in request.GET for name in InvoiceFilterForm.base_fields)
    form = InvoiceFilterForm(request.GET if chosen else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, InvoiceFilter(
            status=data["status"], date_from=data["date_from"], date_to=data["date_to"], q=data["q"]
        )
    return form, InvoiceFilter()


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100000))
    except ValueError:
        return 1


def _visible_invoice(request, number: str) -> Invoice:
    """An issued document the viewer may see; any other is a 404."""
    return get_object_or_404(
        Invoice.objects.visible_to(request.viewer)
        .documents()
        .select_related("customer", "bill_to", "credited_invoice"),
        number=number,
    )


@login_required
def invoice_list_view(request):
    form, filters = _filters(request)
    qs = invoice_list(viewer=request.viewer, filters=filters)
    totals = invoice_list_totals_cached(viewer=request.viewer, filters=filters, qs=qs)
    show_customer = not request.viewer.active_customer_id
    page = invoice_page(
        qs,
        with_customer=show_customer,
        count=totals["count"],
        number=_page_number(request),
        after=request.GET.get("after", "")[:200],
        before=request.GET.get("before", "")[:200],
        per_page=PAGE_SIZE,
    )
    query = request.GET.copy()
    for key in ("page", "after", "before"):  # the pager's own parameters
        query.pop(key, None)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "form": form,
            "page": page,
            "totals": totals,
            "query": query.urlencode(),
            "can_pay": request.viewer.can("pay"),
            "show_customer": show_customer,
        },
    )


@login_required
def invoice_export(request):
    """The filtered list as CSV (same visibility and filters as the page)."""
    _form, filters = _filters(request)
    qs = invoice_list(viewer=request.viewer, filters=filters)
    header = [
        _("Number"),
        _("Kind"),
        _("Customer"),
        _("Issue date"),
        _("Due date"),
        _("PO number"),
        _("Status"),
        _("Total before tax"),
        _("Taxes"),
        _("Total"),
    ]
    rows = (
        [
            i.number,
            i.get_kind_display(),
            i.customer.number,
            i.issue_date,
            i.due_date,
            i.po_number,
            i.get_status_display(),
            i.net_total,
            i.tax_total,
            i.total,
        ]
        for i in qs.iterator(chunk_size=1000)
    )
    return csv_response(filename="invoices.csv", header=header, rows=rows)


@login_required
def invoice_detail(request, number):
    invoice = _visible_invoice(request, number)
    viewer = request.viewer
    panels = [
        render_to_string(template, {**context, "invoice": invoice, "viewer": viewer}, request=request)
        for template, context in invoice_detail_panels(invoice=invoice, viewer=viewer)
    ]
    taxes = invoice_taxes(invoice=invoice)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": invoice_line_rows(invoice=invoice),
            "taxes": taxes,
            "taxes_by_kind": taxes_by_kind(taxes),
            "credit_notes": []
            if invoice.is_credit_note
            else invoice.credit_notes.exclude(status="draft").order_by("issue_date", "id"),
            "disputes": invoice.disputes.order_by("-created_at"),
            "panels": panels,
            "can_dispute": viewer.can("pay", invoice.customer_id) and not invoice.is_credit_note,
            "languages": document_languages(invoice),
        },
    )


@login_required
def invoice_pdf(request, number):
    """The stored PDF (rendered now if the background job has not run yet)."""
    invoice = invoice_pdf_store(invoice=_visible_invoice(request, number))
    response = FileResponse(invoice.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(f"{invoice.number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def billing_options_view(request):
    viewer = request.viewer
    if viewer.is_agent:
        return redirect("admin:billing_billingoptions_changelist")
    customer = viewer.active_customer
    if customer is None:
        raise Http404
    if not viewer.can("pay", customer.pk):
        raise PermissionDenied
    options = billing_options_for(customer=customer)
    form = BillingOptionsForm(request.POST or None, instance=options)
    if request.method == "POST" and form.is_valid():
        billing_options_update(
            customer=customer,
            actor=request.user,
            viewer=viewer,
            **{name: form.cleaned_data[name] for name in BillingOptionsForm.Meta.fields},
        )
        messages.success(request, _("Your billing options are saved."))
        return redirect("billing:options")
    return render(request, "billing/options.html", {"form": form, "customer": customer})


@login_required
@require_http_methods(["GET", "POST"])
def dispute_create(request, number):
    invoice = _visible_invoice(request, number)
    if invoice.is_credit_note:
        raise Http404
    if not request.viewer.can("pay", invoice.customer_id):
        raise PermissionDenied
    form = DisputeForm(request.POST or None, request.FILES or None, invoice=invoice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = dispute_open(
                invoice=invoice,
                actor=request.user,
                viewer=request.viewer,
                reason=data["reason"],
                amount=data["amount"],
                message=data["message"],
                lines=data["lines"],
                files=request.FILES.getlist("attachments"),
            )
        except ValidationError as exc:
            form.add_error("attachments" if getattr(exc, "code", "").startswith("file") else None, exc)
        else:
            messages.success(
                request,
                _("Your dispute is recorded. An agent will answer by %(date)s.")
                % {"date": dispute.target_response_date.isoformat()},
            )
            return redirect(dispute.get_absolute_url())
    return render(request, "billing/dispute_form.html", {"invoice": invoice, "form": form})


def _visible_dispute(request, number, pk) -> Dispute:
    return get_object_or_404(
        Dispute.objects.visible_to(request.viewer).select_related(
            "invoice", "invoice__customer", "assigned_to", "credit_note"
        ),
        pk=pk,
        invoice__number=number,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_detail(request, number, pk):
    dispute = _visible_dispute(request, number, pk)
    can_reply = (
        request.viewer.can("pay", dispute.invoice.customer_id) and dispute.status != DisputeStatus.CLOSED
    )
    form = DisputeReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_reply:
            raise PermissionDenied
        if form.is_valid():
            try:
                dispute_reply(
                    dispute=dispute,
                    actor=request.user,
                    viewer=request.viewer,
                    body=form.cleaned_data["message"],
                    files=request.FILES.getlist("attachments"),
                )
            except ValidationError as exc:
                form.add_error("attachments" if getattr(exc, "code", "").startswith("file") else None, exc)
            else:
                messages.success(request, _("Your message is sent."))
                return redirect(dispute.get_absolute_url())
    return render(
        request,
        "billing/dispute_detail.html",
        {
            "dispute": dispute,
            "invoice": dispute.invoice,
            "conversation": dispute.messages.select_related("author").prefetch_related("attachments"),
            "events": dispute.events.select_related("actor"),
            "lines": dispute.lines.all(),
            "form": form,
            "can_reply": can_reply,
        },
    )


@login_required
def dispute_attachment(request, number, pk, attachment_id):
    dispute = _visible_dispute(request, number, pk)
    attachment = get_object_or_404(DisputeAttachment, pk=attachment_id, message__dispute=dispute)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = attachment_disposition(attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dispute_list_view(request):
    page = Paginator(dispute_list(viewer=request.viewer), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/dispute_list.html", {"page": page})
