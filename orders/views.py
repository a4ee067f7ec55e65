"""Customer and partner pages: order list, detail, CSV export, order request, delivery window answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from csol.core.csv_export import csv_response
from orders.forms import (
    OrderFilterForm,
    OrderLineFormSet,
    OrderRequestForm,
    SiteReadinessForm,
    WindowCounterForm,
)
from orders.models import DeliveryWindow, OrderStatus, WindowSide, WindowStatus
from orders.selectors import (
    OrderFilters,
    can_confirm_delivery,
    current_window,
    order_detail,
    order_get_visible,
    order_list,
    order_page,
)
from orders.services import LineRequest, delivery_window_accept, delivery_window_counter, order_create
from orders.timezones import site_timezone

PER_PAGE = 25


def _filters(request) -> tuple[OrderFilterForm, OrderFilters]:
    if not any(name in request.GET for name in OrderFilterForm.base_fields):
        return OrderFilterForm(), OrderFilters()  # no filter chosen (the pager's own parameters only)
    form = OrderFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
    else:
        # Keep the valid filters; the page shows what was wrong with the others.
        data = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    return form, OrderFilters(
        status=data.get("status") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        q=data.get("q") or "",
        sort=data.get("sort") or "open",
    )


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100000))
    except ValueError:
        return 1


def _query_without_page(request) -> str:
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in ("page", "after", "before"):  # the pager's own parameters
            query.setlist(key, values)
    return query.urlencode()


@login_required
def order_list_view(request):
    viewer = request.viewer
    form, filters = _filters(request)
    page = order_page(
        viewer=viewer,
        filters=filters,
        page=_page_number(request),
        per_page=PER_PAGE,
        after=request.GET.get("after", "")[:200],
        before=request.GET.get("before", "")[:200],
    )
    query = _query_without_page(request)
    return render(
        request,
        "orders/order_list.html",
        {
            "form": form,
            "page": page,
            "orders": page.items,
            "query": query,
            "show_customer": viewer.active_customer_id is None,
            "can_order": viewer.can("order"),
        },
    )


@login_required
def order_export(request):
    """The filtered list as CSV: the same queryset as the page, so the same tenancy."""
    viewer = request.viewer
    _form, filters = _filters(request)
    orders = order_list(viewer=viewer, filters=filters)
    header = [
        _("Order number"),
        _("Customer number"),
        _("Customer"),
        _("Purchase order number"),
        _("Status"),
        _("Ordered on"),
        _("Requested delivery date"),
        _("Ship-to site"),
        _("Total before tax (CAD)"),
    ]

    # Plain tuples and one label lookup per status: 100,000 rows stream in seconds, not minutes.
    labels = {value: str(label) for value, label in OrderStatus.choices}
    columns = (
        "number",
        "customer__number",
        "customer__legal_name",
        "po_number",
        "status",
        "created_at",
        "requested_delivery_date",
        "ship_to__name",
        "net_total",
    )

    def rows():
        for number, cust_no, cust_name, po, status, created, requested, site, total in orders.values_list(
            *columns
        ).iterator(chunk_size=2000):
            yield [
                number,
                cust_no,
                cust_name,
                po,
                labels[status],
                timezone.localtime(created).date().isoformat(),
                requested.isoformat() if requested else "",
                site,
                # Plain digits with a dot: both French and English spreadsheets import it as a number.
                f"{total:.2f}",
            ]

    filename = _("orders") + f"-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename=filename, header=header, rows=rows())


@login_required
def order_detail_view(request, number):
    return render(request, "orders/order_detail.html", _detail_context(request, number))


def _detail_context(request, number, *, accept_form=None) -> dict:
    """The order page; `accept_form` is the customer's refused answer, shown with its errors."""
    viewer = request.viewer
    order = order_detail(viewer=viewer, number=number)
    window = current_window(order)
    can_answer = (
        window is not None
        and window.status == WindowStatus.PROPOSED
        and window.proposed_by_side == WindowSide.CSO
        and can_confirm_delivery(viewer=viewer, order=order)
    )
    if can_answer and accept_form is None:
        accept_form = SiteReadinessForm(initial=_readiness_initial(window))
    return {
        "order": order,
        "window": window,
        "can_answer": can_answer,
        "accept_form": accept_form if can_answer else None,
        "show_customer": viewer.active_customer_id is None,
        "site_tz": site_timezone(order.ship_to),
    }


