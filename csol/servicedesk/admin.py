from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from csol.servicedesk import services
from csol.servicedesk.forms import AgentReplyForm
from csol.servicedesk.models import (
    Attachment,
    Message,
    ReferenceCounter,
    RequestEvent,
    SentEmail,
    ServiceRequest,
    Status,
)


class OverdueFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", pgettext_lazy("service request", "Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        return queryset


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "author", "is_internal", "body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at", "is_internal"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    fields = ["created_at", "kind", "old_value", "new_value", "actor"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "customer",
        "category",
        "desk",
        "assigned_agent",
        "priority",
        "status",
        "resolution_due",
        "overdue",
    ]
    list_filter = ["desk", "status", "category", "priority", OverdueFilter, "assigned_agent"]
    search_fields = ["reference", "subject", "customer__number", "customer__legal_name", "requester__email"]
    list_select_related = ["customer", "assigned_agent"]
    date_hierarchy = "created_at"
    # Status, assignment and priority change through the services (actions and the agent page).
    readonly_fields = [
        "reference",
        "customer",
        "requester",
        "partner",
        "category",
        "subject",
        "description",
        "details",
        "status",
        "priority",
        "desk",
        "assigned_agent",
        "invoice",
        "order",
        "contract",
        "inventory_record",
        "created_at",
        "first_response_due",
        "first_responded_at",
        "resolution_due",
        "paused_at",
        "resolved_at",
        "closed_at",
    ]
    exclude = ["updated_at"]
    inlines = [MessageInline, AttachmentInline, EventInline]
    actions = ["assign_to_me", "mark_waiting", "mark_resolved", "mark_closed"]
    change_form_template = "admin/servicedesk/servicerequest/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="servicedesk_servicerequest_reply",
            ),
            *super().get_urls(),
        ]

    def reply_view(self, request, object_id):
        """The agent answers the customer (or adds an internal note) without leaving the back office."""
        service_request = self.get_object(request, object_id)
        if service_request is None:
            raise Http404
        if not self.has_change_permission(request, service_request):
            raise PermissionDenied
        form = AgentReplyForm(request.POST or None, request.FILES or None)
        form.room = services.attachment_room(service_request=service_request)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.service_request_reply(
                    service_request=service_request,
                    author=request.user,
                    body=data["body"],
                    internal=data["internal"],
                    files=data["attachments"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("Your message has been added."), messages.SUCCESS)
                if data["then"]:
                    self._move(request, ServiceRequest.objects.filter(pk=service_request.pk), data["then"])
                return redirect(reverse("admin:servicedesk_servicerequest_change", args=[service_request.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": service_request,
            "form": form,
            "conversation": service_request.messages.select_related("author"),
            "title": gettext("Answer %(reference)s") % {"reference": service_request.reference},
        }
        status = 400 if request.method == "POST" else 200  # a valid POST has redirected
        template = "admin/servicedesk/servicerequest/reply.html"
        return TemplateResponse(request, template, context, status=status)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue()

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        for sr in queryset:
            services.service_request_assign(
                service_request=sr, agent=request.user, desk=sr.desk, actor=request.user
            )
        self.message_user(request, _("Assigned to you."), messages.SUCCESS)

    def _move(self, request, queryset, to):
        done, refused = 0, []
        now = timezone.now()
        for sr in queryset:
            try:
                services.service_request_transition(service_request=sr, to=to, actor=request.user, now=now)
                done += 1
            except ValidationError:
                refused.append(sr.reference)
        if done:
            self.message_user(request, _("%(count)d request(s) updated.") % {"count": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("Not allowed from their status: %(refs)s") % {"refs": ", ".join(refused)},
                messages.WARNING,
            )

    @admin.action(description=_("Mark as waiting on customer"))
    def mark_waiting(self, request, queryset):
        self._move(request, queryset, Status.WAITING)

    @admin.action(description=_("Mark as resolved"))
    def mark_resolved(self, request, queryset):
        self._move(request, queryset, Status.RESOLVED)

    @admin.action(description=_("Close"))
    def mark_closed(self, request, queryset):
        self._move(request, queryset, Status.CLOSED)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["request", "author", "is_internal", "created_at"]
    list_filter = ["is_internal", "by_agent"]
    search_fields = ["request__reference", "body", "author__email"]
    list_select_related = ["request", "author"]
    readonly_fields = ["request", "author", "body", "is_internal", "by_agent", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "request", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type", "is_internal"]
    search_fields = ["original_name", "request__reference"]
    list_select_related = ["request", "uploaded_by"]
    # The stored file is downloaded through the request page, never linked from media.
    exclude = ["file"]
    readonly_fields = [
        "request",
        "message",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "is_internal",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(RequestEvent)
class RequestEventAdmin(admin.ModelAdmin):
    list_display = ["request", "kind", "old_value", "new_value", "actor", "created_at"]
    fields = ["request", "kind", "old_value", "new_value", "actor", "created_at"]
    list_filter = ["kind"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SentEmail)
class SentEmailAdmin(admin.ModelAdmin):
    list_display = ["request", "kind", "key", "recipient", "address", "language", "sent_at"]
    list_filter = ["kind", "language"]
    search_fields = ["request__reference", "recipient__email", "address"]
    list_select_related = ["request", "recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last"]
    search_fields = ["year"]
    list_filter = ["year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
