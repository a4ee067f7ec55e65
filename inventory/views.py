from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from csol.core.csv_export import csv_response
from inventory.forms import ChangeRequestForm, LookupForm, RecordFilterForm
from inventory.lookup import SEARCH_LIMIT, record_search
from inventory.selectors import (
    coverage_of,
    record_change_requests,
    record_contracts,
    record_get,
    record_history,
    record_list,
    software_entitlements,
)
from inventory.services import change_request_submit
from inventory.throttle import lookup_allowed

PAGE_SIZE = 50


def _with_coverage(records):
    for record in records:
        record.coverage = coverage_of(record)
    return records


@login_required
def record_list_view(request):
    """The installed base by site, with filters; every row shows today's coverage."""
    viewer = request.viewer
    form = RecordFilterForm(request.GET or None, viewer=viewer)
    records = record_list(viewer=viewer, **form.filters())
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_coverage(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inventory/record_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "lookup_form": LookupForm(),
            "show_customer": viewer.active_customer_id is None,
            "entitlements": software_entitlements(viewer=viewer)[:20],
        },
    )


@login_required
def record_export_view(request):
    """The filtered list as CSV (same tenancy and filters as the page)."""
    viewer = request.viewer
    form = RecordFilterForm(request.GET or None, viewer=viewer)
    records = record_list(viewer=viewer, **form.filters())
    header = [
        _("Customer"),
        _("Site"),
        _("Machine type"),
        _("Model"),
        _("Serial number"),
        _("Product number"),
        _("Product"),
        _("Quantity"),
        _("Status"),
        _("Install date"),
        _("Warranty end"),
        _("Coverage"),
        _("Covered until"),
        _("Contract"),
    ]

    def rows():
        for record in records.iterator(chunk_size=2000):
            coverage = coverage_of(record)
            yield [
                record.customer.number,
                record.site.name,
                record.machine_type,
                record.model,
                record.serial_number,
                record.product.sku,
                record.product.name,
                record.quantity,
                record.get_status_display(),
                record.install_date or "",
                record.warranty_end or "",
                coverage.label,
                coverage.until or "",
                coverage.contract_number,
            ]

    return csv_response(filename="installed-base.csv", header=header, rows=rows())


def _lookup(request, *, template, staff=False):
    form = LookupForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        if not lookup_allowed(request.user):
            response = render(request, "inventory/too_many_lookups.html", status=429)
            response["Retry-After"] = "60"
            return response
        results = _with_coverage(record_search(viewer=request.viewer, query=form.cleaned_data["q"]))
    return render(
        request,
        template,
        {
            "form": form,
            "results": results,
            "limit": SEARCH_LIMIT,
            "show_customer": staff or request.viewer.active_customer_id is None,
        },
    )


@login_required
def lookup_view(request):
    """One search box: serial number, machine type, type-model or product name (throttled per user)."""
    return _lookup(request, template="inventory/lookup.html")


@staff_member_required
def staff_lookup_view(request):
    """The agents' lookup across every customer, with links to the back office."""
    return _lookup(request, template="inventory/staff_lookup.html", staff=True)


@login_required
def record_detail_view(request, pk):
    record = record_get(viewer=request.viewer, pk=pk)
    record.coverage = coverage_of(record)
    return render(
        request,
        "inventory/record_detail.html",
        {
            "record": record,
            "contracts": record_contracts(record=record),
            "history": record_history(record=record),
            "change_requests": record_change_requests(record=record),
            "can_report": request.viewer.can("manage_installed_base", record.customer_id),
        },
    )


@login_required
def change_request_view(request, pk):
    """A customer administrator reports a move, a decommissioning or a serial number correction."""
    viewer = request.viewer
    record = record_get(viewer=viewer, pk=pk)
    if not viewer.can("manage_installed_base", record.customer_id):
        raise PermissionDenied
    form = ChangeRequestForm(request.POST or None, record=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change_request_submit(
                viewer=viewer,
                record=record,
                kind=data["kind"],
                message=data["message"],
                new_site=data.get("new_site"),
                new_serial_number=data.get("new_serial_number", ""),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request, _("Thank you: our agents will review the change and apply it once approved.")
            )
            return redirect(record)
    return render(request, "inventory/change_request.html", {"record": record, "form": form})