def _readiness_initial(window) -> dict:
    if window is None:
        return {}
    dock = {True: "yes", False: "no"}.get(window.has_loading_dock, "")
    return {
        "has_loading_dock": dock,
        "access_hours": window.access_hours,
        "site_contact_name": window.site_contact_name,
        "site_contact_phone": window.site_contact_phone,
        "special_instructions": window.special_instructions,
    }


def _answerable_window(request, number, pk):
    """The order (404 if not visible), and the CSO proposal the viewer may answer (403 if they may not)."""
    order = order_get_visible(viewer=request.viewer, number=number)
    window = get_object_or_404(DeliveryWindow, pk=pk, order=order)
    if not can_confirm_delivery(viewer=request.viewer, order=order):
        raise PermissionDenied
    return order, window


@login_required
@require_POST
def window_accept(request, number, pk):
    order, window = _answerable_window(request, number, pk)
    form = SiteReadinessForm(request.POST)
    if not form.is_valid():
        # The order page again, with what the customer typed and the errors beside the fields.
        context = _detail_context(request, number, accept_form=form)
        if context["can_answer"]:
            return render(request, "orders/order_detail.html", context, status=400)
        messages.error(request, _("This delivery window is no longer awaiting an answer."))
        return redirect(order)
    try:
        delivery_window_accept(
            window=window, actor=request.user, side=WindowSide.CUSTOMER, **form.readiness()
        )
    except ValidationError as exc:
        # The window moved on meanwhile (answered, replaced): nothing left to fill in.
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: the delivery window is confirmed."))
    return redirect(order)


@login_required
def window_counter(request, number, pk):
    order, window = _answerable_window(request, number, pk)
    if window.status != WindowStatus.PROPOSED or window.proposed_by_side != WindowSide.CSO:
        messages.error(request, _("This delivery window is no longer awaiting an answer."))
        return redirect(order)
    if request.method == "POST":
        form = WindowCounterForm(request.POST)
        if form.is_valid():
            starts_at, ends_at = form.window(site_timezone(order.ship_to))
            try:
                delivery_window_counter(
                    window=window,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    actor=request.user,
                    **form.readiness(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your proposal was sent to CSO, who will confirm it."))
                return redirect(order)
    else:
        initial = _readiness_initial(window)
        tz = site_timezone(order.ship_to)
        local = timezone.localtime(window.starts_at, tz)
        initial.update(
            day=local.date(), start=local.time(), end=timezone.localtime(window.ends_at, tz).time()
        )
        form = WindowCounterForm(initial=initial)
    context = {"order": order, "window": window, "form": form, "site_tz": site_timezone(order.ship_to)}
    return render(request, "orders/window_counter.html", context)


@login_required
def order_request(request):
    """Buyers, administrators and partners with the order scope request an order; agents validate it."""
    viewer = request.viewer
    customers = viewer.customers_for("order").order_by("legal_name")
    if viewer.is_agent or not customers.exists():
        # Agents enter orders in the back office; the others may not order for this customer.
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = OrderRequestForm(data, customers=customers)
    formset = OrderLineFormSet(data, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                order = order_create(
                    customer=form.cleaned_data["customer"],
                    ship_to=form.cleaned_data["ship_to"],
                    lines=[LineRequest(product=p, quantity=q) for p, q in formset.lines()],
                    actor=request.user,
                    po_number=form.cleaned_data["po_number"],
                    requested_delivery_date=form.cleaned_data["requested_delivery_date"],
                    notes=form.cleaned_data["notes"],
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Order %(number)s received. We will confirm it once it is validated.")
                % {"number": order.number},
            )
            return redirect(order)
    return render(request, "orders/order_request.html", {"form": form, "formset": formset})
