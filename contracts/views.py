"""Portal pages of contracts: list, detail, documents, renewal cockpit, renewal requests, entitlements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contracts import selectors
from contracts.forms import ContractFilterForm, NonRenewalNoticeForm, RenewalRequestForm
from contracts.models import ContractDocument, RenewalRequest, RenewalRequestStatus
from contracts.services import contract_give_non_renewal_notice, renewal_request_submit
from csol.core.uploads import safe_download_name

PAGE_SIZE = 25


def _render(request, template, context):
    # The licences tab is shown only to who may open it (administrators, agents).
    context.setdefault("show_entitlements_tab", request.viewer.can("entitlements"))
    return render(request, template, context)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def contract_list(request):
    today = timezone.localdate()
    form = ContractFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    contracts = selectors.contract_list(
        viewer=request.viewer,
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        ending_within=filters.get("ending_within"),
        today=today,
    )
    return _render(
        request,
        "contracts/contract_list.html",
        {
            "form": form,
            "page": _page(request, contracts),
            "query": _query_without_page(request),
            "today": today,
        },
    )


@login_required
def contract_detail(request, number):
    viewer = request.viewer
    contract = selectors.contract_get(viewer=viewer, number=number)
    return _render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "covered": selectors.covered_records(contract),
            "entitlements": contract.entitlements.select_related("product").order_by("id"),
            "show_keys": viewer.can("entitlements", contract.customer_id),
            "periods": contract.billing_periods.select_related("invoice_line").order_by("start_date"),
            "documents": contract.documents.order_by("-uploaded_at"),
            "requests": contract.renewal_requests.select_related("requested_by").order_by("-requested_at")[
                :5
            ],
            "can_renew": viewer.can("contracts", contract.customer_id),
            "today": timezone.localdate(),
        },
    )


@login_required
def document_download(request, number, document_id):
    contract = selectors.contract_get(viewer=request.viewer, number=number)
    document = get_object_or_404(ContractDocument, contract=contract, pk=document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=safe_download_name(document.original_name),
        content_type="application/pdf",
    )


@login_required
def renewals(request):
    today = timezone.localdate()
    page = _page(request, selectors.renewal_cockpit(viewer=request.viewer, today=today))
    for contract in page.object_list:
        contract.can_act = request.viewer.can("contracts", contract.customer_id)
    return _render(
        request,
        "contracts/renewals.html",
        {"page": page, "query": "", "today": today, "days": selectors.COCKPIT_DAYS},
    )


def _contract_for_action(request, number):
    """A visible contract the viewer may act on: 404 when not visible, 403 when visible but not allowed."""
    contract = selectors.contract_get(viewer=request.viewer, number=number)
    if not request.viewer.can("contracts", contract.customer_id):
        raise PermissionDenied
    return contract


@login_required
@require_http_methods(["GET", "POST"])
def renewal_request_create(request, number):
    contract = _contract_for_action(request, number)
    open_request = contract.renewal_requests.filter(status=RenewalRequestStatus.SUBMITTED).first()
    if open_request is not None:
        # One open request per contract: show the one in progress rather than a form that would be refused.
        messages.info(request, _("A renewal request for this contract is already open."))
        return redirect("contracts:renewal_request", pk=open_request.pk)
    entitlements = contract.entitlements.select_related("product").order_by("id")
    form = RenewalRequestForm(request.POST or None, entitlements=entitlements)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = renewal_request_submit(
                contract=contract,
                actor=request.user,
                po_number=form.cleaned_data["po_number"],
                message=form.cleaned_data["message"],
                quantities=form.quantities(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your renewal request was sent. Our team will contact you."))
            return redirect("contracts:renewal_request", pk=renewal.pk)
    return _render(request, "contracts/renewal_request_form.html", {"contract": contract, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def non_renewal_notice(request, number):
    contract = _contract_for_action(request, number)
    form = NonRenewalNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_give_non_renewal_notice(contract=contract, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Notice received: contract %(number)s will end on %(end)s.")
                % {"number": contract.number, "end": contract.end_date.isoformat()},
            )
            return redirect("contracts:renewals")
    return _render(
        request,
        "contracts/non_renewal_notice.html",
        {"contract": contract, "form": form, "today": timezone.localdate()},
    )


@login_required
def renewal_request_detail(request, pk):
    renewal = get_object_or_404(
        RenewalRequest.objects.visible_to(request.viewer).select_related(
            "contract", "contract__customer", "requested_by", "renewed_contract"
        ),
        pk=pk,
    )
    return _render(
        request,
        "contracts/renewal_request_detail.html",
        {
            "renewal": renewal,
            "lines": renewal.lines.select_related("entitlement__product"),
            "statuses": RenewalRequestStatus,
        },
    )


@login_required
def entitlement_list(request):
    if not request.viewer.can("entitlements"):
        raise PermissionDenied
    return _render(
        request,
        "contracts/entitlement_list.html",
        {"page": _page(request, selectors.entitlement_list(viewer=request.viewer)), "query": ""},
    )
