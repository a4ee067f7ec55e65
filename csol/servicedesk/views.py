"""Service-desk pages: customers and partners submit and follow requests; agents work the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from csol.core.uploads import safe_download_name
from csol.servicedesk import selectors, services, sla
from csol.servicedesk.forms import (
    CATEGORY_FORMS,
    AgentReplyForm,
    AssignForm,
    FilterForm,
    QueueFilterForm,
    ReplyForm,
    StatusForm,
)
from csol.servicedesk.models import TRANSITIONS, Category, Status

PAGE_SIZE = 25

CATEGORY_HELP = {
    Category.BILLING: gettext_lazy("A question about an invoice: amounts, taxes, lines, copies."),
    Category.ORDER_STATUS: gettext_lazy("Where an order or its delivery stands."),
    Category.CONTRACT: gettext_lazy(
        "Changes to a maintenance or service contract: billing, coverage, renewal."
    ),
    Category.INVENTORY: gettext_lazy("Equipment listed wrongly in your installed base."),
    Category.LICENCE: gettext_lazy("Software licences and entitlements."),
    Category.PAYMENT: gettext_lazy("A payment you made, or how to remit one."),
    Category.GENERAL: gettext_lazy("Anything else."),
}


def _may_submit(viewer) -> bool:
    return viewer.customers_for("service_request").exists()


@login_required
def request_list(request):
    """My requests and, for administrators and partners, those of the company."""
    viewer = request.viewer
    if viewer.is_agent:
        return redirect("servicedesk:queue")
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.service_request_list(
        viewer=viewer,
        status=filters.get("status", ""),
        category=filters.get("category", ""),
        mine=filters.get("mine", False),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "servicedesk/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "may_submit": _may_submit(viewer)},
    )


def request_new(request):
    """Choose a category; anonymous visitors get the contact page (phone line and sign-in)."""
    if not request.user.is_authenticated:
        return redirect("portal:contact")
    if not _may_submit(request.viewer):
        raise PermissionDenied
    categories = [{"value": c.value, "label": c.label, "help": CATEGORY_HELP[c]} for c in Category]
    return render(request, "servicedesk/new.html", {"categories": categories})


def request_create(request, category):
    """The category's form: checks the numbers it names, links them, stores the attachments."""
    if not request.user.is_authenticated:
        return redirect("portal:contact")
    form_class = CATEGORY_FORMS.get(category)
    if form_class is None:
        raise Http404
    viewer = request.viewer
    if not _may_submit(viewer):
        raise PermissionDenied
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, viewer=viewer)
        if form.is_valid():
            data = form.cleaned_data
            service_request = services.service_request_create(
                actor=request.user,
                customer=data["customer"],
                category=form_class.category,
                subject=data["subject"],
                description=data["description"],
                details=form.details(),
                links=form.links,
                files=data["attachments"],
            )
            messages.success(
                request,
                _("Your request %(reference)s has been received. We will answer within one business day.")
                % {"reference": service_request.reference},
            )
            return redirect(service_request)
    else:
        form = form_class(viewer=viewer)
    return render(
        request,
        "servicedesk/form.html",
        {
            "form": form,
            "category_label": Category(form_class.category).label,
            "category": form_class.category,
        },
    )


def _detail_context(request, service_request, reply_form=None):
    viewer = request.viewer
    is_agent = viewer.is_agent
    context = {
        "sr": service_request,
        "conversation": selectors.conversation(service_request=service_request, viewer=viewer),
        "request_files": [
            a
            for a in selectors.request_attachments(service_request=service_request)
            if is_agent or not a.is_internal
        ],
        "linked": selectors.linked_objects(service_request=service_request, for_agent=is_agent),
        "is_agent": is_agent,
        "sr_zone": sla.zone_for(service_request.customer.province),
        "overdue": service_request.is_overdue(),
        "now": timezone.now(),
        "reply_form": reply_form or (AgentReplyForm() if is_agent else ReplyForm()),
        "can_reply": service_request.status != Status.CLOSED,
    }
    if is_agent:
        context["assign_form"] = AssignForm(
            initial={
                "desk": service_request.desk,
                "agent": service_request.assigned_agent_id,
                "priority": service_request.priority,
            }
        )
        allowed = [s for s, sides in TRANSITIONS.get(service_request.status, {}).items() if "agent" in sides]
        status_form = StatusForm()
        status_form.fields["status"].choices = [(s, Status(s).label) for s in allowed]
        context["status_form"] = status_form if allowed else None
    else:
        moves = TRANSITIONS.get(service_request.status, {})
        context["can_close"] = "customer" in moves.get(Status.CLOSED, ())
        reopen_until = service_request.can_reopen_until()
        context["can_reopen"] = (
            service_request.status in (Status.RESOLVED, Status.CLOSED)
            and service_request.requester_id == request.user.pk
            and reopen_until is not None
            and timezone.now() <= reopen_until
        )
        context["reopen_until"] = reopen_until
    return context


@login_required
def request_detail(request, reference):
    service_request = selectors.service_request_get(viewer=request.viewer, reference=reference)
    return render(request, "servicedesk/detail.html", _detail_context(request, service_request))


def _customer_may_act(viewer, service_request) -> None:
    if not viewer.is_agent and not viewer.can("service_request", service_request.customer_id):
        raise PermissionDenied


@login_required
@require_POST
def request_reply(request, reference):
    viewer = request.viewer
    service_request = selectors.service_request_get(viewer=viewer, reference=reference)
    _customer_may_act(viewer, service_request)
    form_class = AgentReplyForm if viewer.is_agent else ReplyForm
    form = form_class(request.POST, request.FILES)
    form.room = services.attachment_room(service_request=service_request)
    if form.is_valid():
        try:
            services.service_request_reply(
                service_request=service_request,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data.get("internal", False),
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your message has been added."))
            then = form.cleaned_data.get("then")
            if then:
                _transition(request, service_request, then)
            return redirect(service_request)
    service_request.refresh_from_db()
    return render(
        request,
        "servicedesk/detail.html",
        _detail_context(request, service_request, reply_form=form),
        status=400,
    )


@login_required
@require_POST
def request_transition(request, reference):
    """Customers close or reopen; agents make any allowed move."""
    viewer = request.viewer
    service_request = selectors.service_request_get(viewer=viewer, reference=reference)
    _customer_may_act(viewer, service_request)
    to = request.POST.get("status", "")
    if to not in Status.values:
        messages.error(request, _("Choose a valid status."))
        return redirect(service_request)
    _transition(request, service_request, to)
    return redirect(service_request)


def _transition(request, service_request, to: str) -> None:
    try:
        services.service_request_transition(service_request=service_request, to=to, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request is now “%(status)s”.") % {"status": Status(to).label})


def _agent_only(viewer):
    if not viewer.is_agent:
        raise Http404


@login_required
@require_POST
def request_assign(request, reference):
    viewer = request.viewer
    _agent_only(viewer)
    service_request = selectors.service_request_get(viewer=viewer, reference=reference)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a desk, an agent and a priority from the lists."))
        return redirect(service_request)
    services.service_request_assign(
        service_request=service_request,
        agent=form.cleaned_data["agent"],
        desk=form.cleaned_data["desk"],
        actor=request.user,
    )
    services.service_request_set_priority(
        service_request=service_request, priority=form.cleaned_data["priority"], actor=request.user
    )
    messages.success(request, _("Assignment and priority saved."))
    return redirect(service_request)


@login_required
def attachment_download(request, reference, attachment_id):
    """Served only to who may see the request, always as a download with a safe name."""
    attachment = selectors.attachment_get(
        viewer=request.viewer, reference=reference, attachment_id=attachment_id
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_download_name(attachment.original_name),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def agent_queue(request):
    """Queue per desk for agents, most urgent target first; overdue requests stand out."""
    viewer = request.viewer
    _agent_only(viewer)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.agent_queue(user=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    now = timezone.now()
    rows = [{"sr": sr, "overdue": sr.is_overdue(now)} for sr in page]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "desks": selectors.desk_counts(now=now),
        "current_desk": filters.get("desk", ""),
    }
    return render(request, "servicedesk/queue.html", context)
